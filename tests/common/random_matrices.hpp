// Random test matrices for the linear-algebra tests (header-only; fixed seeds by the caller).
// Every generated matrix is an exact binary64 (or MPFR) matrix afterwards: references are computed
// from what was generated, never from the intended spectrum.
#pragma once

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "interval/interval.hpp"
#include "interval/rounding.hpp"
#include "linalg/dense.hpp"

namespace ntk_test {

// An (approximately) orthogonal n x n matrix: product of n Householder reflections of Gaussian vectors.
inline std::vector<double> random_orthogonal(std::size_t n, std::mt19937_64& gen) {
  std::normal_distribution<double> nd;
  std::vector<double> q(n * n, 0.0), h(n);
  for (std::size_t i = 0; i < n; ++i) q[i * n + i] = 1.0;
  for (std::size_t r = 0; r < n; ++r) {
    double nn = 0;
    for (auto& x : h) {
      x = nd(gen);
      nn += x * x;
    }
    if (nn == 0) continue;
    // q <- q (I - 2 h h' / h'h)
    for (std::size_t i = 0; i < n; ++i) {
      double d = 0;
      for (std::size_t k = 0; k < n; ++k) d += q[i * n + k] * h[k];
      d *= 2 / nn;
      for (std::size_t k = 0; k < n; ++k) q[i * n + k] -= d * h[k];
    }
  }
  return q;
}

// The binary64 symmetric matrix fl(Q diag(lams) Q'), symmetrised: eigenvalues close to lams
// (within about n u max|lams|), exact as a binary64 matrix.
inline std::vector<double> symmetric_with_spectrum(const std::vector<double>& lams,
                                                   std::mt19937_64& gen) {
  const std::size_t n = lams.size();
  const std::vector<double> q = random_orthogonal(n, gen);
  std::vector<double> m(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < n; ++k) s += q[i * n + k] * lams[k] * q[j * n + k];
      m[i * n + j] = m[j * n + i] = s;
    }
  return m;
}

// Spectrum geometric from lmin to lmax (n >= 2), or {lmax} for n == 1.
inline std::vector<double> geometric_spectrum(std::size_t n, double lmin, double lmax) {
  std::vector<double> l(n);
  for (std::size_t k = 0; k < n; ++k)
    l[k] = n == 1 ? lmax : lmin * std::pow(lmax / lmin, static_cast<double>(k) / static_cast<double>(n - 1));
  return l;
}

// The interval matrix [m - rad, m + rad] (rounded outward), rad >= 0 entrywise.
inline ntk::dense_matrix<ntk::dinterval> dinterval_matrix(const std::vector<double>& m,
                                                          const std::vector<double>& rad,
                                                          std::size_t n) {
  ntk::dense_matrix<ntk::dinterval> a(n, n);
  for (std::size_t k = 0; k < n * n; ++k) {
    a.data[k] = rad[k] == 0 ? ntk::dinterval(m[k])
                            : ntk::dinterval(ntk::round_down(m[k] - rad[k]), ntk::round_up(m[k] + rad[k]));
  }
  return a;
}

// The same at the current MPFI working precision, [m - rad, m + rad] rounded outward.
inline ntk::dense_matrix<ntk::minterval> minterval_matrix(const std::vector<double>& m,
                                                          const std::vector<double>& rad,
                                                          std::size_t n) {
  ntk::dense_matrix<ntk::minterval> a(n, n);
  for (std::size_t k = 0; k < n * n; ++k) {
    ntk::minterval x;
    mpfi_set_d(ntk::mpfi_of(x), m[k]);
    if (rad[k] != 0) {
      mpfr_sub_d(&ntk::mpfi_of(x)->left, &ntk::mpfi_of(x)->left, rad[k], MPFR_RNDD);
      mpfr_add_d(&ntk::mpfi_of(x)->right, &ntk::mpfi_of(x)->right, rad[k], MPFR_RNDU);
    }
    a.data[k] = x;
  }
  return a;
}

// Radii: rel * |m_ij| * (a uniform factor in [0, 1]), symmetric; rel = 0 gives point matrices.
inline std::vector<double> random_radii(const std::vector<double>& m, std::size_t n, double rel,
                                        std::mt19937_64& gen) {
  std::uniform_real_distribution<double> ud(0.0, 1.0);
  std::vector<double> r(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) r[i * n + j] = r[j * n + i] = rel * std::fabs(m[i * n + j]) * ud(gen);
  return r;
}

// A symmetric binary64 matrix X with X_ij in [lo_ij, hi_ij] of the interval matrix a (using entry
// (max(i,j), min(i,j))). mode 0: uniform inside; mode 1: random corner; mode 2/3: the corner that
// pushes lambda_min down/up for the vector v (X_ij at the end of sign(-/+ v_i v_j)).
inline std::vector<double> sample_inside(const ntk::dense_matrix<ntk::dinterval>& a,
                                         std::mt19937_64& gen, int mode,
                                         const std::vector<double>& v = {}) {
  const std::size_t n = a.rows;
  std::uniform_real_distribution<double> ud(0.0, 1.0);
  std::vector<double> x(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      const ntk::dinterval e = a(i, j);
      double t;
      if (mode == 0) {
        t = std::clamp(e.lo + ud(gen) * (e.hi - e.lo), e.lo, e.hi);
      } else if (mode == 1) {
        t = ud(gen) < 0.5 ? e.lo : e.hi;
      } else {
        const double s = v.empty() ? 1.0 : v[i] * v[j];
        const bool up = (mode == 3) == (s >= 0);
        t = up ? e.hi : e.lo;
      }
      x[i * n + j] = x[j * n + i] = t;
    }
  return x;
}

}  // namespace ntk_test
