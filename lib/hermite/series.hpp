// κ₁ and κ₀ as Hermite series with a rigorous tail, over either interval tier.
//
// κ(ρ) = Σ_r c_r ρ^r with c_r ≥ 0 and Σ_r c_r = 1 (docs/math.md §3): ReLU's coefficients give κ₁,
// the step's give κ₀. Truncated at order R:
//
//   κ(t) = P_R(t) + T_R(t),   P_R(t) = Σ_{r≤R} c_r t^r,   T_R(t) = Σ_{r>R} c_r t^r.
//
// Tail bound, for |t| ≤ 1: let e be the first order > R with c_e ≠ 0. Every nonzero term of T_R
// has r ≥ e, so |c_r t^r| = c_r |t|^r ≤ c_r |t|^e, and summing, |T_R(t)| ≤ (Σ_{r>R} c_r)·|t|^e
// = (1 - S_R)·|t|^e with S_R = Σ_{r≤R} c_r. Sign: every term is ≥ 0 when t ≥ 0; for R ≥ 1 all
// nonzero orders beyond R share one parity (ReLU: even, step: odd), so T_R(t) has the sign of
// t^e, i.e. T_R(t) ∈ [0, U] or [-U, 0] with U = (1 - S_R)|t|^e.
//
// Intervals: κ₁' = κ₀ ≥ 0 and κ₀'(t) = 1/(π√(1-t²)) > 0 on (-1, 1), so both are nondecreasing on
// [-1, 1] and κ([a, b]) = [κ(a), κ(b)]. The series is therefore evaluated at the two endpoints
// only (Horner on a point has no dependency blow-up), the lower bound taken at a and the upper
// bound at b. Finally κ ∈ [0, 1] on [-1, 1], so the result is intersected with [0, 1].
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "hermite/coefficients.hpp"
#include "interval/interval.hpp"

namespace ntk::hermite {

namespace series_detail {

// [lower endpoint of a, upper endpoint of b]; the caller ensures it is a valid interval.
inline dinterval join(const dinterval& a, const dinterval& b) { return {a.lo, b.hi}; }
inline minterval join(const minterval& a, const minterval& b) {
  minterval r = a;
  mpfr_set(&mpfi_of(r)->right, &mpfi_of(b)->right, MPFR_RNDU);
  return r;
}

// True when x has a NaN endpoint or lies entirely outside [-1, 1] (compared exactly).
inline bool outside_unit(const dinterval& x) {
  return !(x.lo <= x.hi) || x.lo > 1.0 || x.hi < -1.0;
}
inline bool outside_unit(const minterval& x) {
  const __mpfi_struct* p = mpfi_of(x);
  return mpfi_nan_p(p) || mpfr_cmp_si(&p->left, 1) > 0 || mpfr_cmp_si(&p->right, -1) < 0;
}

// True when every point of x is >= 0 / <= 0 (checked on the exact endpoints).
inline bool nonneg(const dinterval& x) { return x.lo >= 0; }
inline bool nonpos(const dinterval& x) { return x.hi <= 0; }
inline bool nonneg(const minterval& x) { return mpfr_sgn(&mpfi_of(x)->left) >= 0; }
inline bool nonpos(const minterval& x) { return mpfr_sgn(&mpfi_of(x)->right) <= 0; }

// Contains t^n for every t in x, x ≥ 0 (binary powering; products of nonnegative intervals).
template <class I>
I pow_nonneg(const I& x, unsigned long n) {
  I result = interval_traits<I>::point(1.0), base = x;
  while (n) {
    if (n & 1) result = result * base;
    n >>= 1;
    if (n) base = base * base;
  }
  return result;
}

}  // namespace series_detail

// The truncated series of κ (κ₁ for ReLU, κ₀ for the step) with its tail bound, in tier I.
// Holds c_0..c_R and 1 - S_R converted outward to I, so evaluations cost R + O(log R) interval
// operations per endpoint.
template <class I>
class kappa_series {
 public:
  // Uses orders 0..order of table. Throws std::out_of_range when order > table.max_order().
  kappa_series(const coefficient_table& table, unsigned order)
      : act_(table.act()), order_(order), tail_mass_(from_mpfi<I>(table.tail_mass(order))) {
    coefficients_.reserve(static_cast<std::size_t>(order) + 1);
    for (unsigned r = 0; r <= order; ++r) coefficients_.push_back(from_mpfi<I>(table.c(r)));
  }

