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

}  // namespace ntk
