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

// g on 0 <= θ with θ² <= 9/8 (θ <= 1.06, which covers the maps' θ <= π/3) in the double tier:
//   g(θ) = (θ³/3) B(θ²),   B(x) = 1 - Σ_{k>=2} (-1)^k b_k x^(k-1),   b_k = 3·2k/(2k+1)!,
// with nine terms. The correction D = E₋ - E₊ (E₋ the terms of even k, E₊ those of odd k >= 3) is
// summed on its own, so that its roundings are relative to D <= 0.12 and not to B ≈ 1, and every
// term is independent of the others (the nested form of the general code below is one long chain
// of dependent roundings, several times the latency). Inputs: 0 <= tl <= th and xl <= θ² <= xh for
// every θ in [tl, th], xh <= 9/8. Every quantity is nonnegative (E₋ >= E₊ because the terms
// decrease), so lower bounds use tl, xl, the b_k's lower bounds and downward steps, upper bounds the
// opposite. Remainder: the terms b_k x^(k-1) alternate and decrease for x <= 10 (ratio
// x/(2k(2k+3)) <= 1/2 here), so B - B_9 lies in [-b_10 x^9, 0]; b_10 x^9 <= 2^-58 for x <= 9/8.
// The result contains g(θ) for every θ in [tl, th].
inline dinterval g_series_short(double tl, double th, double xl, double xh) {
  struct coefficients {
    double lo[11], hi[11];  // lo[k] <= b_k <= hi[k], k = 2..10
    coefficients() {
      lo[0] = hi[0] = lo[1] = hi[1] = 1.0;
      for (int k = 1; k < 10; ++k) {  // b_{k+1} = b_k / (2k(2k+3)), b_1 = 1, the divisor exact
        const double m = 2.0 * k * (2.0 * k + 3.0);
        lo[k + 1] = std::max(0.0, round_down(lo[k] / m));
        hi[k + 1] = round_up(hi[k] / m);
      }
    }
  };
  static const coefficients c;
  // Every quantity is in [0, 4]: the one-step outward bounds of rounding.hpp.
  const auto up = [](double s) { return up_nonneg(s); };
  const auto dn = [](double s) { return down_nonneg(s); };
  // Powers x^1 .. x^9, each side by a short tree of products.
  double pl[10], ph[10];
  pl[1] = xl, ph[1] = xh;
  pl[2] = dn(xl * xl), ph[2] = up(xh * xh);
  pl[3] = dn(pl[2] * xl), ph[3] = up(ph[2] * xh);
  pl[4] = dn(pl[2] * pl[2]), ph[4] = up(ph[2] * ph[2]);
  pl[5] = dn(pl[4] * xl), ph[5] = up(ph[4] * xh);
  pl[6] = dn(pl[4] * pl[2]), ph[6] = up(ph[4] * ph[2]);
  pl[7] = dn(pl[4] * pl[3]), ph[7] = up(ph[4] * ph[3]);
  pl[8] = dn(pl[4] * pl[4]), ph[8] = up(ph[4] * ph[4]);
  ph[9] = up(ph[8] * xh);
  double tl_k[10], th_k[10];  // the terms b_k x^(k-1), k = 2..9
  for (int k = 2; k <= 9; ++k) {
    tl_k[k] = dn(c.lo[k] * pl[k - 1]);
    th_k[k] = up(c.hi[k] * ph[k - 1]);
  }
  const double em_lo = dn(dn(tl_k[2] + tl_k[4]) + dn(tl_k[6] + tl_k[8]));
  const double em_hi = up(up(th_k[2] + th_k[4]) + up(th_k[6] + th_k[8]));
  const double ep_lo = dn(dn(tl_k[3] + tl_k[5]) + dn(tl_k[7] + tl_k[9]));
  const double ep_hi = up(up(th_k[3] + th_k[5]) + up(th_k[7] + th_k[9]));
  const double rem = up(c.hi[10] * ph[9]);
  const double d_lo = dn(em_lo - ep_hi), d_hi = up(up(em_hi - ep_lo) + rem);  // D + remainder
  const double b_lo = dn(1.0 - d_hi), b_hi = up(1.0 - d_lo);                   // B <= 1
  const double cube_lo = dn(dn(xl * tl) / 3.0), cube_hi = up(up(xh * th) / 3.0);
  return {dn(cube_lo * b_lo), std::min(4.0, up(cube_hi * std::min(b_hi, 1.0)))};
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
  if (t2h <= 1.125) return g_series_short(tl, th, t2l, t2h);
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
