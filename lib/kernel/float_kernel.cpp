#include "kernel/float_kernel.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace ntk {
namespace {

void syrk(int n, int d, const float* x, float* g) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, d, 1.0f, x, d, 0.0f, g, n);
}
void syrk(int n, int d, const double* x, double* g) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, d, 1.0, x, d, 0.0, g, n);
}

}  // namespace

template <class T>
dense_matrix<T> float_kernel_matrix(const dataset& ds, const preprocessing& pre, int depth, kernel_which which,
                                    int layer, const float_kernel_options& opt) {
  if (depth < 1 || depth > ntk_max_depth || layer < 1 || layer > depth)
    throw std::invalid_argument("float kernel: need 1 <= layer <= depth <= " + std::to_string(ntk_max_depth));
  if (which == kernel_which::Gdot && layer < 2) throw std::invalid_argument("Gdot is defined for layers >= 2");
  const std::size_t n = ds.n, d = ds.d;
  std::vector<T> x(n * d);
  const T den = static_cast<T>(ds.scale_den), num = static_cast<T>(ds.scale_num);
  for (std::size_t t = 0; t < n * d; ++t) x[t] = static_cast<T>(ds.x[t]) / den * num;
  if (pre.center && n > 0) {
    std::vector<T> mean(d, T(0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) mean[k] += x[i * d + k];
    for (std::size_t k = 0; k < d; ++k) mean[k] /= static_cast<T>(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] -= mean[k];
  }
  if (pre.normalize != normalization::none) {
    const T target = pre.normalize == normalization::sphere ? std::sqrt(static_cast<T>(d)) : T(1);
    for (std::size_t i = 0; i < n; ++i) {
      T s = 0;
      for (std::size_t k = 0; k < d; ++k) s += x[i * d + k] * x[i * d + k];
      const T f = target / std::sqrt(s);
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] *= f;
    }
  }
  dense_matrix<T> G(n, n, T(0)), K, Gd;
  if (n > 0) syrk(static_cast<int>(n), static_cast<int>(d), x.data(), G.data.data());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) G(j, i) = G(i, j);
  K = G;
  if (which == kernel_which::Gdot) Gd = dense_matrix<T>(n, n, T(1));
  const T pi = static_cast<T>(3.14159265358979323846);
  std::vector<T> diag(n);
  const long nn = static_cast<long>(n);
  for (int l = 2; l <= layer; ++l) {
    for (std::size_t i = 0; i < n; ++i) diag[i] = G(i, i);  // this layer's a, b before overwriting
#pragma omp parallel for schedule(dynamic, 16)
    for (long i = 0; i < nn; ++i) {
      for (std::size_t j = static_cast<std::size_t>(i); j < n; ++j) {
        const T a = diag[i], b = diag[j], c = G(i, j);
        T g, gd;
        if (opt.use_atan2) {
          const T s = std::sqrt(std::max(a * b - c * c, T(0)));
          const T theta = std::atan2(s, c);
          g = (s + (pi - theta) * c) / pi;
          gd = (pi - theta) / pi;
        } else {
          const T sab = std::sqrt(a * b);
          const T rho = std::clamp(c / sab, T(-1), T(1));
          const T theta = std::acos(rho);
          g = sab * (std::sqrt(T(1) - rho * rho) + (pi - theta) * rho) / pi;
          gd = (pi - theta) / pi;
        }
        G(i, j) = g;
        K(i, j) = g + K(i, j) * gd;
        if (which == kernel_which::Gdot) Gd(i, j) = gd;
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        G(j, i) = G(i, j);
        K(j, i) = K(i, j);
        if (which == kernel_which::Gdot) Gd(j, i) = Gd(i, j);
      }
  }
  switch (which) {
    case kernel_which::G: return G;
    case kernel_which::Gdot: return Gd;
    default: return K;
  }
}

template dense_matrix<float> float_kernel_matrix<float>(const dataset&, const preprocessing&, int, kernel_which, int,
                                                        const float_kernel_options&);
template dense_matrix<double> float_kernel_matrix<double>(const dataset&, const preprocessing&, int, kernel_which,
                                                          int, const float_kernel_options&);

}  // namespace ntk
