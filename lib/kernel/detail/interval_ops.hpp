// Small tier-specific interval helpers the kernel code needs beyond the interval concept
// (interval/interval.hpp). Private to lib/kernel: names live in ntk::kernel_detail.
#pragma once

#include <algorithm>
#include <cmath>
#include <gmp.h>

#include "interval/interval.hpp"

namespace ntk::kernel_detail {

// ---- endpoints as point intervals -----------------------------------------------------------
// The result contains the lower (upper) endpoint of x, exactly when the precision of x is the
// working precision (interval_traits<I>::lower_point / upper_point).
template <class I>
I lower_point(const I& x) {
  return interval_traits<I>::lower_point(x);
}
template <class I>
I upper_point(const I& x) {
  return interval_traits<I>::upper_point(x);
}

// ---- joining and meeting ----------------------------------------------------------------------
// [lower endpoint of a, upper endpoint of b]. Callers use it where lower(a) <= upper(b) holds
// mathematically; should it fail, the hull of a and b is returned instead (still an enclosure of
// anything a or b encloses).
inline dinterval join(const dinterval& a, const dinterval& b) {
  if (!(a.lo <= b.hi)) return hull(a, b);
  return {a.lo, b.hi};
}
inline minterval join(const minterval& a, const minterval& b) {
  if (mpfr_cmp(&mpfi_of(a)->left, &mpfi_of(b)->right) > 0) {
    minterval r;
    mpfi_union(mpfi_of(r), mpfi_of(a), mpfi_of(b));
    return r;
  }
  minterval r = a;
  mpfr_set(&mpfi_of(r)->right, &mpfi_of(b)->right, MPFR_RNDU);
  return r;
}

// x ∩ y for two enclosures of the same real number. Two correct enclosures always intersect; if
// they do not (a defect upstream), the hull is returned, which contains the value if either did.
inline dinterval meet(const dinterval& x, const dinterval& y) {
  const dinterval r{std::max(x.lo, y.lo), std::min(x.hi, y.hi)};
  if (!(r.lo <= r.hi)) return hull(x, y);
  return r;
}
inline minterval meet(const minterval& x, const minterval& y) {
  minterval r;
  mpfi_intersect(mpfi_of(r), mpfi_of(x), mpfi_of(y));
  if (mpfi_is_empty(mpfi_of(r))) mpfi_union(mpfi_of(r), mpfi_of(x), mpfi_of(y));
  return r;
}

// ---- exact tests --------------------------------------------------------------------------------
inline bool is_zero_point(const dinterval& x) { return x.lo == 0 && x.hi == 0; }
inline bool is_zero_point(const minterval& x) {
  return mpfr_zero_p(&mpfi_of(x)->left) && mpfr_zero_p(&mpfi_of(x)->right);
}

// ---- construction -------------------------------------------------------------------------------
// Contains the integer z (exact for minterval when z fits the working precision).
inline void set_from_mpz(dinterval& r, const mpz_t z) {
  // mpz_get_d truncates toward zero: |t| <= |z| < |t| + ulp(t).
  const double t = mpz_get_d(z);
  const int s = mpz_sgn(z);
  if (s == 0) {
    r = dinterval(0.0);
  } else if (!std::isfinite(t)) {
    r = s > 0 ? dinterval(0x1.fffffffffffffp+1023, HUGE_VAL) : dinterval(-HUGE_VAL, -0x1.fffffffffffffp+1023);
  } else {
    const double away = std::nextafter(t, s > 0 ? HUGE_VAL : -HUGE_VAL);
    r = s > 0 ? dinterval(t, away) : dinterval(away, t);
    mpz_t back;
    mpz_init(back);
    mpz_set_d(back, t);
    if (mpz_cmp(back, z) == 0) r = dinterval(t);
    mpz_clear(back);
  }
}
inline void set_from_mpz(minterval& r, const mpz_t z) { mpfi_set_z(mpfi_of(r), z); }

// x * 2^e, rounded outward (exact unless the result leaves the normal double range).
inline dinterval times_pow2(const dinterval& x, long e) {
  const double l = std::ldexp(x.lo, static_cast<int>(e)), h = std::ldexp(x.hi, static_cast<int>(e));
  // ldexp is exact unless the result is subnormal or overflows; widen by one step in those cases.
  const bool exact = (l == 0 ? x.lo == 0 : std::fabs(l) >= 0x1p-1022) && std::isfinite(l) &&
                     (h == 0 ? x.hi == 0 : std::fabs(h) >= 0x1p-1022) && std::isfinite(h);
  if (exact) return {l, h};
  return {round_down(l), round_up(h)};
}
inline minterval times_pow2(const minterval& x, long e) {
  minterval r;
  mpfi_mul_2si(mpfi_of(r), mpfi_of(x), e);
  return r;
}

}  // namespace ntk::kernel_detail

// The double-double tier's overloads of the helpers above (and of the angle functions).
#include "kernel/detail/dd_ops.hpp"
