// Test reference for λ_min of the NTK, written independently of the checker: plain (non-interval)
// MPFR numbers at ~330 bits, the matrix recursion of docs/math.md §2 exactly as stated (no homogeneity
// trick, preprocessing done on the rows), and a cyclic Jacobi eigen-solver.
#pragma once

#include <boost/multiprecision/mpfr.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace reference {

using real = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<100>, boost::multiprecision::et_off>;

struct eigen_result {
  real lambda_min;
  std::vector<double> eigenvector;  // unit eigenvector of lambda_min, rounded to doubles
};

// Eigenvalues of the symmetric matrix a (row-major n x n) by cyclic Jacobi rotations until the
// off-diagonal mass is below 10^-90 of the Frobenius norm.
inline eigen_result jacobi_min(std::vector<real> a, std::size_t n) {
  std::vector<real> v(n * n, real(0));
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1;
  real fro = 0;
  for (const auto& x : a) fro += x * x;
  const real tol = fro * real("1e-180");
  for (int sweep = 0; sweep < 60; ++sweep) {
    real off = 0;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off <= tol) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        real apq = a[p * n + q];
        if (apq == 0) continue;
        real theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        real t = (theta >= 0 ? real(1) : real(-1)) / (abs(theta) + sqrt(theta * theta + 1));
        real c = 1 / sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          real akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          real apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          real vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::size_t imin = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (a[i * n + i] < a[imin * n + imin]) imin = i;
  eigen_result r;
  r.lambda_min = a[imin * n + imin];
  for (std::size_t k = 0; k < n; ++k) r.eigenvector.push_back(static_cast<double>(v[k * n + imin]));
  return r;
}

enum class norm_kind { none, sphere, unit };

// f·K^(L) for the rows x (row-major n x d, each multiplied by `scale`), preprocessed as stated,
// with f = 1 (paper), 1/d (neural-tangents) or 1/2^(L-1) (uci).
inline std::vector<real> ntk_matrix(const std::vector<double>& x, std::size_t n, std::size_t d, double scale_num,
                                    double scale_den, bool center, norm_kind norm, int depth,
                                    const std::string& convention) {
  std::vector<real> z(n * d);
  for (std::size_t k = 0; k < n * d; ++k) z[k] = real(x[k]) * real(scale_num) / real(scale_den);
  if (center)
    for (std::size_t c = 0; c < d; ++c) {
      real m = 0;
      for (std::size_t i = 0; i < n; ++i) m += z[i * d + c];
      m /= n;
      for (std::size_t i = 0; i < n; ++i) z[i * d + c] -= m;
    }
  if (norm != norm_kind::none)
    for (std::size_t i = 0; i < n; ++i) {
      real s = 0;
      for (std::size_t c = 0; c < d; ++c) s += z[i * d + c] * z[i * d + c];
      real f = (norm == norm_kind::sphere ? sqrt(real(d)) : real(1)) / sqrt(s);
      for (std::size_t c = 0; c < d; ++c) z[i * d + c] *= f;
    }
  std::vector<real> g(n * n), k(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      real s = 0;
      for (std::size_t c = 0; c < d; ++c) s += z[i * d + c] * z[j * d + c];
      g[i * n + j] = s;
    }
  k = g;
  const real pi = acos(real(-1));
  for (int l = 2; l <= depth; ++l) {
    std::vector<real> gn(n * n), gd(n * n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        real a = g[i * n + i], b = g[j * n + j], c = g[i * n + j];
        real sab = sqrt(a * b);
        real rho = c / sab;
        if (rho > 1) rho = 1;
        if (rho < -1) rho = -1;
        real theta = acos(rho);
        gn[i * n + j] = sab * (sqrt(1 - rho * rho) + (pi - theta) * rho) / pi;
        gd[i * n + j] = 1 - theta / pi;
      }
    for (std::size_t e = 0; e < n * n; ++e) k[e] = gn[e] + k[e] * gd[e];
    g = gn;
  }
  real f = 1;
  if (convention == "neural-tangents") f = real(1) / real(d);
  if (convention == "uci") f = real(1) / pow(real(2), depth - 1);
  for (auto& e : k) e *= f;
  return k;
}

}  // namespace reference
