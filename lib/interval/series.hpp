// Validated power series for expressions whose closed forms cancel; templates over the interval
// type I (dinterval or minterval, see interval.hpp).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>

#include "interval/interval.hpp"

namespace ntk {

// The number N of kept terms of the series of g(theta) = sin theta - theta cos theta (below) for
// which the first omitted term is at most 2^-(bits + 2) g(theta) for every 0 < theta <= theta_max
// (theta_max <= 1), i.e. (20/3)(N + 1) theta_max^(2N)/(2N + 3)! <= 2^-(bits + 2); integer bounds
// (floor log2 of each factor of the factorial, theta_max < 2^(e+1) with e = ilogb(theta_max)) make it
// conservative by about one term. Only the width of the result depends on N, never its validity.
inline int sin_minus_theta_cos_terms(long bits, double theta_max = 1.0) {
  // -log2 of the bound on theta_max^2 per term: theta_max < 2^(e+1), e + 1 <= 0.
  const long per_term = (theta_max > 0 && theta_max < 1) ? -2L * (std::ilogb(theta_max) + 1) : 0L;
  long log2_fact = 6;  // sum of floor(log2 k), k = 1..5: a lower bound of log2 5! (N = 1)
  for (int n = 1; n < 100000; ++n) {
    const long log2_lead = std::bit_width(static_cast<unsigned long>(7 * (n + 1)));  // > log2 (20/3)(n+1)
    if (log2_fact - log2_lead + per_term * n >= bits + 2) return n;
    log2_fact += std::bit_width(static_cast<unsigned long>(2 * n + 4)) - 1;
    log2_fact += std::bit_width(static_cast<unsigned long>(2 * n + 5)) - 1;
  }
  return 100000;
}

namespace detail {

// Contains g(t) for every t in theta, provided theta is a subset of [-1, 1]: the alternating series
// g = sum_{k>=1} (-1)^(k+1) a_k, a_k = theta^(2k+1) 2k/(2k+1)!, in nested form
//   g = (theta^3/3) B_1,  B_{k-1} = 1 - theta^2/((2k-2)(2k+1)) B_k,
// where a_k/a_{k-1} = theta^2/((2k-2)(2k+1)) <= 1/10 depends on theta^2 only. The tail from term N on, divided by a_N, is
// an alternating series with decreasing terms, hence lies in B_N = [1 - theta^2/((2N)(2N+3)), 1].
template <class I>
I sin_minus_theta_cos_series(const I& theta, int n_terms) {
  using T = interval_traits<I>;
  const I one = T::point(1.0);
  const I theta2 = sqr(theta);
  const double n = n_terms;
  I b = hull(one, one - theta2 / ((2.0 * n) * (2.0 * n + 3.0)));
  for (int k = n_terms; k >= 2; --k) b = one - theta2 / ((2.0 * k - 2.0) * (2.0 * k + 1.0)) * b;
  return theta * theta2 / 3.0 * b;
}

}  // namespace detail

// g(theta) = sin theta - theta cos theta for 0 <= theta <= 1, free of the cancellation of the
// closed form for small theta (g ~ theta^3/3).
// Contract: the result contains g(t) for every t in theta intersected with [0, 1]; the part of
// theta outside [0, 1] is ignored. An argument disjoint from [0, 1], empty, or with a NaN endpoint
// gives NaN endpoints. g is increasing on [0, pi] (g' = t sin t), so the two endpoints are
// evaluated separately by the series of detail::sin_minus_theta_cos_series with
// sin_minus_theta_cos_terms(interval_traits<I>::precision_bits(), endpoint) terms and a rigorous
// remainder.
// A lower end <= 0 gives the exact lower bound 0, so g([0, 0]) = [0, 0].
template <class I>
I sin_minus_theta_cos(const I& theta) {
  using T = interval_traits<I>;
  const double lo = lower_d(theta), hi = upper_d(theta);
  if (!(lo <= hi && lo <= 1.0 && hi >= 0.0)) return T::nan();
  const long bits = T::precision_bits();
  // g >= 0 on [0, 1] and g(0) = 0: a lower end <= 0 needs no evaluation.
  const I a = T::lower_point(theta);
  const double a_hi = upper_d(a);
  const I glo = a_hi <= 0.0 ? T::point(0.0)
                            : detail::sin_minus_theta_cos_series(a, sin_minus_theta_cos_terms(bits, a_hi));
  if (hi <= 0.0) return glo;
  const I b = hi > 1.0 ? T::point(1.0) : T::upper_point(theta);
  return hull(glo, detail::sin_minus_theta_cos_series(b, sin_minus_theta_cos_terms(bits, std::min(hi, 1.0))));
}

}  // namespace ntk
