// The angle at one exact endpoint, θ = 2 asin √(t/2) (near ρ = 1 or -1) or θ = acos r (middle),
// with one transcendental evaluation instead of two in the precise tier. Private to lib/kernel.
//
// The generic forms (interval asin/acos of the argument) evaluate both endpoints of the argument;
// for a point argument MPFI therefore computes the same function twice. The precise-tier overloads
// below evaluate once at q = p + 16 bits in round-to-nearest and enclose the result with an error
// bound derived from the derivative (|asin'| <= 2/√3 on [0, 1/2], |acos'| <= 2/√3 on [-1/2, 1/2]):
//   s = RN_q(√(t/2)):  |s - √(t/2)| <= 2^-q s;   a = RN_q(asin s):  |a - asin s| <= 2^-q a;
//   |asin s - asin √(t/2)| <= (2/√3) 2^-q s <= 1.16·2^-q a   (s <= asin s <= a (1 + 2^-q)),
// so |a - asin √(t/2)| <= 2^-(q-2) a; likewise |RN_q(acos r) - acos r| <= 2^-q acos r.
// Arguments that are not points, or outside those ranges, take the generic route.
#pragma once

#include <cmath>

#include "interval/detail/asin_kernel.hpp"
#include "interval/interval.hpp"

namespace ntk::kernel_detail {

// Contains 2 asin √(t/2) for every t in x with 0 <= t <= 2.
// For a point t in [2^-52, 1/2] (the δ/ε endpoints of relu_maps.hpp) the asin series is evaluated
// once: h = t/2 is exact, the correctly rounded square root is bracketed, wl <= √h <= wh with wh
// equal to wl or its successor (asin_kernel.hpp, sqrt_bracket; 2^-27 <= wl <= 1/2), and by the mean
// value theorem with asin' = 1/√(1 - w²) <= 2/√3 < 1.25 on [0, 1/2],
//   wl + r_lo <= asin wl <= asin √h <= asin wh <= asin wl + 1.25 (wh - wl) <= wl + r_hi + 1.25 (wh - wl),
// [r_lo, r_hi] ∋ asin wl - wl from asin_kernel(wl). The sum is formed with outward rounding and
// doubled exactly. (The generic route widens t/2 and the square root by a rounding each and then
// evaluates the series at both ends of the wider interval.)
inline dinterval two_asin_sqrt_half(const dinterval& x) {
  const double t = x.lo;
  if (!(x.hi == t) || !(t >= 0x1p-52) || !(t <= 0.5)) return 2.0 * asin(sqrt_nonneg(x * 0.5));
  const double h = 0.5 * t;  // exact (far above the subnormal range)
  double wl, wh;
  ntk::detail::sqrt_bracket(h, wl, wh);
  const ntk::detail::asin_split k = ntk::detail::asin_kernel(wl);
  const double slope = round_up(1.25 * (wh - wl));  // wh - wl is 0 or one ulp, exact
  const dinterval a = dinterval(wl) + dinterval(k.r_lo, round_up(k.r_hi + slope));
  return {2.0 * a.lo, 2.0 * a.hi};  // exact doubling
}

// Contains acos r for every r in x with |r| <= 1.
// The double tier's generic acos bounds each endpoint separately, so a point argument pays the asin
// series twice. For a point r with |r| <= 1/2 (the middle case of relu_maps.hpp) the series is
// evaluated once (interval/detail/asin_kernel.hpp: for 0 <= w <= 1/2, asin w - w lies in
// [r_lo, r_hi]; asin is odd, so asin r - r lies in R = [r_lo, r_hi] for r >= 0, -[r_lo, r_hi] for
// r < 0), and
//   acos r = π/2 - asin r = (h - r) + c - (asin r - r),   π/2 = h + c,  h = kHalfPiHi,
//   c ∈ [kHalfPiLoDown, kHalfPiLoUp];
// h - r = a + b exactly (TwoSum: a = RN(h - r), b its exact error), so
//   acos r ∈ a + (b + [kHalfPiLoDown, kHalfPiLoUp] - R),
// evaluated with the outward interval operations of dinterval.hpp. The small sum is about 2^-53
// in size, so its roundings are far below one unit of a: the width is about that of the generic
// route (one rounding of a on each side).
inline dinterval acos_of(const dinterval& x) {
  const double r = x.lo;
  if (!(x.hi == r) || !(std::fabs(r) <= 0.5)) return acos(x);
  const ntk::detail::asin_split k = ntk::detail::asin_kernel(std::fabs(r));
  const dinterval rem = r >= 0 ? dinterval(k.r_lo, k.r_hi) : dinterval(-k.r_hi, -k.r_lo);  // ∋ asin r - r
  const double h = ntk::detail::kHalfPiHi;
  const double a = h - r;  // TwoSum(h, -r): a + b = h - r exactly
  const double bv = a - h;
  const double b = (h - (a - bv)) + (-r - bv);
  const dinterval small = dinterval(b) + dinterval(ntk::detail::kHalfPiLoDown, ntk::detail::kHalfPiLoUp) - rem;
  return dinterval(a) + small;
}

namespace angle_detail {
inline bool is_point(const minterval& x) { return mpfr_equal_p(&mpfi_of(x)->left, &mpfi_of(x)->right) != 0; }

// [a - e, a + e] at the working precision, e = |a| 2^-k (a finite, e computed exactly).
inline minterval around(mpfr_srcptr a, long k) {
  mpfr_t e;
  mpfr_init2(e, mpfr_get_prec(a));
  mpfr_mul_2si(e, a, -k, MPFR_RNDN);  // exact
  mpfr_abs(e, e, MPFR_RNDN);
  minterval r;
  mpfr_sub(&mpfi_of(r)->left, a, e, MPFR_RNDD);
  mpfr_add(&mpfi_of(r)->right, a, e, MPFR_RNDU);
  mpfr_clear(e);
  return r;
}
}  // namespace angle_detail

inline minterval two_asin_sqrt_half(const minterval& x) {
  const mpfr_srcptr t = &mpfi_of(x)->left;
  if (!angle_detail::is_point(x) || mpfr_sgn(t) < 0 || mpfr_cmp_d(t, 0.5) > 0 || !mpfr_number_p(t))
    return 2.0 * asin(sqrt_nonneg(x * 0.5));
  if (mpfr_zero_p(t)) return interval_traits<minterval>::point(0.0);
  const long q = working_precision_bits() + 16;
  mpfr_t a;
  mpfr_init2(a, q);
  mpfr_div_2ui(a, t, 1, MPFR_RNDN);  // exact
  mpfr_sqrt(a, a, MPFR_RNDN);
  mpfr_asin(a, a, MPFR_RNDN);
  minterval r = angle_detail::around(a, q - 2);
  mpfr_clear(a);
  mpfi_mul_2ui(mpfi_of(r), mpfi_of(r), 1);
  return r;
}

inline minterval acos_of(const minterval& x) {
  const mpfr_srcptr r0 = &mpfi_of(x)->left;
  if (!angle_detail::is_point(x) || !mpfr_number_p(r0) || mpfr_cmp_d(r0, -0.5) < 0 || mpfr_cmp_d(r0, 0.5) > 0)
    return acos(x);
  const long q = working_precision_bits() + 16;
  mpfr_t a;
  mpfr_init2(a, q);
  mpfr_acos(a, r0, MPFR_RNDN);
  minterval r = angle_detail::around(a, q);
  mpfr_clear(a);
  return r;
}

}  // namespace ntk::kernel_detail
