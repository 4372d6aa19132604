// asin / acos on ddinterval, first version: each endpoint exactly in MPFR, the function value
// rounded outward at 160 bits, then converted to a double-word outward. Correct and slow; the double-word
// series version replaces it.
#include "interval/ddinterval_elementary.hpp"

namespace ntk {
namespace {

constexpr mpfr_prec_t kPrec = 160;

// A bound on f(a) for the double-word a in [-1, 1]: lower (up = false) or upper.
dw eval(int (*f)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t), bool increasing, const dw& a, bool up) {
  (void)increasing;
  mpfr_t m, t;
  mpfr_init2(m, kPrec);
  mpfr_init2(t, 2200);          // every double-word in [-1, 1] is exact at 2200 bits
  dw_to_mpfr(t, a, MPFR_RNDN);  // exact
  f(m, t, up ? MPFR_RNDU : MPFR_RNDD);
  const dw r = dw_from_mpfr(m, up);
  mpfr_clears(m, t, nullptr);
  return r;
}

// x clipped to [-1, 1]; false when that is empty or x has a NaN endpoint.
bool clip_unit(const ddinterval& x, ddinterval& y) {
  using namespace dd_detail;
  if (has_nan(x)) return false;
  y = ddinterval{dmax(x.lo, from_d(-1.0)), dmin(x.hi, from_d(1.0))};
  return le(y.lo, y.hi);
}

}  // namespace

ddinterval asin(const ddinterval& x) {
  ddinterval y;
  if (!clip_unit(x, y)) return dd_detail::nan_interval();
  return {eval(mpfr_asin, true, y.lo, false), eval(mpfr_asin, true, y.hi, true)};
}

ddinterval acos(const ddinterval& x) {
  ddinterval y;
  if (!clip_unit(x, y)) return dd_detail::nan_interval();
  return {eval(mpfr_acos, false, y.hi, false), eval(mpfr_acos, false, y.lo, true)};
}

}  // namespace ntk
