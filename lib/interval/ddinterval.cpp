// Conversions between ddinterval and exact integers, MPFR and MPFI values (ddinterval.hpp).
#include "interval/ddinterval.hpp"

#include <cfloat>
#include <cmath>

namespace ntk {

void dw_to_mpfr(mpfr_ptr m, const dw& a, mpfr_rnd_t rnd) {
  if (a.hi != a.hi) {
    mpfr_set_nan(m);
    return;
  }
  // hi exactly when the precision allows (>= 53 bits), then one correctly rounded addition.
  mpfr_t h;
  mpfr_init2(h, 53);
  mpfr_set_d(h, a.hi, MPFR_RNDN);  // exact
  mpfr_add_d(m, h, a.lo, rnd);     // hi + lo rounded once
  mpfr_clear(h);
}

dw dw_from_mpfr(mpfr_srcptr m, bool up) {
  if (mpfr_nan_p(m)) return {dd_detail::nan_d, dd_detail::nan_d};
  const double hi = mpfr_get_d(m, MPFR_RNDN);
  if (std::isinf(hi)) {
    // |m| > DBL_MAX (RN overflowed): the bound on the far side is infinite, the near side DBL_MAX.
    if (hi > 0) return up ? dw{hi, 0.0} : dw{DBL_MAX, 0.0};
    return up ? dw{-DBL_MAX, 0.0} : dw{hi, 0.0};
  }
  if (mpfr_inf_p(m)) return {hi, 0.0};
  // m - hi is exact at m's precision (its bits lie within m's), then rounded in the direction.
  mpfr_t r;
  mpfr_init2(r, std::max<mpfr_prec_t>(mpfr_get_prec(m), 64));
  mpfr_sub_d(r, m, hi, MPFR_RNDN);
  const double lo = mpfr_get_d(r, up ? MPFR_RNDU : MPFR_RNDD);
  mpfr_clear(r);
  return dw_detail::fast_two_sum(hi, lo);  // exact renormalisation (|lo| <= ulp(hi)/2 <= |hi|)
}

ddinterval ddi_from_mpfr(mpfr_srcptr m) { return {dw_from_mpfr(m, false), dw_from_mpfr(m, true)}; }

ddinterval ddi_from_mpfi(mpfi_srcptr x) {
  if (mpfr_nan_p(&x->left) || mpfr_nan_p(&x->right)) return dd_detail::nan_interval();
  return {dw_from_mpfr(&x->left, false), dw_from_mpfr(&x->right, true)};
}

void ddi_to_mpfi(mpfi_ptr r, const ddinterval& x) {
  if (dd_detail::has_nan(x)) {
    mpfr_set_nan(&r->left);
    mpfr_set_nan(&r->right);
    return;
  }
  dw_to_mpfr(&r->left, x.lo, MPFR_RNDD);
  dw_to_mpfr(&r->right, x.hi, MPFR_RNDU);
}

ddinterval ddi_from_mpz(const mpz_t z) {
  mpfr_t m;
  mpfr_init2(m, static_cast<mpfr_prec_t>(std::max<std::size_t>(64, mpz_sizeinbase(z, 2))));
  mpfr_set_z(m, z, MPFR_RNDN);  // exact: the precision covers every bit
  const ddinterval r = ddi_from_mpfr(m);
  mpfr_clear(m);
  return r;
}

ddinterval ddi_from_i128(__int128 v) {
  // v = h + l with h = RN(v) and l = v - h exact as an integer (|l| <= 2^74 < 2^127), then l rounded.
  const double h = static_cast<double>(v);  // correctly rounded
  if (!(std::fabs(h) < 0x1p126)) return ddinterval(round_down(h), round_up(h));
  if (static_cast<__int128>(h) == v) return ddinterval(h);
  const __int128 rest = v - static_cast<__int128>(h);  // h is an integer below 2^127 in magnitude
  const double l = static_cast<double>(rest);
  if (static_cast<__int128>(l) == rest) {
    const dw e = dw_detail::fast_two_sum(h, l);
    return {e, e};
  }
  const dw a = dw_detail::fast_two_sum(h, next_down(l)), b = dw_detail::fast_two_sum(h, next_up(l));
  return {a, b};
}

namespace {
// A bound (lower: up = false) of a 2^k for a normalised double-word a: exact when both parts stay
// normal (or zero); a low part that becomes subnormal is rounded to nearest by ldexp (error below
// one step 2^-1074) and moved one step outward; a high part leaving the normal range goes through
// a binary64 enclosure, rounded outward.
dw scale_bound(const dw& a, int k, bool up) {
  const double h = std::ldexp(a.hi, k);
  if (std::isinf(a.hi)) return {a.hi, 0.0};
  if (a.hi == 0) return {0.0, 0.0};
  if (std::isfinite(h) && std::fabs(h) >= 0x1p-1000) {
    double l = std::ldexp(a.lo, k);
    if (a.lo != 0 && std::fabs(l) < DBL_MIN) l = up ? next_up(l) : next_down(l);
    return dw_detail::fast_two_sum(h, l);  // exact; |l| <= ulp(h)/2 + 2^-1074 < |h|
  }
  const double d = std::ldexp(up ? dd_detail::up_d(a) : dd_detail::down_d(a), k);
  return {up ? round_up(d) : round_down(d), 0.0};
}
}  // namespace

ddinterval ddi_ldexp(const ddinterval& x, long e) {
  if (dd_detail::has_nan(x)) return dd_detail::nan_interval();
  const int k = static_cast<int>(std::max(-4000L, std::min(4000L, e)));
  return {scale_bound(x.lo, k, false), scale_bound(x.hi, k, true)};
}

}  // namespace ntk
