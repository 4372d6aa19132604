// Outward bounds for round-to-nearest results without changing the rounding mode.
//
// If s = RN(z) for a real z (IEEE binary64, round to nearest even, no fused operations), then
//     round_down(s) <= z <= round_up(s).
// Method: Rump, Zimmermann, Boldo, Melquiond, "Computing predecessor and successor in rounding to
// nearest", BIT 49 (2009): c + (phi*|c| + eta) evaluated in round-to-nearest is succ(c) or
// succ(succ(c)), for every finite c, subnormals included, with phi = u(1 + 2u), eta = 2^-1074.
// Overflow: RN(z) = +inf means z > DBL_MAX (lower bound DBL_MAX); RN(z) = -inf means z < -DBL_MAX.
// NaN in, NaN out: callers treat a NaN endpoint as "no enclosure".
#pragma once

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>

namespace ntk {

inline constexpr double unit_roundoff = 0x1p-53;          // u for binary64
inline constexpr double rn_phi = 0x1p-53 + 0x1p-105;      // u(1 + 2u), exactly representable
inline constexpr double rn_eta = 0x1p-1074;               // smallest positive subnormal

// The result is <= every real z with RN(z) == s.
inline double round_down(double s) {
  double d = s - (rn_phi * std::fabs(s) + rn_eta);
  return d == d ? d : (s > 0 ? DBL_MAX : s);  // s = +inf gives inf - inf
}

// The result is >= every real z with RN(z) == s.
inline double round_up(double s) {
  double d = s + (rn_phi * std::fabs(s) + rn_eta);
  return d == d ? d : (s < 0 ? -DBL_MAX : s);  // s = -inf gives -inf + inf
}

// The smallest double > x: exact. next_up(+inf) = +inf, next_up(-inf) = -DBL_MAX, NaN stays NaN,
// next_up(+-0) = 2^-1074.
inline double next_up(double x) {
  if (x != x || x == HUGE_VAL) return x;
  if (x == 0) return 0x1p-1074;
  const std::uint64_t b = std::bit_cast<std::uint64_t>(x);
  return std::bit_cast<double>(x > 0 ? b + 1 : b - 1);
}

// The largest double < x: exact; mirror image of next_up.
inline double next_down(double x) { return -next_up(-x); }

// Outward steps for s = RN(z), z real and finite, when the quantity they bound is known to be >= 0:
//   up_nonneg(s) >= z            if z >= 0 (s then is +0 or positive, never -0);
//   down_nonneg(s) <= max(z, 0)  for every z (so a lower bound z of a number >= 0 stays one).
// z lies between the neighbours of s, and for s >= +0 these are one step of the bit pattern away
// (RN(z) = +0 means |z| <= 2^-1075 < 2^-1074 = up_nonneg(+0)); s <= 0 gives 0. One integer step
// instead of round_up's dependent chain of four operations and a test, and tighter (exactly one
// neighbour). Not for z < 0 in up_nonneg, infinities or NaN.
inline double up_nonneg(double s) { return std::bit_cast<double>(std::bit_cast<std::uint64_t>(s) + 1); }
inline double down_nonneg(double s) {
  return s > 0 ? std::bit_cast<double>(std::bit_cast<std::uint64_t>(s) - 1) : 0.0;
}

}  // namespace ntk
