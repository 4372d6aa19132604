// Helpers shared by the linalg tests: comparisons of MPFR values and the reference checks.
#pragma once

#include <mpfr.h>

#include <cmath>
#include <vector>

#include "../common/jacobi.hpp"
#include "interval/interval.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk_test {

inline mpfr_srcptr mp(const ntk::mreal& x) { return x.backend().data(); }

inline double down(const ntk::mreal& x) { return mpfr_get_d(mp(x), MPFR_RNDD); }
inline double up(const ntk::mreal& x) { return mpfr_get_d(mp(x), MPFR_RNDU); }

// The enclosure [b.lower, b.upper] meets the reference enclosure of lambda_min (the exact value lies
// in the latter, so an empty meet proves the former wrong).
inline bool meets_reference(const ntk::lambda_min_bounds& b, const reference_spectrum& ref,
                            std::size_t k = 0) {
  const ref_real lo = reference_lower(ref, k), hi = reference_upper(ref, k);
  return mpfr_cmp(mp(b.lower), hi.backend().data()) <= 0 &&
         mpfr_cmp(lo.backend().data(), mp(b.upper)) <= 0;
}

// Width upper - lower as a double rounded up.
inline double width(const ntk::lambda_min_bounds& b) {
  mpfr_t w;
  mpfr_init2(w, 64);
  mpfr_sub(w, mp(b.upper), mp(b.lower), MPFR_RNDU);
  const double d = mpfr_get_d(w, MPFR_RNDU);
  mpfr_clear(w);
  return d;
}

// (n+1) 2^-p tr(M) (the leading term of the Cholesky test's constant) for the binary64 matrix M.
inline double c_theory(const std::vector<double>& m, std::size_t n, long bits) {
  double tr = 0;
  for (std::size_t i = 0; i < n; ++i) tr += std::fabs(m[i * n + i]);
  return static_cast<double>(n + 1) * std::ldexp(1.0, -static_cast<int>(bits)) * tr;
}

// (n + 1) max rad_ij, computed independently: bounds both the off-diagonal spectral radius (the
// lower side loses at most n max) and |v|'rad|v| / v'v plus the diagonal width (upper side: the
// diagonal enters through its full width 2 rad_ii).
inline double r_theory(const std::vector<double>& rad, std::size_t n) {
  double mx = 0;
  for (double r : rad) mx = std::max(mx, r);
  return static_cast<double>(n + 1) * mx;
}

// For a point matrix with diagonal mid_ii and a factored diagonal ã_ii (both exact MPFR values):
// min_i (mid_ii - ã_ii) - c, c = (n+1)u/(1-(n+1)u) sum ã_ii + 4 eta n (2(n+1) + max ã_ii),
// u = 2^-bits, eta = 2^-1074, evaluated at 4000 bits (rounding errors far below anything tested).
// The Cholesky test may never claim more than this (it also subtracts r >= 0).
inline ref_real constant_checked_bound(const std::vector<mpfr_srcptr>& mid_diag,
                                       const std::vector<mpfr_srcptr>& shifted_diag, long bits) {
  const std::size_t n = mid_diag.size();
  mpfr_t u, g, tr, mx, d, mn;
  mpfr_inits2(4000, u, g, tr, mx, d, mn, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_ui(u, n + 1, MPFR_RNDN);
  mpfr_mul_2si(u, u, -bits, MPFR_RNDN);  // (n+1)u
  mpfr_ui_sub(g, 1, u, MPFR_RNDN);
  mpfr_div(g, u, g, MPFR_RNDN);
  mpfr_set_zero(tr, 1);
  mpfr_set_zero(mx, 1);
  mpfr_set_inf(mn, 1);
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_add(tr, tr, shifted_diag[i], MPFR_RNDN);
    mpfr_max(mx, mx, shifted_diag[i], MPFR_RNDN);
    mpfr_sub(d, mid_diag[i], shifted_diag[i], MPFR_RNDN);
    mpfr_min(mn, mn, d, MPFR_RNDN);
  }
  mpfr_mul(g, g, tr, MPFR_RNDN);
  mpfr_set_ui(d, 2 * (n + 1), MPFR_RNDN);
  mpfr_add(d, d, mx, MPFR_RNDN);
  mpfr_mul_ui(d, d, n, MPFR_RNDN);
  mpfr_mul_2si(d, d, -1072, MPFR_RNDN);
  mpfr_add(g, g, d, MPFR_RNDN);
  mpfr_sub(mn, mn, g, MPFR_RNDN);
  ref_real out = ref_value(mn, 4000);
  mpfr_clears(u, g, tr, mx, d, mn, static_cast<mpfr_ptr>(nullptr));
  return out;
}

}  // namespace ntk_test
