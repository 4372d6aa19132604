// Validated elementary functions on dinterval. libm is never trusted for these bounds.
#pragma once

#include "interval/dinterval.hpp"

namespace ntk {

// [pi]: the two doubles adjacent to pi; contains pi.
inline constexpr dinterval dinterval_pi{0x1.921fb54442d18p+1, 0x1.921fb54442d19p+1};

// Contains asin(t) for every t in x with |t| <= 1: the part of x outside [-1, 1] is ignored, an x
// disjoint from [-1, 1] (or empty, lo > hi) gives NaN endpoints, and a NaN endpoint gives NaN
// endpoints. Each endpoint is evaluated separately (asin is increasing) by a validated Taylor
// series, never by libm; the result is within a few ulp of the exact range (tests/interval asserts
// each endpoint within 3 doubles of the correctly rounded value). Exact points: asin(+-0) = [0, 0];
// asin(+-1) gives +-[pi]/2, the two doubles adjacent to pi/2; for 0 < |t| < 2^-26 (subnormals
// included) the result is [t, next_up(t)] (mirrored for t < 0).
dinterval asin(const dinterval& x);

// Contains acos(t) for every t in x with |t| <= 1 (same domain and NaN conventions as asin; acos is
// decreasing). Exact points: acos(1) = [0, 0]; acos(0) = [pi]/2 and acos(-1) = [pi] as above.
dinterval acos(const dinterval& x);

}  // namespace ntk
