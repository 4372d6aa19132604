// Validated asin / acos on binary64 in round-to-nearest, without libm transcendental functions.
//
// Kernel, for a double 0 <= w <= 1/2:  asin(w) = w + r(w),  r(w) = w s P(s),  s = w^2,
//   P(s) = sum_{k>=1} c_k s^(k-1),  c_k = (2k)! / (4^k (k!)^2 (2k+1))  (c_1 = 1/6, c_2 = 3/40, ...).
// The c_k decrease (c_{k+1}/c_k = (2k+1)^2/((2k+2)(2k+3)) < 1) and s <= 1/4, so with the first K
// terms P_K and the tail P - P_K <= c_{K+1} s^K/(1 - s):
//   (T) 0 <= (P - P_K)/P_K <= 8 c_{K+1} s^K            (P_K >= c_1 = 1/6, 1/(1-s) <= 4/3).
// For K = 24 and s <= 1/4 this is <= 0.57u (u = 2^-53); for K = 4 and s < 2^-16 it is < 2^-66.
//
// Rounding error of P: every operation is + or * on nonnegative doubles, so the computed value is
// sum_j m_j prod_{i in path(j)} (1 + d_i), |d_i| <= u, over the exact monomials m_j = c_{j+1} s^j,
// one factor per rounding on the monomial's path (the stored coefficient RN(c_k), the computed
// s = RN(w*w) once per power of s, each product and each sum). No operation underflows: s >= 2^-52
// and the short polynomial (degree 3) is used below s = 2^-16, the degree-23 one above it.
// In the Estrin scheme below monomial j meets at most n_j = 6 + 2j roundings (coefficient, five
// sums, and 2^(l+1) for the product by s^(2^l) computed by l squarings, for each bit l of j); in
// the Horner scheme n_j <= 2 + 3j. With m_j/P_K <= s^j <= 4^-j and ((1+u)^n - 1) <= 1.0001 n u:
//   (R) |P~ - P_K| <= P_K u sum_j 4^-j (6 + 2j) * 1.0001 <= 8.9u P_K.
// Then r~ = RN(RN(w s~) P~) carries three more factors (s~, two products), so
//   r / r~ in [1/((1+u)^3 (1+8.9u)), (1+0.57u)/((1-u)^3 (1-8.9u))]  subset of [1 - 12u, 1 + 13u],
// and r~ (1 -+ 2^-49) rounded to nearest (one more u) lies outside that: r in [r_lo, r_hi].
// For w < 2^-26: 0 <= r < w 2^-54 (r <= w s P(s) and P <= 1/5), and w 2^-54 + 2^-1074 covers the
// underflow of the scaled product. w = 0 gives the exact point 0.
//
// Reduction: for 1/2 < t <= 1, asin(t) = pi/2 - 2 asin(w) and acos(t) = 2 asin(w) with
// w = sqrt((1 - t)/2) (1 - t is exact by Sterbenz, /2 exact since 1 - t >= 2^-53);
// acos(t) = pi - 2 asin(sqrt((1 + t)/2)) for -1 <= t < -1/2; acos(t) = pi/2 - asin(t) for
// |t| <= 1/2. The correctly rounded sqrt is bracketed to [w~, succ w~] or [pred w~, w~] by the
// exact sign of x - w~^2 (Dekker's product), and each endpoint bound evaluates the kernel at the
// side of the bracket that makes it outward.
// Combination: C + m (w + r) with C in {0, pi/2, pi}, C = C_hi + C_lo (C_hi the double nearest,
// C_lo enclosed by two doubles), m in {+-1, +-2}: TwoSum(C_hi, m w) = a + b exactly, the small
// part z = b + C_lo + m r is bounded outward with round_up/round_down, and a + z is rounded to
// nearest with its exact error (Fast2Sum, |a| >= |z|); the sign of that error picks s or its
// neighbour. The result is within a few ulp of the true value (tests/interval measures it).
#include "interval/dinterval_elementary.hpp"
#include "interval/detail/asin_kernel.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace ntk {
namespace {

using detail::asin_kernel;
using detail::asin_split;
using detail::kHalfPiHi;
using detail::kHalfPiLoDown;
using detail::kHalfPiLoUp;
using detail::sqrt_bracket;
using detail::step_positive;

// An upper (Upper) or lower bound of m (w + r) + C_hi + C_lo for every r in [k.r_lo, k.r_hi] and
// C_lo in [c_lo_down, c_lo_up]; m in {+-1, +-2}. With HasConst false, C = 0.
template <bool Upper, bool HasConst>
inline double combine(double m, const asin_split& k, double c_hi = 0.0, double c_lo_down = 0.0,
                      double c_lo_up = 0.0) {
  const double mw = m * k.w;                                    // exact
  const double mr = m * ((Upper == (m > 0)) ? k.r_hi : k.r_lo);  // exact
  double a, z;
  if constexpr (HasConst) {
    a = c_hi + mw;  // TwoSum: a + b = c_hi + mw exactly
    const double bv = a - c_hi;
    const double b = (c_hi - (a - bv)) + (mw - bv);
    z = Upper ? round_up(round_up(b + c_lo_up) + mr) : round_down(round_down(b + c_lo_down) + mr);
  } else {
    a = mw;
    z = mr;
  }
  const double s = a + z;  // Fast2Sum: a + z = s + e exactly since |a| >= |z|
  const double e = z - (s - a);
  // Every value bounded here is >= 0, and e != 0 implies s > 0 (finite): step the bit pattern.
  if constexpr (Upper) return step_positive(s, e > 0 ? 1 : 0);
  return step_positive(s, e < 0 ? -1 : 0);
}

// A lower or upper bound of asin(t) for a double -1 <= t <= 1.
template <bool Upper>
double asin_bound(double t) {
  if (t < 0) return -asin_bound<!Upper>(-t);
  if (t <= 0.5) return combine<Upper, false>(1.0, asin_kernel(t));
  double wl, wh;
  sqrt_bracket(0.5 * (1.0 - t), wl, wh);
  // pi/2 - 2 asin(w): its upper bound needs the smallest w.
  return combine<Upper, true>(-2.0, asin_kernel(Upper ? wl : wh), kHalfPiHi, kHalfPiLoDown,
                              kHalfPiLoUp);
}

// A lower or upper bound of acos(t) for a double -1 <= t <= 1.
template <bool Upper>
double acos_bound(double t) {
  double wl, wh;
  if (t > 0.5) {  // 2 asin(w), w = sqrt((1 - t)/2)
    sqrt_bracket(0.5 * (1.0 - t), wl, wh);
    return combine<Upper, false>(2.0, asin_kernel(Upper ? wh : wl));
  }
  if (t < -0.5) {  // pi - 2 asin(w), w = sqrt((1 + t)/2)
    sqrt_bracket(0.5 * (1.0 + t), wl, wh);
    return combine<Upper, true>(-2.0, asin_kernel(Upper ? wl : wh), 2.0 * kHalfPiHi,
                                2.0 * kHalfPiLoDown, 2.0 * kHalfPiLoUp);
  }
  if (t >= 0) return combine<Upper, true>(-1.0, asin_kernel(t), kHalfPiHi, kHalfPiLoDown, kHalfPiLoUp);
  return combine<Upper, true>(1.0, asin_kernel(-t), kHalfPiHi, kHalfPiLoDown, kHalfPiLoUp);
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

dinterval asin(const dinterval& x) {
  const double l = std::max(x.lo, -1.0), h = std::min(x.hi, 1.0);  // NaN endpoints stay NaN
  if (!(l <= h)) return {kNaN, kNaN};
  return {asin_bound<false>(l), asin_bound<true>(h)};
}

dinterval acos(const dinterval& x) {
  const double l = std::max(x.lo, -1.0), h = std::min(x.hi, 1.0);
  if (!(l <= h)) return {kNaN, kNaN};
  return {acos_bound<false>(h), acos_bound<true>(l)};
}

}  // namespace ntk
