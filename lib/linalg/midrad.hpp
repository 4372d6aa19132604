// Symmetric interval matrices in binary64 midpoint-radius form, and the two O(n^2) bounds built on
// it: a spectral-radius bound of the radius (Collatz-Wielandt) and the Rayleigh-quotient upper bound.
//
// The set described by a symmetric_midrad S is
//     X(S) = { X symmetric : mid_ii <= X_ii <= mid_ii + rad_ii,  |X_ij - mid_ij| <= rad_ij (i != j) }.
// The diagonal is stored at its LOWER endpoint: raising a diagonal entry can only raise lambda_min,
// so the lower-bound test factors mid itself and only the off-diagonal radius costs width there.
#pragma once

#include <cstddef>
#include <vector>

#include "interval/dinterval.hpp"
#include "linalg/dense.hpp"

namespace ntk {

struct symmetric_midrad {
  std::size_t n = 0;
  std::vector<double> mid;  // n*n row-major, symmetric
  std::vector<double> rad;  // n*n row-major, symmetric, >= 0; rad_ii is the width of entry (i, i)
  bool finite = true;       // false: some entry has an infinite or NaN endpoint (mid/rad meaningless)
  bool consistent = true;   // false: some pair A(i,j), A(j,i) was disjoint and their hull was used
};

// Midpoint-radius form of a square dinterval matrix A read as a symmetric matrix: entry (i, j) is
// A(i,j) ∩ A(j,i) (both are taken to enclose the same true value; if they are disjoint, which breaks
// that contract, their hull is used and `consistent` is cleared). Every symmetric X with
// X_ij in A(i,j) ∩ A(j,i) for all i, j lies in X(result). Throws std::invalid_argument if A is not square.
symmetric_midrad to_midrad(const dense_matrix<dinterval>& A);

// An upper bound of the spectral radius of the nonnegative n*n row-major matrix R, ignoring its
// diagonal when skip_diagonal is set: the best of `steps` Collatz-Wielandt quotients
// max_i (R x)_i / x_i, x > 0, each evaluated with rounding errors bounded above. The first step
// (x = 1) is the max row sum, so the result is never worse than ||R||_inf. Returns +inf if R has a
// NaN or infinite entry, 0 if R (off the diagonal, when skipped) is zero.
double spectral_radius_upper(const double* R, std::size_t n, bool skip_diagonal, int steps = 8);

// rho(off-diagonal part of S.rad) bounded above: every X in X(S) has ||X - M||_2 <= result, where M is
// mid with the diagonal of X (so lambda_min(X) >= lambda_min(mid) - result).
double offdiag_radius_bound(const symmetric_midrad& S, int steps = 8);

// For every X in X(S):  v'Xv / v'v <= result  (rounded up). Computed from mid and rad with the
// gamma_n bounds of float_error.hpp (v'Xv <= v'mid v + |v|'rad|v|). Returns +inf if v is zero, has
// the wrong size, or a non-finite entry, or if S is not finite. An empty S.rad counts as zero: the
// result then bounds the Rayleigh quotient of mid itself (the lean store adds its radius on top,
// lambda_min_lean.hpp).
double rayleigh_upper(const symmetric_midrad& S, const std::vector<double>& v);

// Plain floating-point Rayleigh quotient v'Mv / v'v and residual norm ||Mv - rho v|| / ||v|| of the
// n*n row-major matrix M (estimates only, no guarantee).
struct rayleigh_estimate {
  double rho = 0;
  double residual = 0;
};
rayleigh_estimate rayleigh_float(const double* M, std::size_t n, const std::vector<double>& v);
// The same from a product w = Mv computed elsewhere (v, w of equal nonzero length).
rayleigh_estimate rayleigh_of_product(const std::vector<double>& v, const std::vector<double>& w);

}  // namespace ntk
