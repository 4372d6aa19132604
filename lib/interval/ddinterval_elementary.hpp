// Validated asin / acos on ddinterval. libm is never trusted for these bounds
// (docs/numerics.md, "Double-double intervals").
#pragma once

#include "interval/ddinterval.hpp"

namespace ntk {

// Contains asin(t) for every t in x with |t| <= 1: the part of x outside [-1, 1] is ignored, an x
// disjoint from [-1, 1] (or with a NaN endpoint) gives NaN endpoints, as on the other tiers.
// asin is increasing: each endpoint is evaluated separately at its exact double-word value.
ddinterval asin(const ddinterval& x);

// Contains acos(t) for every t in x with |t| <= 1 (same domain and NaN conventions; decreasing).
ddinterval acos(const ddinterval& x);

}  // namespace ntk
