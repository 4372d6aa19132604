// Provisional implementation through MPFR at 53 bits with directed rounding (asin increasing, acos
// decreasing, so endpoint evaluation is exact up to MPFR's correct rounding).
#include "interval/dinterval_elementary.hpp"

#include <algorithm>
#include <limits>
#include <mpfr.h>

namespace ntk {
namespace {
double mpfr_eval(int (*f)(mpfr_ptr, mpfr_srcptr, mpfr_rnd_t), double t, mpfr_rnd_t rnd) {
  mpfr_t a;
  mpfr_init2(a, 53);
  mpfr_set_d(a, t, MPFR_RNDN);
  f(a, a, rnd);
  double r = mpfr_get_d(a, rnd);
  mpfr_clear(a);
  return r;
}
}  // namespace

dinterval asin(const dinterval& x) {
  const double l = std::max(x.lo, -1.0), h = std::min(x.hi, 1.0);
  if (!(l <= h)) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return {mpfr_eval(mpfr_asin, l, MPFR_RNDD), mpfr_eval(mpfr_asin, h, MPFR_RNDU)};
}

dinterval acos(const dinterval& x) {
  const double l = std::max(x.lo, -1.0), h = std::min(x.hi, 1.0);
  if (!(l <= h)) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return {mpfr_eval(mpfr_acos, h, MPFR_RNDD), mpfr_eval(mpfr_acos, l, MPFR_RNDU)};
}

}  // namespace ntk
