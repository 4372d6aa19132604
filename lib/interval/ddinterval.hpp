// ddinterval: closed intervals whose endpoints are double-word ("double-double") numbers, the
// ~106-bit precise tier. docs/numerics.md, "Double-double intervals" has the error bounds and proofs.
//
// Representation: each endpoint is a normalised double-word hi + lo (lib/linalg/double_word.hpp):
// hi = RN(hi + lo), so |lo| <= ulp(hi)/2 and the lexicographic order on (hi, lo) is the order of the
// values; an infinite endpoint is (+-inf, 0) and means "unbounded on that side"; NaN endpoints
// (hi = NaN) mean "no enclosure", as on the other tiers. An interval with lower > upper is not a
// valid argument.
//
// Contract of every operation f below: for all real a in x (and b in y), f(a, b) lies in the result.
// Each endpoint is computed by a double-word algorithm with a proven relative error bound c u^2
// (u = 2^-53) and then moved outward by at least that bound (dd_detail::widen_down / widen_up); the
// rounding mode is never changed. The relative bounds hold only in a safe exponent range (checked on
// every call); outside it (infinite endpoints, magnitudes below about 2^-900 or above 2^1000) the
// endpoint falls back to binary64 interval arithmetic on enclosures of the operands, which is sound
// everywhere but only ~53 bits accurate. Width of one operation on point operands in the safe range:
// add <= 12u^2, mul <= 22u^2, div <= 36u^2, sqrt <= 20u^2 relative (all < 2^-100).
// Exceptional cases as for dinterval: NaN in, NaN out; 0 * inf counts as 0; division by an interval
// containing 0 gives [-inf, +inf]; sqrt_nonneg ignores the negative part; overflow gives an infinite
// endpoint.
//
// API stability: this interface was first committed for the double-word NTK tier; later changes are
// additions only (listed here if any).
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>

#include "interval/dinterval.hpp"
#include "interval/rounding.hpp"
#include "linalg/double_word.hpp"

namespace ntk {

struct ddinterval {
  dw lo, hi;  // lower and upper endpoint, each a normalised double-word

  constexpr ddinterval() = default;
  // The point interval [x, x]; exact (an infinite x gives the unbounded endpoint).
  constexpr ddinterval(double x) : lo{x, 0.0}, hi{x, 0.0} {}  // NOLINT(implicit): doubles are exact
  // [l, h] for doubles l <= h; exact.
  constexpr ddinterval(double l, double h) : lo{l, 0.0}, hi{h, 0.0} {}
  // [l, h] for normalised double-words l <= h (not checked).
  constexpr ddinterval(dw l, dw h) : lo(l), hi(h) {}

