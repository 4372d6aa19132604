// The ReLU arc-cosine maps of docs/math.md §2 on one correlation, over either interval tier:
//   κ₁(ρ) = (sin θ + (π - θ) ρ) / π = ρ + g(θ)/π,   κ₀(ρ) = 1 - θ/π,
//   θ = arccos ρ ∈ [0, π],   sin θ = √((1-ρ)(1+ρ)),   g(θ) = sin θ - θ cos θ.
//
// Why endpoints: κ₁ and κ₀ are nondecreasing on [-1, 1] (κ₁' = κ₀ ≥ 0, κ₀' = 1/(π sin θ) > 0), so
// the image of an enclosure is spanned by the images of its two endpoints. Evaluating the closed
// form on the whole interval instead pays the dependency between sin θ, θ and ρ at every layer,
// which compounds over deep recursions.
//
// Each endpoint is evaluated in the representation in which it is an exact number and the formulas
// have no cancellation:
//   near ρ = 1  (δ ≤ 1/2):  θ = 2 asin √(δ/2),  1 - κ₁ = δ - g(θ)/π,  κ₀ = 1 - θ/π;
//   near ρ = -1 (ε ≤ 1/2):  φ = π - θ = 2 asin √(ε/2),  κ₁ = g(φ)/π,  κ₀ = φ/π;
//   otherwise (|ρ| ≤ 1/2 up to the enclosure's width):  θ = acos ρ, the closed form.
// g comes from its alternating series (kernel/detail/g_series.hpp), whose leading term θ³/3 has no
// cancellation (near ρ = 1 only for δ < 1/8; above, sin θ - θ cos θ directly, whose mild
// cancellation is damped in 1 - κ₁); so 1 - κ₁ keeps the relative accuracy of δ and the next layer
// sees an accurate δ. The endpoint angles come from kernel/detail/angle.hpp.
#pragma once

#include <algorithm>
#include <cmath>

#include "interval/interval.hpp"
#include "kernel/correlation.hpp"
#include "kernel/detail/angle.hpp"
#include "kernel/detail/g_series.hpp"
#include "kernel/detail/interval_ops.hpp"

