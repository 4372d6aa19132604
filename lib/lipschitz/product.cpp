#include "lipschitz/product.hpp"

#include <cblas.h>

#include <chrono>
#include <cmath>

#include "interval/rounding.hpp"
#include "linalg/spectral_norm.hpp"

namespace ntk {

double power_iteration_norm(const std::vector<double>& W, std::size_t rows, std::size_t cols,
                            int iterations) {
  if (rows == 0 || cols == 0 || W.size() != rows * cols) return 0.0;
  std::vector<double> v(cols), u(rows);
  // A fixed, non-symmetric start vector (a constant one can be orthogonal to the top singular vector).
  for (std::size_t j = 0; j < cols; ++j) v[j] = 1.0 + 0.5 * std::sin(static_cast<double>(j) + 1.0);
  double est = 0;
  const int R = static_cast<int>(rows), C = static_cast<int>(cols);
  for (int it = 0; it < iterations; ++it) {
    const double nv = cblas_dnrm2(C, v.data(), 1);
    if (!(nv > 0) || !std::isfinite(nv)) return est;
    cblas_dscal(C, 1.0 / nv, v.data(), 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, R, C, 1.0, W.data(), C, v.data(), 1, 0.0, u.data(), 1);
    const double nu = cblas_dnrm2(R, u.data(), 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, R, C, 1.0, W.data(), C, u.data(), 1, 0.0, v.data(), 1);
    const double prev = est;
    est = nu;
    if (it > 3 && std::fabs(est - prev) <= 1e-13 * est) break;
  }
  return est;
}

product_bound lipschitz_product(const network& net) {
  const auto t0 = std::chrono::steady_clock::now();
  product_bound out;
  double up = 1.0, fl = 1.0;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    const spectral_norm_bounds b = spectral_norm_enclose(net.W(l), net.rows(l), net.cols(l));
    product_layer pl;
    pl.lower = b.lower;
    pl.upper = b.upper;
    pl.upper_from_cholesky = b.upper_from_cholesky;
    pl.power_iteration = power_iteration_norm(net.W(l), net.rows(l), net.cols(l));
    out.layers.push_back(pl);
    up = round_up(up * pl.upper);  // factors >= 0: rounding the product up keeps it an upper bound
    fl *= pl.power_iteration;
  }
  // A zero factor (a zero matrix) makes the exact product 0 even when another factor is +inf.
  for (const product_layer& pl : out.layers)
    if (pl.upper == 0) up = 0;
  out.upper = up;
  out.float_estimate = fl;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace ntk
