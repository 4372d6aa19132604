// Validated elementary functions on dinterval. libm is never trusted for these bounds.
#pragma once

#include "interval/dinterval.hpp"

namespace ntk {

// [pi]: the two doubles adjacent to pi; contains pi.
inline constexpr dinterval dinterval_pi{0x1.921fb54442d18p+1, 0x1.921fb54442d19p+1};

// Contains asin(t) for every t in x with |t| <= 1 (the part of x outside [-1, 1] is ignored;
// an x disjoint from [-1, 1] gives NaN endpoints).
dinterval asin(const dinterval& x);

// Contains acos(t) for every t in x with |t| <= 1 (same domain convention as asin).
dinterval acos(const dinterval& x);

}  // namespace ntk
