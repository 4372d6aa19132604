// The ddinterval (double-double) overloads of the kernel's tier-specific helpers
// (kernel/detail/interval_ops.hpp, kernel/detail/angle.hpp), so that the generic geometry and
// recursion templates (geometry.hpp, ntk.hpp, relu_maps.hpp) instantiate for the double-double tier
// (docs/numerics.md, "The double-double tier"). Private to lib/kernel; included at the end of
// interval_ops.hpp so that the overloads are declared before any template that calls them.
#pragma once

#include <gmp.h>

#include "interval/interval.hpp"

namespace ntk::kernel_detail {

// [lower endpoint of a, upper endpoint of b]; the hull of a and b when lower(a) > upper(b) (a
// defect upstream) — the same contract as the dinterval / minterval overloads.
inline ddinterval join(const ddinterval& a, const ddinterval& b) { return ddi_join(a, b); }

// x ∩ y for two enclosures of the same real number; their hull if disjoint (a defect upstream).
inline ddinterval meet(const ddinterval& x, const ddinterval& y) { return ddi_meet(x, y); }

// True when x = [0, 0] exactly.
inline bool is_zero_point(const ddinterval& x) { return ddi_is_zero(x); }

// Contains the integer z (exact when z fits two doubles, e.g. |z| < 2^106).
inline void set_from_mpz(ddinterval& r, const mpz_t z) { r = ddi_from_mpz(z); }

// Contains x * 2^e (exact unless a part leaves the normal double range).
inline ddinterval times_pow2(const ddinterval& x, long e) { return ddi_ldexp(x, e); }

// Contains 2 asin √(t/2) for every t in x with 0 <= t <= 2. Defined in kernel/angle_dd.cpp.
ddinterval two_asin_sqrt_half(const ddinterval& x);
// Contains acos r for every r in x with |r| <= 1. Defined in kernel/angle_dd.cpp.
ddinterval acos_of(const ddinterval& x);
// Contains sin t - t cos t for every t in theta with 0 <= t <= 3 (the contract of the template in
// kernel/detail/g_series.hpp, same series, with the reciprocals 1/(2k(2k+3)) enclosed once instead
// of divided per term). Defined in kernel/angle_dd.cpp.
ddinterval g_sin_minus_t_cos(const ddinterval& theta);

}  // namespace ntk::kernel_detail
