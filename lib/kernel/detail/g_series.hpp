// g(t) = sin t - t cos t by its Taylor series with a rigorous remainder, over either interval tier.
// Private to lib/kernel (a shared version for lib/interval is in the works; this one stays until it
// can replace it with the same contract).
//
//   g(t) = sum_{k>=1} (-1)^(k+1) a_k,   a_k = 2k t^(2k+1) / (2k+1)!,   a_{k+1} = a_k t^2 / (2k(2k+3)).
//
// For 0 <= t <= 3 the ratio t^2/(2k(2k+3)) <= 9/10 < 1 for every k >= 1, so the terms decrease in
// magnitude and alternate: after K terms the remainder lies between 0 and (-1)^K a_{K+1}.
// The leading term t^3/3 carries no cancellation, which is the point: sin t - t cos t evaluated
// directly loses about 2 log2(1/t) bits, and this is the quantity that keeps 1 - kappa_1 relatively
// accurate near correlation 1.
#pragma once

#include <cmath>

#include "interval/interval.hpp"
#include "kernel/detail/interval_ops.hpp"

namespace ntk::kernel_detail {

// Contains sin t - t cos t for every t in theta with 0 <= t <= 3 (the part of theta outside
// [0, 3] is ignored; if theta reaches above 3 the result is the crude enclosure [0, 4] of g on
// [0, pi], so callers keep theta <= 3). Nested (Horner) form:
//   g = (t³/3) B_1,   B_k = 1 - t²/(2k(2k+3)) B_{k+1},   B_N ∋ [1 - t²/(2N(2N+3)), 1],
// the last because the tail from term N on, divided by a_N, is alternating with decreasing terms.
// N is chosen so that a_{N+1}/a_1 < 2^-(precision+3): the relative width is a few units of the
// working precision (each B_k is close to 1, so roundings do not accumulate).
template <class I>
I g_sin_minus_t_cos(const I& theta) {
  using traits = interval_traits<I>;
  if (upper_d(theta) > 3.0) return traits::make(0.0, 4.0);
  const I th = intersect(theta, 0.0, 3.0);
  if (is_zero_point(th)) return traits::point(0.0);
  const I t2 = sqr(th);
  const double target = std::ldexp(1.0, -static_cast<int>(traits::precision_bits()) - 3);
  const double t2_hi = upper_d(t2);
  // Terms: only the width depends on this choice, never the validity.
  int N = 1;
  for (double rel = 1.0; N < 4000; ++N) {
    rel *= t2_hi / (2.0 * N * (2.0 * N + 3.0));  // estimate of a_{N+1} / a_1
    if (!(rel >= target)) break;
  }
  const I one = traits::point(1.0);
  I B = join(one - t2 / (2.0 * N * (2.0 * N + 3.0)), one);
  for (int k = N - 1; k >= 1; --k) B = one - t2 / (2.0 * k * (2.0 * k + 3.0)) * B;
  return intersect(th * t2 / 3.0 * B, 0.0, 4.0);
}

// The same for the double tier, with the same recurrence written on endpoints: every quantity is
// nonnegative (t² >= 0, 0 < B_k <= 1 because t²/(2k(2k+3)) <= 9/10), so each product and
// difference has its bounds at known endpoints; every operation is rounded outward. This overload
// is preferred over the template and is several times faster than generic interval operations.
inline dinterval g_sin_minus_t_cos(const dinterval& theta) {
  struct reciprocals {
    double lo[128], hi[128];  // enclosure of 1/(2k(2k+3))
    reciprocals() {
      lo[0] = hi[0] = 0;
      for (int j = 1; j < 128; ++j) {
        const double q = 1.0 / (2.0 * j * (2.0 * j + 3.0));  // correctly rounded
        lo[j] = round_down(q);
        hi[j] = round_up(q);
      }
    }
  };
  static const reciprocals inv;
  if (theta.hi > 3.0) return {0.0, 4.0};
  const double tl = std::max(theta.lo, 0.0), th = std::max(theta.hi, 0.0);
  if (th == 0) return dinterval(0.0);
  const double t2l = std::max(0.0, round_down(tl * tl)), t2h = round_up(th * th);
  int N = 1;
  for (double rel = t2h * inv.hi[1]; N < 127 && rel >= 0x1p-56; ++N) rel *= t2h * inv.hi[N + 1];
  double bl = round_down(1.0 - round_up(t2h * inv.hi[N])), bh = 1.0;
  for (int k = N - 1; k >= 1; --k) {
    const double rl = std::max(0.0, round_down(t2l * inv.lo[k])), rh = round_up(t2h * inv.hi[k]);
    const double nl = round_down(1.0 - round_up(rh * bh));
    const double nh = std::min(1.0, round_up(1.0 - round_down(rl * bl)));
    bl = nl;
    bh = nh;
  }
  // (t³/3) B_1
  const double cl = std::max(0.0, round_down(round_down(tl * t2l) / 3.0)), ch = round_up(round_up(th * t2h) / 3.0);
  return {std::max(0.0, round_down(cl * bl)), std::min(4.0, round_up(ch * bh))};
}

}  // namespace ntk::kernel_detail