namespace ntk {

// Constants shared by all entries of one computation (π costs an MPFR call in the precise tier).
template <class I>
struct relu_constants {
  I pi, inv_pi;  // contain π and 1/π (multiplying is cheaper than dividing)
  relu_constants() : pi(interval_traits<I>::pi()), inv_pi(interval_traits<I>::point(1.0) / pi) {}
};

// κ₁ (in the three-way form) and κ₀ of one correlation.
template <class I>
struct relu_image {
  correlation<I> kappa1;  // contains κ₁(ρ), 1 - κ₁(ρ), 1 + κ₁(ρ)
  I kappa0;               // contains κ₀(ρ)
};

namespace relu_detail {

// All four values at one exact point.
template <class I>
struct point_values {
  I k1, one_minus_k1, one_plus_k1, k0;
};

// At ρ = 1 - t for an exact t in [0, 1/2] (t given as a point interval; a thin interval is
// accepted, the results then contain the values for every t in it).
template <class I>
point_values<I> at_delta(const I& t, const relu_constants<I>& c) {
  using tr = interval_traits<I>;
  if (kernel_detail::is_zero_point(t))  // ρ = 1 exactly: keep it exact
    return {tr::point(1.0), tr::point(0.0), tr::point(2.0), tr::point(1.0)};
  const I theta = kernel_detail::two_asin_sqrt_half(t);
  // g(θ) = sin θ - θ cos θ with sin θ = √(t(2-t)), cos θ = 1 - t at this exact t. For t >= 1/8
  // (θ >= 0.5) the direct form loses under 5 bits to cancellation, and its error enters 1 - κ₁
  // damped by g/(πt) <= θ/5, so it is about as accurate as the series and several times cheaper.
  const I g = upper_d(t) >= 0x1p-3 ? intersect(sqrt_nonneg(t * (2.0 - t)) - theta * (1.0 - t), 0.0, 4.0)
                                   : kernel_detail::g_sin_minus_t_cos(theta);
  const I om = intersect(t - g * c.inv_pi, 0.0, 1.0);
  return {1.0 - om, om, 2.0 - om, 1.0 - theta * c.inv_pi};
}

// At ρ = t - 1 for an exact t in [0, 1/2] (see at_delta).
template <class I>
point_values<I> at_eps(const I& t, const relu_constants<I>& c) {
  using tr = interval_traits<I>;
  if (kernel_detail::is_zero_point(t))  // ρ = -1 exactly
    return {tr::point(0.0), tr::point(1.0), tr::point(1.0), tr::point(0.0)};
  const I phi = kernel_detail::two_asin_sqrt_half(t);
  const I k1 = intersect(kernel_detail::g_sin_minus_t_cos(phi) * c.inv_pi, 0.0, 1.0);
  return {k1, 1.0 - k1, 1.0 + k1, phi * c.inv_pi};
}

// At an exact ρ = r with |r| <= 1/2 or so (any r in [-1, 1] is correct, only less accurate).
template <class I>
point_values<I> at_rho(const I& r, const relu_constants<I>& c) {
  const I theta = kernel_detail::acos_of(r);
  const I sin_theta = sqrt_nonneg((1.0 - r) * (1.0 + r));
  const I k1 = intersect((sin_theta + (c.pi - theta) * r) * c.inv_pi, 0.0, 1.0);
  return {k1, 1.0 - k1, 1.0 + k1, 1.0 - theta * c.inv_pi};
}

// The values at the smallest (lower = true) or largest ρ the triple allows, each in its exact
// representation.
template <class I>
point_values<I> at_end(const correlation<I>& x, bool lower, const relu_constants<I>& c) {
  using kernel_detail::lower_point;
  using kernel_detail::upper_point;
  // Smallest ρ <-> largest δ <-> smallest ε.
  const double d_end = lower ? upper_d(x.delta) : lower_d(x.delta);
  const double e_end = lower ? lower_d(x.eps) : upper_d(x.eps);
  if (d_end <= 0.5) return at_delta(lower ? upper_point(x.delta) : lower_point(x.delta), c);
  if (e_end <= 0.5) return at_eps(lower ? lower_point(x.eps) : upper_point(x.eps), c);
  return at_rho(lower ? lower_point(x.rho) : upper_point(x.rho), c);
}

}  // namespace relu_detail

// Guarantee: if x contains (ρ, 1 - ρ, 1 + ρ) for a real ρ in [-1, 1] (as make_consistent leaves
// it), the result contains (κ₁(ρ), 1 - κ₁(ρ), 1 + κ₁(ρ)) and κ₀(ρ). Exact cases: ρ = 1 exactly
// (δ = [0, 0]) gives κ₁ = 1, κ₀ = 1 exactly; ρ = -1 exactly (ε = [0, 0]) gives κ₁ = 0, κ₀ = 0.
// Accuracy: each side is evaluated at one exact point, so the width is the input width mapped
// through the derivative plus a few units of the working precision, relative to 1 - κ₁ near
// ρ = 1 and to κ₁ near ρ = -1.
template <class I>
relu_image<I> relu_map(const correlation<I>& x, const relu_constants<I>& c) {
  using kernel_detail::join;
  const relu_detail::point_values<I> lo = relu_detail::at_end(x, true, c);
  const relu_detail::point_values<I> hi = relu_detail::at_end(x, false, c);
  relu_image<I> r;
  r.kappa1.rho = join(lo.k1, hi.k1);
  r.kappa1.delta = join(hi.one_minus_k1, lo.one_minus_k1);
  r.kappa1.eps = join(lo.one_plus_k1, hi.one_plus_k1);
  r.kappa0 = intersect(join(lo.k0, hi.k0), 0.0, 1.0);
  make_consistent(r.kappa1);
  return r;
}

// An upper bound of the width of x, as fine as the tier resolves it.
inline double thin_width(const dinterval& x) { return width_up(x); }
inline double thin_width(const ddinterval& x) { return ddi_width_up(x); }

namespace relu_detail {

// The one-evaluation route's setup (relu_map_thin): where at_end(x, true) evaluates (1: δ_hi,
// 2: ε_lo, 3: ρ_lo), W >= the width of that enclosure, s2 <= sin²θ over the input. The route is
// taken when W <= 2^-40 and s2 > 2^-900.
struct thin_route {
  int where = 0;
  double W = 0, s2 = 0;
  bool usable() const { return W >= 0 && W <= 0x1p-40 && s2 > 0x1p-900; }
};
template <class I>
thin_route thin_route_of(const correlation<I>& x) {
  thin_route t;
  const double d_end = upper_d(x.delta), e_end = lower_d(x.eps);
  if (d_end <= 0.5) {  // at_end evaluates at δ_hi: sin²θ >= δ_lo (2 - δ_hi)
    t.where = 1;
    t.W = thin_width(x.delta);
    t.s2 = round_down(lower_d(x.delta) * round_down(2.0 - d_end));
  } else if (e_end <= 0.5) {  // at ε_lo: sin²θ >= ε_lo (2 - ε_hi) when ε_hi <= 1
    t.where = 2;
    t.W = thin_width(x.eps);
    const double e_hi = upper_d(x.eps);
    t.s2 = e_hi <= 1.0 ? round_down(e_end * round_down(2.0 - e_hi)) : 0.0;
  } else {  // at ρ_lo: sin²θ >= 1 - max|ρ|²
    t.where = 3;
    t.W = thin_width(x.rho);
    const double m = std::max(std::fabs(lower_d(x.rho)), std::fabs(upper_d(x.rho)));
    t.s2 = m < 1.0 ? round_down(1.0 - round_up(m * m)) : 0.0;
  }
  return t;
}

// The slopes of a usable route: D >= W/(π s) bounds κ₀'s increase, W1 >= W·min(1, κ₀(ρ_L) + D)
// κ₁'s (k0_hi >= κ₀(ρ_L), the upper end of its enclosure; NaN gives W1 = W).
struct thin_slopes {
  double D, W1;
};
inline thin_slopes thin_slopes_of(const thin_route& t, double k0_hi) {
  const double s = round_down(std::sqrt(t.s2));  // <= √s2 <= sin θ (sqrt is correctly rounded)
  const double D = round_up(round_up(t.W * 0.31831) / s);  // >= W/(π s): 0.31831 > 1/π
  // Both products are of numbers >= 0 (k0_hi bounds κ₀ >= 0 from above): one-step upward roundings.
  const double W1 = k0_hi == k0_hi ? up_nonneg(t.W * std::min(1.0, up_nonneg(k0_hi + D))) : t.W;
  return {D, W1};
}

}  // namespace relu_detail

// relu_map with one endpoint evaluation instead of two, for thin enclosures (docs/numerics.md, "The
// double-double tier", "One evaluation for a thin enclosure"); same guarantee as relu_map.
// at_end(x, true) evaluates at the exact point ρ_L of the representation it picks (δ near 1, ε near
// -1, ρ otherwise), and every ρ the triple allows lies in [ρ_L, ρ_L + W], W the width of that
// enclosure. There, by the mean value theorem, with κ₀' = 1/(π sin θ) ∈ (0, 1/(π s)] and
// s² <= sin²θ = δ(2 - δ) = ε(2 - ε) = 1 - ρ²:
//   κ₀(ρ) ∈ κ₀(ρ_L) + [0, D], D = W/(π s),  and, as κ₁' = κ₀ <= min(1, κ₀(ρ_L) + D) there,
//   κ₁(ρ) ∈ κ₁(ρ_L) + [0, W'], 1 - κ₁(ρ) ∈ (1 - κ₁)(ρ_L) - [0, W'], W' = W min(1, κ₀(ρ_L) + D).
// Used when W <= 2^-40 and s² > 2^-900; otherwise (ρ = ±1 reachable, wide input) the template.
template <class I>
relu_image<I> relu_map_thin(const correlation<I>& x, const relu_constants<I>& c) {
  const relu_detail::thin_route route = relu_detail::thin_route_of(x);
  if (!route.usable()) return relu_map<I>(x, c);
  const relu_detail::point_values<I> lo = relu_detail::at_end(x, true, c);
  const relu_detail::thin_slopes sl = relu_detail::thin_slopes_of(route, upper_d(lo.k0));
  relu_image<I> r;
  r.kappa1.rho = lo.k1 + I(0.0, sl.W1);
  r.kappa1.delta = lo.one_minus_k1 - I(0.0, sl.W1);
  r.kappa1.eps = lo.one_plus_k1 + I(0.0, sl.W1);
  r.kappa0 = intersect(lo.k0 + I(0.0, sl.D), 0.0, 1.0);
  make_consistent(r.kappa1);
  return r;
}

// The binary64 tier's relu_map: relu_map_thin<dinterval> written on endpoints (results inside the
// template's, several times faster; defined in kernel/detail/relu_binary64.hpp, included at the
// end), preferred over the template by overload resolution; same guarantee.
inline relu_image<dinterval> relu_map(const correlation<dinterval>& x, const relu_constants<dinterval>& c);

// The double-double tier's relu_map: relu_map_thin for ddinterval, compiled in
// kernel/angle_dd.cpp with everything inlined and with FMA instructions when the CPU has them
// (same guarantee; preferred over the template by overload resolution).
relu_image<ddinterval> relu_map(const correlation<ddinterval>& x, const relu_constants<ddinterval>& c);

// κ₁ alone as a three-way correlation (same guarantee as relu_map).
template <class I>
correlation<I> relu_kappa1(const correlation<I>& x, const relu_constants<I>& c) {
  return relu_map(x, c).kappa1;
}

// κ₀ alone (same guarantee as relu_map).
template <class I>
I relu_kappa0(const correlation<I>& x, const relu_constants<I>& c) {
  return relu_map(x, c).kappa0;
}

}  // namespace ntk

#include "kernel/detail/relu_binary64.hpp"  // NOLINT(misc-header-include-cycle): the dinterval relu_map
