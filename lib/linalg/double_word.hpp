// Double-word ("double-double") arithmetic: a value is the unevaluated sum hi + lo of two binary64
// numbers with |lo| <= ulp(hi)/2 (normalised; every operation below returns a normalised pair).
// docs/numerics.md, "Double-word Cholesky".
//
// Algorithms and their published relative error bounds, u = 2^-53, valid when no binary64
// operation inside over- or underflows (the published analyses assume an unbounded exponent range;
// callers check the IEEE underflow/overflow flags, see dw_cholesky.hpp) and the inputs are normalised:
//   dw_add  M. Joldes, J.-M. Muller, V. Popescu, "Tight and rigorous error bounds for basic building
//           blocks of double-word arithmetic", ACM TOMS 44(2), 2017, Algorithm 6 (AccurateDWPlusDW):
//           3u^2/(1 - 4u) <= 3u^2 + 13u^3. Subtraction adds the negation (exact).
//   dw_mul  same paper, Algorithm 10 (DWTimesDW1, the exact product of the high parts by TwoProd):
//           7u^2.
//   dw_div  same paper, Algorithm 17 (DWDivDW2, with Algorithm 7 DWTimesFP1 inside): 15u^2 + 56u^3.
//   dw_sqrt one Newton step from the binary64 square root of hi; our own bound 8u^2, proved in
//           docs/numerics.md, "Double-word Cholesky".
// All four are therefore within dw_unit_roundoff = 2^-100 = 64u^2 (a margin of four over the largest).
// Error-free transformations: TwoSum (Knuth), Fast2Sum (Dekker, needs |a| >= |b| or a = 0) and
// TwoProd by one fused multiply-add (__builtin_fma: correctly rounded whether or not the target has
// FMA instructions; dw_cholesky.cpp compiles its kernel for FMA when the CPU has it).
#pragma once

#include <cmath>

namespace ntk {

inline constexpr double dw_unit_roundoff = 0x1p-100;

struct dw {
  double hi = 0, lo = 0;
};

namespace dw_detail {

[[gnu::always_inline]] inline dw two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

[[gnu::always_inline]] inline dw fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

[[gnu::always_inline]] inline dw two_prod(double a, double b) {
  const double p = a * b;
  return {p, __builtin_fma(a, b, -p)};
}

}  // namespace dw_detail

// x + y (Algorithm 6).
[[gnu::always_inline]] inline dw dw_add(dw x, dw y) {
  using namespace dw_detail;
  const dw s = two_sum(x.hi, y.hi);
  const dw t = two_sum(x.lo, y.lo);
  const double c = s.lo + t.hi;
  const dw v = fast_two_sum(s.hi, c);
  const double w = t.lo + v.lo;
  return fast_two_sum(v.hi, w);
}

[[gnu::always_inline]] inline dw dw_neg(dw x) { return {-x.hi, -x.lo}; }

[[gnu::always_inline]] inline dw dw_sub(dw x, dw y) { return dw_add(x, dw_neg(y)); }

// x * y (Algorithm 10).
[[gnu::always_inline]] inline dw dw_mul(dw x, dw y) {
  using namespace dw_detail;
  const dw c = two_prod(x.hi, y.hi);
  const double tl1 = x.hi * y.lo;
  const double tl2 = x.lo * y.hi;
  const double cl2 = tl1 + tl2;
  const double cl3 = c.lo + cl2;
  return fast_two_sum(c.hi, cl3);
}

// x * b for a binary64 b (Algorithm 7, DWTimesFP1): 1.5u^2 + 4u^3.
[[gnu::always_inline]] inline dw dw_mul_d(dw x, double b) {
  using namespace dw_detail;
  const dw c = two_prod(x.hi, b);
  const double cl2 = x.lo * b;
  const dw t = fast_two_sum(c.hi, cl2);
  const double tl2 = t.lo + c.lo;
  return fast_two_sum(t.hi, tl2);
}

// x / y (Algorithm 17), y != 0.
[[gnu::always_inline]] inline dw dw_div(dw x, dw y) {
  using namespace dw_detail;
  const double th = x.hi / y.hi;
  const dw r = dw_mul_d(y, th);
  const double pi_h = x.hi - r.hi;  // exact (Sterbenz; shown in the paper)
  const double d_l = x.lo - r.lo;
  const double d = pi_h + d_l;
  const double tl = d / y.hi;
  return fast_two_sum(th, tl);
}

// sqrt(x) for x.hi > 0: h = RN(sqrt(hi)), then h + (x - h^2)/(2h) with x - h^2 formed from the
// exact square h^2 = p + e (sh - p is exact by Sterbenz). Relative error <= 8u^2 (docs/numerics.md).
[[gnu::always_inline]] inline dw dw_sqrt(dw x) {
  using namespace dw_detail;
  const double h = std::sqrt(x.hi);
  const dw sq = two_prod(h, h);
  const double a1 = x.hi - sq.hi;
  const double a2 = a1 - sq.lo;
  const double a3 = a2 + x.lo;
  const double q = a3 / (2.0 * h);
  return fast_two_sum(h, q);
}

}  // namespace ntk