  ddinterval& operator+=(const ddinterval& y);
  ddinterval& operator-=(const ddinterval& y);
  ddinterval& operator*=(const ddinterval& y);
  ddinterval& operator/=(const ddinterval& y);
};

namespace dd_detail {

inline constexpr double nan_d = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf_d = std::numeric_limits<double>::infinity();

// Relative widening constants (each >= the proven relative error of the operation, in units of |hi|
// of the computed result; docs/numerics.md, "Double-double intervals").
inline constexpr double k_add = 0x1p-104;   // 4u^2  >= (3u^2 + 13u^3)(1 + 2u)
inline constexpr double k_mul = 0x1p-103 * 1.125;  // 9u^2 >= 8.01u^2 (+ underflow terms)
inline constexpr double k_div = 0x1p-102;   // 16u^2 >= 13.1u^2 (+ underflow terms)
inline constexpr double k_sqrt = 0x1p-103;  // 8u^2  >= 6.3u^2 (+ underflow terms)

// Safe exponent range of the relative bounds.
inline constexpr double safe_min = 0x1p-900;
inline constexpr double safe_max = 0x1p1000;

inline bool is_nan(const dw& a) { return a.hi != a.hi; }
inline bool has_nan(const ddinterval& x) { return x.lo.hi != x.lo.hi || x.hi.hi != x.hi.hi; }
inline ddinterval nan_interval() { return ddinterval(nan_d, nan_d); }

// Exact order of normalised double-words (NaN compares false).
inline bool lt(const dw& a, const dw& b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }
inline bool le(const dw& a, const dw& b) { return a.hi < b.hi || (a.hi == b.hi && a.lo <= b.lo); }
inline const dw& dmin(const dw& a, const dw& b) { return lt(b, a) ? b : a; }
inline const dw& dmax(const dw& a, const dw& b) { return lt(a, b) ? b : a; }
inline dw from_d(double t) { return {t, 0.0}; }

// The largest double <= a / the smallest double >= a, for a normalised a (exact: |lo| <= ulp(hi)/2
// puts a between the neighbours of hi).
inline double down_d(const dw& a) { return a.lo < 0 ? next_down(a.hi) : a.hi; }
inline double up_d(const dw& a) { return a.lo > 0 ? next_up(a.hi) : a.hi; }

// |t| in the safe range (0 excluded).
inline bool in_range(double t) {
  const double m = std::fabs(t);
  return m >= safe_min && m <= safe_max;
}

// A normalised double-word <= r - e (widen_down) / >= r + e (widen_up), e = RN(RN(k|r.hi|) + 2^-1074),
// for a finite r with |r.hi| <= 2^1001; r = 0 stays 0 (callers only pass an exact 0). e >= k|r.hi|
// when k|r.hi| is normal and k a power of two, and e >= k|r.hi|(1 - u) otherwise in the normal range
// (the constants carry that margin); below the normal range e >= k|r.hi| + 2^-1075. round_down /
// round_up bound the rounding of lo -+ e; Fast2Sum renormalises exactly (|hi| > |lo -+ e|).
inline dw widen_down(dw r, double k) {
  if (r.hi == 0) return r;
  const double t = round_down(r.lo - (std::fabs(r.hi) * k + 0x1p-1074));
  return dw_detail::fast_two_sum(r.hi, t);
}
inline dw widen_up(dw r, double k) {
  if (r.hi == 0) return r;
  const double t = round_up(r.lo + (std::fabs(r.hi) * k + 0x1p-1074));
  return dw_detail::fast_two_sum(r.hi, t);
}

// ---- endpoint operations: lower (Up = false) or upper (Up = true) bound of a op b ----------------

template <bool Up>
inline dw add_r(const dw& a, const dw& b) {
  if (a.hi == 0) return b;  // exact (a normalised zero has lo = 0)
  if (b.hi == 0) return a;
  if (std::fabs(a.hi) <= safe_max && std::fabs(b.hi) <= safe_max) {
    const dw r = dw_add(a, b);
    return Up ? widen_up(r, k_add) : widen_down(r, k_add);
  }
  // Infinite or huge: binary64 on enclosures (inf + -inf does not occur for valid intervals).
  if constexpr (Up) return from_d(round_up(up_d(a) + up_d(b)));
  else return from_d(round_down(down_d(a) + down_d(b)));
}

// Endpoint product of doubles: 0 * inf is the limit 0.
inline double emul(double a, double b) {
  const double p = a * b;
  return p == p ? p : 0.0;
}

template <bool Up>
inline dw mul_r(const dw& a, const dw& b) {
  if (a.hi == 0 || b.hi == 0) return from_d(0.0);
  const double p = a.hi * b.hi;
  if (in_range(p)) {
    const dw r = dw_mul(a, b);
    return Up ? widen_up(r, k_mul) : widen_down(r, k_mul);
  }
  // Fallback: a in [a0, a1], b in [b0, b1] (doubles); the extreme endpoint products bound a*b.
  const double a0 = down_d(a), a1 = up_d(a), b0 = down_d(b), b1 = up_d(b);
  const double p1 = emul(a0, b0), p2 = emul(a0, b1), p3 = emul(a1, b0), p4 = emul(a1, b1);
  if constexpr (Up) return from_d(round_up(std::max(std::max(p1, p2), std::max(p3, p4))));
  else return from_d(round_down(std::min(std::min(p1, p2), std::min(p3, p4))));
}

// a / b for b != 0 (b does not change sign within its double enclosure: b.hi != 0 and normalised).
// Own algorithm (TwoProd residual), relative error <= 13.1u^2 in the safe range (docs/numerics.md).
inline dw div_dw(const dw& x, const dw& y, double th) {
  using namespace dw_detail;
  const dw pe = two_prod(th, y.hi);  // th*yh = p + e exactly
  const double a = x.hi - pe.hi;     // exact (Sterbenz)
  const double b = a - pe.lo;
  const double c = b + x.lo;
  const double f = th * y.lo;
  const double g = c - f;
  const double tl = g / y.hi;
  return fast_two_sum(th, tl);
}

template <bool Up>
inline dw div_r(const dw& a, const dw& b) {
  if (a.hi == 0 && b.hi != 0) return from_d(0.0);
  const double th = a.hi / b.hi;
  if (in_range(th) && in_range(a.hi) && std::fabs(b.hi) <= safe_max) {
    const dw r = div_dw(a, b, th);
    return Up ? widen_up(r, k_div) : widen_down(r, k_div);
  }
  // Fallback: the quotient is monotone in each argument on enclosures that do not contain 0 in the
  // divisor, so the extreme endpoint quotients bound it. b's enclosure [b0, b1] keeps b's sign.
  const double a0 = down_d(a), a1 = up_d(a), b0 = down_d(b), b1 = up_d(b);
  if (b0 <= 0 && b1 >= 0) return from_d(Up ? inf_d : -inf_d);
  const double q1 = a0 / b0, q2 = a0 / b1, q3 = a1 / b0, q4 = a1 / b1;
  // inf/inf cannot pair up for valid arguments (as in dinterval); a NaN here is a defect: go wide.
  if (q1 != q1 || q2 != q2 || q3 != q3 || q4 != q4) return from_d(Up ? inf_d : -inf_d);
  if constexpr (Up) return from_d(round_up(std::max(std::max(q1, q2), std::max(q3, q4))));
  else return from_d(round_down(std::min(std::min(q1, q2), std::min(q3, q4))));
}

// sqrt(a) for a >= 0.
template <bool Up>
inline dw sqrt_r(const dw& a) {
  if (a.hi <= 0) return from_d(0.0);
  if (in_range(a.hi)) {
    const dw r = dw_sqrt(a);
    return Up ? widen_up(r, k_sqrt) : widen_down(r, k_sqrt);
  }
  if (a.hi == inf_d) return from_d(Up ? inf_d : DBL_MAX);
  if constexpr (Up) return from_d(round_up(std::sqrt(up_d(a))));
  else return from_d(std::max(0.0, round_down(std::sqrt(down_d(a)))));
}

}  // namespace dd_detail

inline ddinterval operator-(const ddinterval& x) { return {dw_neg(x.hi), dw_neg(x.lo)}; }

inline ddinterval operator+(const ddinterval& x, const ddinterval& y) {
  return {dd_detail::add_r<false>(x.lo, y.lo), dd_detail::add_r<true>(x.hi, y.hi)};
}

inline ddinterval operator-(const ddinterval& x, const ddinterval& y) {
  return {dd_detail::add_r<false>(x.lo, dw_neg(y.hi)), dd_detail::add_r<true>(x.hi, dw_neg(y.lo))};
}

// Sign cases as in dinterval (IEEE 1788); each endpoint product rounded outward.
inline ddinterval operator*(const ddinterval& x, const ddinterval& y) {
  using namespace dd_detail;
  if (has_nan(x) || has_nan(y)) return nan_interval();
  const bool xp = x.lo.hi >= 0, xn = x.hi.hi <= 0, yp = y.lo.hi >= 0, yn = y.hi.hi <= 0;
  if (xp) {
    if (yp) return {mul_r<false>(x.lo, y.lo), mul_r<true>(x.hi, y.hi)};
    if (yn) return {mul_r<false>(x.hi, y.lo), mul_r<true>(x.lo, y.hi)};
    return {mul_r<false>(x.hi, y.lo), mul_r<true>(x.hi, y.hi)};
  }
  if (xn) {
    if (yp) return {mul_r<false>(x.lo, y.hi), mul_r<true>(x.hi, y.lo)};
    if (yn) return {mul_r<false>(x.hi, y.hi), mul_r<true>(x.lo, y.lo)};
    return {mul_r<false>(x.lo, y.hi), mul_r<true>(x.lo, y.lo)};
  }
  if (yp) return {mul_r<false>(x.lo, y.hi), mul_r<true>(x.hi, y.hi)};
  if (yn) return {mul_r<false>(x.hi, y.lo), mul_r<true>(x.lo, y.lo)};
  return {dmin(mul_r<false>(x.lo, y.hi), mul_r<false>(x.hi, y.lo)),
          dmax(mul_r<true>(x.lo, y.lo), mul_r<true>(x.hi, y.hi))};
}

// Sign-case division (as in dinterval): a divisor containing 0 gives [-inf, +inf].
inline ddinterval operator/(const ddinterval& x, const ddinterval& y) {
  using namespace dd_detail;
  if (has_nan(x) || has_nan(y)) return nan_interval();
  const bool ypos = y.lo.hi > 0, yneg = y.hi.hi < 0;
  if (ypos) {
    if (x.lo.hi >= 0) return {div_r<false>(x.lo, y.hi), div_r<true>(x.hi, y.lo)};
    if (x.hi.hi <= 0) return {div_r<false>(x.lo, y.lo), div_r<true>(x.hi, y.hi)};
    return {div_r<false>(x.lo, y.lo), div_r<true>(x.hi, y.lo)};
  }
  if (yneg) {
    if (x.lo.hi >= 0) return {div_r<false>(x.hi, y.hi), div_r<true>(x.lo, y.lo)};
    if (x.hi.hi <= 0) return {div_r<false>(x.hi, y.lo), div_r<true>(x.lo, y.hi)};
    return {div_r<false>(x.hi, y.hi), div_r<true>(x.lo, y.hi)};
  }
  return {inf_d * -1.0, inf_d};
}

inline ddinterval& ddinterval::operator+=(const ddinterval& y) { return *this = *this + y; }
inline ddinterval& ddinterval::operator-=(const ddinterval& y) { return *this = *this - y; }
inline ddinterval& ddinterval::operator*=(const ddinterval& y) { return *this = *this * y; }
inline ddinterval& ddinterval::operator/=(const ddinterval& y) { return *this = *this / y; }

inline ddinterval operator+(const ddinterval& x, double y) { return x + ddinterval(y); }
inline ddinterval operator+(double x, const ddinterval& y) { return ddinterval(x) + y; }
inline ddinterval operator-(const ddinterval& x, double y) { return x - ddinterval(y); }
inline ddinterval operator-(double x, const ddinterval& y) { return ddinterval(x) - y; }
inline ddinterval operator*(const ddinterval& x, double y) { return x * ddinterval(y); }
inline ddinterval operator*(double x, const ddinterval& y) { return ddinterval(x) * y; }
inline ddinterval operator/(const ddinterval& x, double y) { return x / ddinterval(y); }
inline ddinterval operator/(double x, const ddinterval& y) { return ddinterval(x) / y; }

// Contains t*t for every t in x; tighter than x*x when x straddles 0.
inline ddinterval sqr(const ddinterval& x) {
  using namespace dd_detail;
  if (has_nan(x)) return nan_interval();
  if (x.lo.hi >= 0) return {mul_r<false>(x.lo, x.lo), mul_r<true>(x.hi, x.hi)};
  if (x.hi.hi <= 0) return {mul_r<false>(x.hi, x.hi), mul_r<true>(x.lo, x.lo)};
  const dw m = dmax(dw_neg(x.lo), x.hi);
  return {from_d(0.0), mul_r<true>(m, m)};
}

// Contains sqrt(t) for every t in x with t >= 0 (the negative part of x is ignored; an x entirely
// below 0 gives [0, 0]).
inline ddinterval sqrt_nonneg(const ddinterval& x) {
  using namespace dd_detail;
  if (has_nan(x)) return nan_interval();
  return {sqrt_r<false>(x.lo), sqrt_r<true>(x.hi)};
}

// Contains |t| for every t in x.
inline ddinterval abs(const ddinterval& x) {
  using namespace dd_detail;
  if (has_nan(x)) return nan_interval();
  if (x.lo.hi >= 0) return x;
  if (x.hi.hi <= 0) return -x;
  return {from_d(0.0), dmax(dw_neg(x.lo), x.hi)};
}

// The smallest interval containing x and y (NaN if either has a NaN endpoint).
inline ddinterval hull(const ddinterval& x, const ddinterval& y) {
  using namespace dd_detail;
  if (has_nan(x) || has_nan(y)) return nan_interval();
  return {dmin(x.lo, y.lo), dmax(x.hi, y.hi)};
}

// x intersected with [l, h] (doubles). Used where mathematics guarantees the true value lies in
// [l, h]; an empty intersection keeps the nearer bound, as for dinterval. NaN stays NaN.
inline ddinterval intersect(const ddinterval& x, double l, double h) {
  using namespace dd_detail;
  if (has_nan(x)) return nan_interval();
  ddinterval r{dmax(x.lo, from_d(l)), dmin(x.hi, from_d(h))};
  if (lt(r.hi, r.lo)) r = lt(from_d(h), x.lo) ? ddinterval(h) : ddinterval(l);
  return r;
}

// Largest double <= every point of x / smallest double >= every point of x (NaN for NaN).
inline double lower_d(const ddinterval& x) { return dd_detail::down_d(x.lo); }
inline double upper_d(const ddinterval& x) { return dd_detail::up_d(x.hi); }
inline bool is_finite(const ddinterval& x) { return std::isfinite(x.lo.hi) && std::isfinite(x.hi.hi); }
// t in x, exactly.
inline bool contains(const ddinterval& x, double t) {
  return dd_detail::le(x.lo, dd_detail::from_d(t)) && dd_detail::le(dd_detail::from_d(t), x.hi);
}

// ---- helpers beyond the interval concept (for the kernel's tier-specific code) -------------------

// True when x = [0, 0] exactly.
inline bool ddi_is_zero(const ddinterval& x) {
  return x.lo.hi == 0 && x.lo.lo == 0 && x.hi.hi == 0 && x.hi.lo == 0;
}
// True when lower == upper exactly (a point interval).
inline bool ddi_is_point(const ddinterval& x) { return x.lo.hi == x.hi.hi && x.lo.lo == x.hi.lo; }
// x ∩ y for two enclosures of the same real number; if they are disjoint (a defect upstream) or
// either has a NaN endpoint, the hull (NaN for NaN) is returned.
inline ddinterval ddi_meet(const ddinterval& x, const ddinterval& y) {
  using namespace dd_detail;
  const ddinterval r{dmax(x.lo, y.lo), dmin(x.hi, y.hi)};
  if (has_nan(x) || has_nan(y) || lt(r.hi, r.lo)) return hull(x, y);
  return r;
}
// [lower endpoint of a, upper endpoint of b]; the hull of a and b if lower(a) > upper(b) or NaN.
inline ddinterval ddi_join(const ddinterval& a, const ddinterval& b) {
  using namespace dd_detail;
  if (has_nan(a) || has_nan(b) || lt(b.hi, a.lo)) return hull(a, b);
  return {a.lo, b.hi};
}
// The point endpoints of x, exact.
inline ddinterval ddi_lower_point(const ddinterval& x) { return {x.lo, x.lo}; }
inline ddinterval ddi_upper_point(const ddinterval& x) { return {x.hi, x.hi}; }
// Width upper - lower rounded up to a double (>= the exact width; NaN for NaN).
inline double ddi_width_up(const ddinterval& x) {
  if (dd_detail::has_nan(x)) return dd_detail::nan_d;
  return dd_detail::up_d(dd_detail::add_r<true>(x.hi, dw_neg(x.lo)));
}

// Contains x * 2^e for every point of x: exact when every nonzero part stays normal and finite,
// otherwise rounded outward.
ddinterval ddi_ldexp(const ddinterval& x, long e);
// Contains the integer z exactly when |z| < 2^106 fits two doubles (always an enclosure).
ddinterval ddi_from_mpz(const mpz_t z);
// Contains the integer v (|v| < 2^127); exact when v fits two doubles (every |v| < 2^106 does).
ddinterval ddi_from_i128(__int128 v);
// Contains the rational / real m: the double-words nearest below and above m (exact when m is a
// double-word).
ddinterval ddi_from_mpfr(mpfr_srcptr m);
// Contains every point of the MPFI interval x (outward rounding to double-words).
ddinterval ddi_from_mpfi(mpfi_srcptr x);
// Sets r (at r's own precision) to an interval containing x: exact when both endpoints are
// representable at that precision, otherwise rounded outward. NaN endpoints give NaN.
void ddi_to_mpfi(mpfi_ptr r, const ddinterval& x);
// MPFR value of the double-word a rounded at m's precision in direction rnd (exact when it fits).
void dw_to_mpfr(mpfr_ptr m, const dw& a, mpfr_rnd_t rnd);
// A normalised double-word <= m (up = false) or >= m (up = true); the nearest such when m is finite.
dw dw_from_mpfr(mpfr_srcptr m, bool up);

// [pi] as a double-word interval: the enclosure hi + [lo_down, lo_up] (checked against MPFR in
// tests/interval). Contains pi; relative width 2^-105 or so.
inline constexpr ddinterval ddinterval_pi{dw{0x1.921fb54442d18p+1, 0x1.1a62633145c06p-53},
                                          dw{0x1.921fb54442d18p+1, 0x1.1a62633145c07p-53}};

}  // namespace ntk
