// One correlation held three ways, so that whichever end of [-1, 1] it sits near, one of the three
// enclosures carries full relative accuracy:
//   rho   contains  ρ        ⊂ [-1, 1]
//   delta contains  1 - ρ    ⊂ [0, 2]   (accurate near ρ = 1: nearly parallel rows)
//   eps   contains  1 + ρ    ⊂ [0, 2]   (accurate near ρ = -1: nearly antiparallel rows)
#pragma once

#include "interval/interval.hpp"
#include "kernel/detail/interval_ops.hpp"

namespace ntk {

template <class I>
struct correlation {
  I rho, delta, eps;
};

// The exact correlation 1 (a row with itself): ρ = 1, δ = 0, ε = 2 as point intervals.
template <class I>
correlation<I> correlation_one() {
  using t = interval_traits<I>;
  return {t::point(1.0), t::point(0.0), t::point(2.0)};
}

// Tightens the three enclosures against each other and against the ranges that hold by
// Cauchy–Schwarz. Guarantee: if rho, delta, eps contain ρ, 1 - ρ, 1 + ρ for one real ρ in [-1, 1],
// the results still do (each is intersected with enclosures of the same number).
template <class I>
void make_consistent(correlation<I>& c) {
  using kernel_detail::meet;
  c.rho = intersect(c.rho, -1.0, 1.0);
  c.delta = intersect(c.delta, 0.0, 2.0);
  c.eps = intersect(c.eps, 0.0, 2.0);
  c.rho = meet(meet(c.rho, 1.0 - c.delta), c.eps - 1.0);
  c.delta = meet(c.delta, 1.0 - c.rho);
  c.eps = meet(c.eps, 1.0 + c.rho);
}

// The same for the double tier (same guarantee), preferred over the template by overload
// resolution: the same intersections, with 1 - ρ and 1 + ρ (known to be >= 0) bounded by the
// one-step roundings of interval/rounding.hpp and no NaN tests, so each result lies inside the
// template's (docs/numerics.md, "One-step bounds for nonnegative quantities"). The one-step
// roundings need finite arguments: ρ is within [-1, 1] after the intersections unless it is NaN,
// and then the generic steps keep the NaN ("no enclosure").
inline void make_consistent(correlation<dinterval>& c) {
  using kernel_detail::meet;
  c.rho = intersect(c.rho, -1.0, 1.0);
  c.delta = intersect(c.delta, 0.0, 2.0);
  c.eps = intersect(c.eps, 0.0, 2.0);
  const dinterval from_delta = 1.0 - c.delta;  // signed: the generic steps
  const dinterval from_eps = c.eps - 1.0;
  c.rho = meet(meet(c.rho, from_delta), from_eps);
  if (!(c.rho.lo <= c.rho.hi)) {
    c.delta = meet(c.delta, 1.0 - c.rho);
    c.eps = meet(c.eps, 1.0 + c.rho);
    return;
  }
  c.delta = meet(c.delta, dinterval(down_nonneg(1.0 - c.rho.hi), up_nonneg(1.0 - c.rho.lo)));
  c.eps = meet(c.eps, dinterval(down_nonneg(1.0 + c.rho.lo), up_nonneg(1.0 + c.rho.hi)));
}

}  // namespace ntk
