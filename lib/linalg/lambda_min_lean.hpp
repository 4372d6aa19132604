// The binary64 tier of lambda_min_enclose on a memory-lean midpoint-radius store: the midpoint in
// full, the radius only as diagonal widths and off-diagonal row sums (docs/numerics.md,
// "Memory-lean double tier"). Memory: the store (n^2 + O(n) doubles) plus one Cholesky factor.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "base/progress.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/midrad.hpp"

namespace ntk {

// The set of symmetric matrices
//   X(L) = { X : mid_ii <= X_ii <= mid_ii + diag_rad_i,  |X_ij - mid_ij| <= R_ij (i != j) }
// for SOME symmetric R >= 0 with zero diagonal whose row sums are <= rad_rowsum_i. S.mid is n*n
// row-major and symmetric, S.rad is empty, S.finite as in symmetric_midrad.
struct lean_midrad {
  symmetric_midrad S;
  std::vector<double> diag_rad;    // n, >= 0
  std::vector<double> rad_rowsum;  // n, >= 0
};

// r >= rho(R) for every R above: max_i rad_rowsum_i (the first Collatz–Wielandt quotient, x = 1);
// +inf if a row sum is not finite.
double lean_offdiag_radius_bound(const lean_midrad& A);

// For every X in X(A):  v'Xv / v'v <= result (rounded up), from
//   v'Xv <= v'mid v + sum_i diag_rad_i v_i^2 + |v|'R|v|,   |v|'R|v| <= rho(R) v'v,
// with every rounding error of the evaluation bounded as in rayleigh_upper (midrad.hpp).
// +inf if v is zero, has the wrong size or a non-finite entry, or if A is not finite.
double rayleigh_upper_lean(const lean_midrad& A, const std::vector<double>& v);

// The binary64 enclosure of lambda_min over a midpoint S.mid (S.rad may be empty) with radius
// information given by the caller: r >= rho(off-diagonal radius) and upper_of(v) >= v'Xv/v'v for
// every X in the set (rounded up, +inf when unknown). Same algorithm and guarantees as
// lambda_min_enclose<dinterval> (lambda_min.hpp), which is this function on to_midrad(A) with
// dense_fallback = true. Without dense_fallback LAPACK's dense eigensolver (an O(n^3) call and a
// second n x n copy) is never used: if the shift search fails, the lower bound is honestly not
// proved. Memory: S plus one n x n factor (plus a second copy on the dense fallback only).
lambda_min_bounds lambda_min_enclose_midrad(const symmetric_midrad& S, double r,
                                            const std::function<double(const std::vector<double>&)>& upper_of,
                                            bool known_psd, const lambda_min_hint* hint, progress_sink& progress,
                                            bool dense_fallback);

// lambda_min_enclose_midrad on the lean store: lower bound for every X in X(A), upper bound by
// rayleigh_upper_lean. dense_fallback as above (callers allow it for small n only).
lambda_min_bounds lambda_min_enclose_lean(const lean_midrad& A, bool known_psd, const lambda_min_hint* hint,
                                          progress_sink& progress, bool dense_fallback);

}  // namespace ntk
