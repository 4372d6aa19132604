// The binary64 backend of the lambda_min algorithm (lambda_min_core.hpp): the blocked
// round-to-nearest Cholesky test of verified_cholesky.hpp on a binary64 midpoint, one n x n factor
// buffer, LAPACK dsyevr as the dense estimator, and the Cholesky-steered block inverse iteration
// (shift_search.cpp) as the default estimator. The radius is reached only through r >=
// rho(off-diagonal radius) and a Rayleigh upper bound `upper_of`: the dense symmetric_midrad
// (lambda_min_double.cpp) and the lean row-sum store (lambda_min_lean.cpp) differ only there.
// Internal to lib/linalg (not installed).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "linalg/lambda_min_core.hpp"
#include "linalg/midrad.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {

// A double exactly as an mreal (precision >= 53).
mreal exact_mreal(double x);

// X <- (L L')^-1 X for the row-major lower factor L (n x n, as left by shifted_cholesky_test) and the
// column-major n x b block X (shift_search.cpp). An estimate only (round to nearest, no bound).
void factor_solve(const std::vector<double>& L, std::size_t n, double* X, std::size_t b);

class binary64_backend {
 public:
  using shift_type = double;
  using upper_fn = std::function<double(const std::vector<double>&)>;
  using test_fn = std::function<bool(const double&)>;

  // S.mid (S.rad may be empty), r >= rho(off-diagonal radius), upper_of(v) >= v'Xv/v'v for every X
  // of the set (rounded up, +inf when unknown; may be empty: no upper bound). dense_fallback: LAPACK's
  // dense eigensolver may be used. block: columns of the search's iteration block.
  binary64_backend(const symmetric_midrad& S, double r, upper_fn upper_of, bool dense_fallback,
                   std::size_t block = 12);

  std::size_t n() const { return S_.n; }
  bool finite() const { return S_.finite && S_.n > 0; }
  long precision_bits() const { return 53; }
  double unit() const { return 0x1p-53; }
  double max_abs_diag() const { return maxdiag_; }
  double margin_growth() const { return 8; }
  int hint_attempts() const { return 5; }
  int refine_rounds() const { return 1; }
  bool dense_allowed() const { return dense_; }
  std::string prepare_note() const { return {}; }
  mreal to_mreal(double x) const { return exact_mreal(x); }

  // The blocked constant c_blk (verified_cholesky.hpp) expected at shift sigma: the a-priori
  // constant from the shifted diagonal times c_blk / c of the last successful factorisation
  // (1 before the first). Only a guess: it sets margins, never a bound.
  double constant_guess(double sigma) const;

  lm_core::estimate_info estimate_hint(const lambda_min_hint& hint, progress_sink& progress);
  lm_core::estimate_info estimate_dense(progress_sink& progress);
  // The shift search (shift_search.cpp): Cholesky tests through `test`, which records proofs.
  lm_core::estimate_info estimate_search(const test_fn& test, progress_sink& progress);

  double shift_below(double margin) const { return value_ - margin; }
  double to_double(double s) const { return s; }
  lm_core::factor_outcome try_factor(double sigma, std::string& notes, progress_sink& progress);
  bool factor_valid() const { return valid_; }

  // Two inverse-iteration steps with the factor, kept when they lower the residual.
  lm_core::estimate_info iterate(progress_sink& progress);

  // Candidates: the vector, and (with a valid factor) one more inverse-iteration step on it.
  int candidates();
  mreal candidate_upper(int k);
  void export_vector(int k, lambda_min_bounds& out);

  // For lambda_min_shift_search.
  const shifted_cholesky_result& best_result() const { return best_res_; }
  std::vector<double>& factor() { return F_; }
  double factor_shift() const { return factor_shift_; }
  const std::vector<double>& vector() const { return vec_; }
  double value() const { return value_; }
  double error() const { return error_; }
  bool converged() const { return converged_; }
  int choleskys() const { return choleskys_; }
  int iterations() const { return iterations_; }

 private:
  const symmetric_midrad& S_;
  double r_;
  upper_fn upper_of_;
  bool dense_;
  std::size_t block_;
  double maxdiag_ = 0;
  double ratio_ = 1;  // c_blk / c of the last successful factorisation (<= 1)
  std::vector<double> F_;  // the one factor buffer
  bool valid_ = false;     // F_ holds the factor of a successful test
  double factor_shift_ = -std::numeric_limits<double>::infinity();
  shifted_cholesky_result best_res_;
  std::vector<double> vec_, step_;
  double vec_residual_ = std::numeric_limits<double>::quiet_NaN();  // ||mid v - rho v|| of unit vec_ (NaN: unknown)
  double gap_ = std::numeric_limits<double>::quiet_NaN();  // lambda_2 - lambda_1 as the search estimated it
  // vec_'s Rayleigh quotient is estimated within constant_guess / 1024 of lambda_1(mid): the polish
  // and the second candidate are skipped (an estimate; it only saves work).
  bool settled() const;
  bool step_done_ = false;
  double value_ = std::numeric_limits<double>::quiet_NaN();
  double error_ = std::numeric_limits<double>::infinity();
  bool converged_ = false;
  int choleskys_ = 0, iterations_ = 0;
};

}  // namespace ntk
