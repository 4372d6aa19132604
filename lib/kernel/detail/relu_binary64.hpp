// The binary64 tier's one-evaluation relu_map (relu_maps.hpp, relu_map_thin) written on endpoints.
// Private to lib/kernel; included at the end of relu_maps.hpp.
//
// Why: the template spends most of its time in generic dinterval operations that test for NaN and
// branch on signs at every product (the sign of ρ is data-dependent, so those branches are
// mispredicted about half the time), and in outward steps (rounding.hpp, round_down/round_up) that
// are a dependent chain of four operations each. Here every quantity but ρ has a known sign or range
// (θ ∈ [0, π], π - θ > 0, sin θ >= 0, 0 <= κ₀, κ₁ <= 1, ...) and is finite (arguments are exact
// points, results lie in [-1, 2]), so each product's bounds come from known endpoints, and a bound
// of a number known to be >= 0 takes the one-step outward rounding (rounding.hpp, up_nonneg /
// down_nonneg). The operations are the template's, in the same order, each rounded at least as
// tightly, so the result is contained in relu_map_thin<dinterval>'s (inclusion monotonicity); the
// tests check that and containment against MPFR (tests/kernel/test_relu_binary64.cpp). Inputs the
// fast path does not cover take the template.
#pragma once

#include <algorithm>
#include <cmath>

#include "interval/dinterval.hpp"
#include "interval/rounding.hpp"
#include "kernel/detail/angle.hpp"
#include "kernel/detail/g_series.hpp"
#include "kernel/relu_maps.hpp"

namespace ntk::relu_b64 {

// Operations on enclosures of numbers known to be >= 0 (every argument and result below; the
// lower steps clamp at 0, which that knowledge allows).
inline dinterval nn(double lo_rn, double hi_rn) { return {down_nonneg(lo_rn), up_nonneg(hi_rn)}; }
inline dinterval mul(const dinterval& x, const dinterval& y) { return nn(x.lo * y.lo, x.hi * y.hi); }
inline dinterval add(const dinterval& x, const dinterval& y) { return nn(x.lo + y.lo, x.hi + y.hi); }
inline dinterval sub(const dinterval& x, const dinterval& y) { return nn(x.lo - y.hi, x.hi - y.lo); }
inline dinterval sub(double x, const dinterval& y) { return nn(x - y.hi, x - y.lo); }
inline dinterval sqrt_nn(const dinterval& x) { return nn(std::sqrt(std::max(x.lo, 0.0)), std::sqrt(x.hi)); }
// Clamps a lower bound at 0 for a number known to be >= 0.
inline dinterval nonneg(const dinterval& x) { return {std::max(x.lo, 0.0), x.hi}; }

// relu_detail::at_rho at an exact r with |r| <= 1/2 (acos_of's one-series case; the caller checks).
// There θ ∈ [π/3, 2π/3], π - θ >= π/3, sin θ >= √3/2 and sin θ + (π - θ) r >= 0.33.
inline relu_detail::point_values<dinterval> at_rho(double r, const relu_constants<dinterval>& c) {
  const dinterval theta = nonneg(kernel_detail::acos_of(dinterval(r)));
  const dinterval one(1.0), rr(r), ra(std::fabs(r));
  const dinterval s = sqrt_nn(mul(sub(1.0, rr), add(one, rr)));
  const dinterval m = sub(c.pi, theta);
  const dinterval qa = mul(m, ra);                          // (π - θ)|r|
  const dinterval k1 = intersect(mul(r >= 0 ? add(s, qa) : sub(s, qa), c.inv_pi), 0.0, 1.0);
  return {k1, sub(1.0, k1), add(one, k1), sub(1.0, mul(theta, c.inv_pi))};
}

// relu_detail::at_delta at an exact t in [0, 1/2]: θ <= π/3, g >= 0, 1 - κ₁ >= 0.
inline relu_detail::point_values<dinterval> at_delta(double t, const relu_constants<dinterval>& c) {
  if (t == 0) return {dinterval(1.0), dinterval(0.0), dinterval(2.0), dinterval(1.0)};
  const dinterval T(t);
  const dinterval theta = nonneg(kernel_detail::two_asin_sqrt_half(T));
  dinterval g;
  if (t >= 0x1p-3) {
    const dinterval st = sqrt_nn(mul(T, sub(2.0, T)));
    g = intersect(sub(st, mul(theta, sub(1.0, T))), 0.0, 4.0);
  } else {
    g = kernel_detail::g_sin_minus_t_cos(theta);  // ⊂ [0, 4]
  }
  const dinterval om = intersect(sub(T, mul(g, c.inv_pi)), 0.0, 1.0);
  return {sub(1.0, om), om, sub(2.0, om), sub(1.0, mul(theta, c.inv_pi))};
}

// relu_detail::at_eps at an exact t in [0, 1/2]: φ <= π/3, κ₁ = g(φ)/π >= 0.
inline relu_detail::point_values<dinterval> at_eps(double t, const relu_constants<dinterval>& c) {
  if (t == 0) return {dinterval(0.0), dinterval(1.0), dinterval(1.0), dinterval(0.0)};
  const dinterval phi = nonneg(kernel_detail::two_asin_sqrt_half(dinterval(t)));
  const dinterval k1 = intersect(mul(kernel_detail::g_sin_minus_t_cos(phi), c.inv_pi), 0.0, 1.0);
  return {k1, sub(1.0, k1), add(dinterval(1.0), k1), mul(phi, c.inv_pi)};
}

}  // namespace ntk::relu_b64

namespace ntk {

// The binary64 tier's relu_map: relu_map_thin<dinterval> computed on endpoints (see the top of this
// file); same guarantee as relu_map, and contained in relu_map_thin<dinterval>'s result.
inline relu_image<dinterval> relu_map(const correlation<dinterval>& x, const relu_constants<dinterval>& c) {
  using namespace relu_b64;
  const relu_detail::thin_route route = relu_detail::thin_route_of(x);
  if (!route.usable()) return relu_map<dinterval>(x, c);
  relu_detail::point_values<dinterval> lo;
  if (route.where == 1) {
    if (!(x.delta.hi >= 0)) return relu_map_thin<dinterval>(x, c);
    lo = at_delta(x.delta.hi, c);
  } else if (route.where == 2) {
    if (!(x.eps.lo >= 0)) return relu_map_thin<dinterval>(x, c);
    lo = at_eps(x.eps.lo, c);
  } else {
    if (!(std::fabs(x.rho.lo) <= 0.5)) return relu_map_thin<dinterval>(x, c);
    lo = at_rho(x.rho.lo, c);
  }
  const auto [D, W1] = relu_detail::thin_slopes_of(route, lo.k0.hi);
  // The slopes are >= 0 and every quantity is >= 0: adding [0, w] moves only the upper end.
  relu_image<dinterval> r;
  r.kappa1.rho = {lo.k1.lo, up_nonneg(lo.k1.hi + W1)};
  r.kappa1.delta = {down_nonneg(lo.one_minus_k1.lo - W1), lo.one_minus_k1.hi};
  r.kappa1.eps = {lo.one_plus_k1.lo, up_nonneg(lo.one_plus_k1.hi + W1)};
  r.kappa0 = intersect(dinterval(lo.k0.lo, up_nonneg(lo.k0.hi + D)), 0.0, 1.0);
  make_consistent(r.kappa1);  // the dinterval overload of correlation.hpp
  return r;
}

}  // namespace ntk
