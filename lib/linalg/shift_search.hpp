// The binary64 estimator of the lambda_min algorithm without a dense eigensolver (docs/numerics.md,
// "Certifying lambda_min(A) >= t with one floating-point Cholesky", practical recipe steps 2-4;
// "The lambda_min algorithm and its backends"). It is binary64_backend::estimate_search
// (backend_binary64.hpp), steps 1-3 below; the final test and the polish are the common steps of
// lambda_min_core.hpp, which lambda_min_shift_search runs on top of it.
//
// Only the Cholesky tests prove anything; everything else is an estimate that steers them:
//   1. Cholesky test of mid - s1 I with s1 = -c0 (c0 ~ the constant of the unshifted midpoint): for a
//      numerically positive semidefinite midpoint it succeeds and gives a factor (and a weak proof);
//   2. block inverse (subspace) iteration with that factor, two triangular solves per step (O(n^2 b)),
//      with Rayleigh-Ritz on mid: a Ritz pair (theta, v) and an error estimate ||res||^2 / gap. The
//      steps need no product with mid (mid (L L')^-1 P = P + s (L L')^-1 P up to the factorisation's
//      backward error); one product confirms each Ritz pair the search acts on or returns;
//   3. once theta is known to ~1e-2, a second Cholesky test just below theta (8 g below, g the
//      guess of the constant the tests get: c_blk when the blocked constant is the smaller): it
//      usually succeeds (a better proof) and its factor makes the iteration converge in a few steps
//      (ratio (lambda_1 - s)/(lambda_b+1 - s)); the iteration stops at err <= g/64;
//   4. the final test at theta - margin, margin = g/16 + 2 err + 4u(max mid_ii + |theta|), raised
//      eightfold on failure (tests at or above a shift that broke down are not run), then two
//      inverse-iteration steps polish the vector.
// Every successful test is a valid bound; the best (largest t) is returned.
// Cost: usually three Choleskys (n^3/3 each, BLAS) plus ~10 block solves; memory: the midpoint-radius
// form, one factor and the n x b blocks. Only S.mid (and S.n, S.finite) is read: S.rad may be empty.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "linalg/midrad.hpp"
#include "base/progress.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {

struct shift_search_result {
  // The best successful Cholesky test: lambda_min(X) > best.t for every X in X(S) when
  // best.success. best.success == false is an honest failure (no shift was proved), e.g. when mid is
  // not numerically positive definite at the first shift; the caller then needs another estimator.
  shifted_cholesky_result best;
  // The Cholesky factor (row-major lower) of mid - factor_shift I from a SUCCESSFUL test (usually
  // best's; any successful one steers inverse iteration equally well); empty when none is kept.
  // It is the search's only n x n buffer besides S: memory is S plus one factor.
  std::vector<double> factor;
  double factor_shift = -std::numeric_limits<double>::infinity();
  // The floating-point estimate (no guarantee): Ritz value, error estimate and unit Ritz vector.
  double estimate = std::numeric_limits<double>::quiet_NaN();
  double error = std::numeric_limits<double>::infinity();
  std::vector<double> vector;
  bool converged = false;  // the iteration reached err <= g/64 (a tight shift)
  int choleskys = 0;       // Cholesky tests run
  int iterations = 0;      // block inverse-iteration steps
  std::string note;
};

// c(mid - sigma I) of verified_cholesky.hpp bounded above from the diagonal alone (the factored
// diagonal is <= mid_ii - sigma + ulp; negative entries count as 0), rounded up; +inf when too large.
double rump_constant_estimate(const symmetric_midrad& S, double sigma);

// Searches a proven shift just below lambda_min(mid) of S (S.finite required), with r >=
// rho(off-diagonal radius) as in shifted_cholesky_test. block: columns of the iteration block.
// progress (optional) gets a report before every Cholesky test (a cancellation point for callers).
shift_search_result lambda_min_shift_search(const symmetric_midrad& S, double r, std::size_t block = 12,
                                            progress_sink* progress = nullptr);

}  // namespace ntk
