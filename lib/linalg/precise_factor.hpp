// The factorisation backend of the MPFR tier (lambda_min_mpfr.cpp): the shifted Cholesky test and
// the solves of inverse iteration, either in MPFR at the working precision p (mp_parts.hpp) or in
// double-word arithmetic (dw_cholesky.hpp, unit roundoff 2^-100, binary64 speed). Internal to
// lib/linalg.
//
// Double-word test of Ã = Mdw - diag(d): Mdw is the packed midpoint M rounded entrywise to
// double-words (hi = RN(m), lo = RN(m - hi)); its off-diagonal rounding error, at most
// 2^-105 |hi| + 2^-1074 per entry, joins the radius: r_dw = r + max_i sum_{j != i} (that error),
// rounded up (||E||_2 <= ||E||_inf for symmetric E). The diagonal ã_ii = dw(M_ii) - dw(sigma) is
// whatever double-word the subtraction returns; on success
//     t = min_i (M_ii - ã_ii) - c_dw(Ã) - r_dw   (all rounded down, in MPFR)
// and lambda_min(X) > t for every X of the enclosure, exactly as for the MPFR test: Weyl with
// X - (Ã + diag(M_ii - ã_ii)) = (diagonal >= 0) + (off-diagonal of norm <= r_dw).
#pragma once

#include <string>
#include <vector>

#include "linalg/dw_cholesky.hpp"
#include "linalg/mp_parts.hpp"

namespace ntk::mp_detail {

class precise_factor {
 public:
  // E must outlive this object; r >= rho(off-diagonal radius of E).
  precise_factor(const mp_enclosure& E, double r) : E_(E), r_(r) {}

  // True when the double-word test may be used at shift sigma: working precision <= 160 bits and
  // its constant, estimated from the shifted diagonal, at most `allowed`.
  bool dw_fits(double sigma, double allowed) const;

  // One shifted test at sigma; use_dw selects the backend. On success t receives the proven bound
  // (precision p, rounded down) and the factor is kept for solve().
  mp_test_result test(mpfr_srcptr sigma, mpfr_ptr t, progress_sink& progress, bool use_dw);

  // x <- (Ã)^{-1} x with the factor of the last test (an estimate; a failed test spoils it).
  void solve(mp_array& x);

  bool last_was_dw() const { return factor_dw_; }
  // log2 of the unit roundoff of the backend (100 for double-word, p for MPFR).
  long bits(bool use_dw) const { return use_dw ? 100 : static_cast<long>(E_.prec); }

 private:
  void build_dw_midpoint();

  const mp_enclosure& E_;
  double r_;
  mp_array work_;           // MPFR factor (allocated on first use)
  dw_packed mid_dw_;        // Mdw (built on first use)
  dw_packed factor_dw_mat_; // double-word factor
  double r_dw_ = 0;
  bool factor_dw_ = false;
};

}  // namespace ntk::mp_detail
