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

#include "interval/interval.hpp"

namespace ntk::kernel_detail {

// Contains 2 asin √(t/2) for every t in x with 0 <= t <= 2.
inline dinterval two_asin_sqrt_half(const dinterval& x) { return 2.0 * asin(sqrt_nonneg(x * 0.5)); }
// Contains acos r for every r in x with |r| <= 1.
inline dinterval acos_of(const dinterval& x) { return acos(x); }

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
