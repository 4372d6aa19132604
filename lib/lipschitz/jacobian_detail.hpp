// Internal to lib/lipschitz (not installed): the float and midpoint-radius helpers shared by the
// interval forward pass (interval_pass.cpp), the Jacobian bounds (jacobian.cpp) and the Jacobian
// search (jacobian_search.cpp).
#pragma once

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "interval/dinterval.hpp"
#include "interval/rounding.hpp"

namespace ntk::jacobian_detail {

inline constexpr double inf = std::numeric_limits<double>::infinity();

// C (m x n) = op(A) op(B) in plain float through BLAS (gemv for the vector shapes).
inline void float_gemm(std::size_t m, std::size_t n, std::size_t k, const double* A, bool ta, const double* B,
                       bool tb, double* C) {
  const int M = static_cast<int>(m), N = static_cast<int>(n), K = static_cast<int>(k);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(C, C + m * n, 0.0);
    return;
  }
  if (n == 1) {  // op(B) is a k-vector stored contiguously either way
    if (!ta) cblas_dgemv(CblasRowMajor, CblasNoTrans, M, K, 1.0, A, K, B, 1, 0.0, C, 1);
    else cblas_dgemv(CblasRowMajor, CblasTrans, K, M, 1.0, A, M, B, 1, 0.0, C, 1);
    return;
  }
  if (m == 1) {  // C' = op(B)' a
    if (!tb) cblas_dgemv(CblasRowMajor, CblasTrans, K, N, 1.0, B, N, A, 1, 0.0, C, 1);
    else cblas_dgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0, B, K, A, 1, 0.0, C, 1);
    return;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0, A,
              ta ? M : K, B, tb ? K : N, 0.0, C, N);
}

inline std::vector<double> abs_copy(const double* x, std::size_t n) {
  std::vector<double> a(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = std::fabs(x[i]);
  return a;
}

inline void to_mr(const dinterval& x, double& mid, double& rad) {
  if (!(std::isfinite(x.lo) && std::isfinite(x.hi))) {
    mid = 0;
    rad = inf;
    return;
  }
  mid = 0.5 * x.lo + 0.5 * x.hi;
  rad = std::max(round_up(x.hi - mid), round_up(mid - x.lo));
  if (rad < 0) rad = 0;
}

inline dinterval from_mr(double mid, double rad) {
  if (!(std::isfinite(mid) && std::isfinite(rad))) return {-inf, inf};
  return {round_down(mid - rad), round_up(mid + rad)};
}

inline dinterval relu(const dinterval& z) { return {std::max(z.lo, 0.0), std::max(z.hi, 0.0)}; }

// Lower bound of sum_i mig(y_i)^2 (mig = distance of the interval from 0).
inline double mig_sq_sum_lower(const std::vector<dinterval>& y) {
  double s = 0;
  for (const dinterval& t : y) {
    double m = 0;
    if (t.lo > 0) m = t.lo;
    else if (t.hi < 0) m = -t.hi;
    if (m > 0) s = round_down(s + round_down(m * m));
  }
  return s;
}

// Upper bound of sum_i mag(y_i)^2.
inline double mag_sq_sum_upper(const std::vector<dinterval>& y) {
  double s = 0;
  for (const dinterval& t : y) {
    const double m = std::max(std::fabs(t.lo), std::fabs(t.hi));
    s = round_up(s + round_up(m * m));
  }
  return s;
}

}  // namespace ntk::jacobian_detail