  activation act() const { return act_; }
  unsigned order() const { return order_; }
  // Contains c_r, r <= order() (unchecked).
  const I& coefficient(unsigned r) const { return coefficients_[r]; }
  // Contains 1 - S_R = Σ_{r>R} c_r, R = order(); within [0, 1].
  const I& tail_mass() const { return tail_mass_; }

  // Contains κ(t) for every t in rho ∩ [-1, 1] (κ₁ for ReLU, κ₀ for the step); within [0, 1].
  // The part of rho outside [-1, 1], where κ is not defined, is ignored. A rho with a NaN endpoint
  // or disjoint from [-1, 1] gives NaN endpoints.
  I operator()(const I& rho) const {
    if (series_detail::outside_unit(rho)) return interval_traits<I>::nan();
    const I x = intersect(rho, -1.0, 1.0);
    const I at_lower = at_point(interval_traits<I>::lower_point(x));
    const I at_upper = at_point(interval_traits<I>::upper_point(x));
    // lower(at_lower) <= κ(a) <= κ(b) <= upper(at_upper): a valid interval by monotonicity.
    return intersect(series_detail::join(at_lower, at_upper), 0.0, 1.0);
  }

  // Contains P_R(t) + T_R(t) = κ(t) for every t in x, where x ⊂ [-1, 1] (not checked; callers
  // intersect first). Meant for narrow x: Horner on a wide x overestimates.
  I at_point(const I& x) const {
    I p = coefficients_[order_];
    for (unsigned r = order_; r-- > 0;) p = p * x + coefficients_[r];
    return p + tail(x);
  }

  // Contains T_R(t) = Σ_{r>R} c_r t^r for every t in x ⊂ [-1, 1] (see the bound at the top).
  I tail(const I& x) const {
    unsigned long e = static_cast<unsigned long>(order_) + 1;
    while (is_zero_order(act_, static_cast<unsigned>(e))) ++e;
    const I zero = interval_traits<I>::point(0.0);
    const I u = tail_mass_ * series_detail::pow_nonneg(abs(x), e);  // [.., U], U >= 0
    if (series_detail::nonneg(x) || (order_ >= 1 && e % 2 == 0)) return hull(zero, u);
    if (order_ >= 1 && series_detail::nonpos(x)) return hull(-u, zero);  // odd e, t <= 0
    return hull(-u, u);
  }

 private:
  activation act_;
  unsigned order_;
  std::vector<I> coefficients_;
  I tail_mass_;
};

// Contains κ₁(t) (resp. κ₀(t)) for every t in rho ∩ [-1, 1], from the series truncated at
// `order` with coefficients at the precision of I (same contract as kappa_series::operator()).
// Builds the coefficient table on every call: for repeated use keep a kappa_series.
template <class I>
I kappa1_series(const I& rho, unsigned order) {
  const coefficient_table t(activation::relu, order, interval_traits<I>::precision_bits());
  return kappa_series<I>(t, order)(rho);
}

template <class I>
I kappa0_series(const I& rho, unsigned order) {
  const coefficient_table t(activation::step, order, interval_traits<I>::precision_bits());
  return kappa_series<I>(t, order)(rho);
}

// Contains S_R = Σ_{r≤R} c_r, converted outward to I. Throws std::out_of_range when R is beyond
// the table.
template <class I>
I partial_sum(const coefficient_table& table, unsigned R) {
  return from_mpfi<I>(table.partial_sum(R));
}

}  // namespace ntk::hermite
