// Shared helpers of the kernel tests: data generators and containment checks against the reference.
#pragma once

#include <mpfi.h>
#include <mpfr.h>

#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "interval/interval.hpp"
#include "kernel/correlation.hpp"
#include "reference.hpp"

namespace kernel_test {

// The reference ball must be narrow: below 2^-400 relative (or absolute near 0), else the test
// itself is not precise enough and the check fails.
inline bool narrow(const ball& r) {
  mpfr_t w;
  mpfr_init2(w, 64);
  mpfi_diam(w, r.get());  // relative, or absolute when the ball contains 0
  const bool ok = mpfr_cmp_d(w, 0x1p-400) <= 0;
  mpfr_clear(w);
  return ok;
}

// True iff x meets the reference ball and the ball is narrow: then x misses the exact value by
// at most the ball's width (2^-400 relative), far below any width x can have.
inline bool contains_ref(const ntk::dinterval& x, const ball& r) {
  return narrow(r) && mpfr_cmp_d(&r.get()->left, x.hi) <= 0 && mpfr_cmp_d(&r.get()->right, x.lo) >= 0;
}
inline bool contains_ref(const ntk::minterval& x, const ball& r) {
  return narrow(r) && mpfr_cmp(&r.get()->left, &ntk::mpfi_of(x)->right) <= 0 &&
         mpfr_cmp(&r.get()->right, &ntk::mpfi_of(x)->left) >= 0;
}

// The reference's own width, as a double rounded up.
inline double ref_width(const ball& r) {
  mpfr_t w;
  mpfr_init2(w, 64);
  mpfi_diam_abs(w, r.get());
  const double d = mpfr_get_d(w, MPFR_RNDU);
  mpfr_clear(w);
  return d;
}

// Midpoint of the reference as a double.
inline double ref_mid(const ball& r) {
  mpfr_t m;
  mpfr_init2(m, ref_bits);
  mpfi_mid(m, r.get());
  const double d = mpfr_get_d(m, MPFR_RNDN);
  mpfr_clear(m);
  return d;
}

// Width of x (for minterval computed exactly, then rounded up to a double).
inline double width(const ntk::dinterval& x) { return x.hi - x.lo; }
inline double width(const ntk::minterval& x) {
  mpfr_t w;
  mpfr_init2(w, 64);
  mpfi_diam_abs(w, ntk::mpfi_of(x));
  const double d = mpfr_get_d(w, MPFR_RNDU);
  mpfr_clear(w);
  return d;
}

inline ntk::dataset make_dataset(std::size_t n, std::size_t d, std::vector<double> x, double num = 1,
                                 double den = 1) {
  ntk::dataset ds;
  ds.source = "test";
  ds.n = n;
  ds.d = d;
  ds.x = std::move(x);
  ds.scale_num = num;
  ds.scale_den = den;
  return ds;
}

// n x d standard normal values.
inline ntk::dataset gaussian(std::mt19937_64& rng, std::size_t n, std::size_t d) {
  std::normal_distribution<double> g;
  std::vector<double> x(n * d);
  for (double& v : x) v = g(rng);
  return make_dataset(n, d, x);
}

// Integers 0..255 with scale 1/255 (pixels).
inline ntk::dataset pixels(std::mt19937_64& rng, std::size_t n, std::size_t d) {
  std::uniform_int_distribution<int> u(0, 255);
  std::vector<double> x(n * d);
  for (double& v : x) v = u(rng);
  return make_dataset(n, d, x, 1, 255);
}

// Replaces row `dst` by sign * row `src` + t ‖row src‖ v for a random unit v.
inline void perturb_copy(ntk::dataset& ds, std::mt19937_64& rng, std::size_t src, std::size_t dst, double sign,
                         double t) {
  std::normal_distribution<double> g;
  std::vector<double> v(ds.d);
  double vn = 0, xn = 0;
  for (std::size_t k = 0; k < ds.d; ++k) {
    v[k] = g(rng);
    vn += v[k] * v[k];
    xn += ds.x[src * ds.d + k] * ds.x[src * ds.d + k];
  }
  const double f = t * std::sqrt(xn / vn);
  for (std::size_t k = 0; k < ds.d; ++k) ds.x[dst * ds.d + k] = sign * ds.x[src * ds.d + k] + f * v[k];
}

// Reference κ₁(ρ), κ₀(ρ), 1 - κ₁(ρ) at an exact ρ given as 1 - t (from = 1), t - 1 (from = -1) or
// t (from = 0), by the plain formulas in MPFI at ref_bits (ρ formed exactly).
struct ref_kappa {
  ball k1, k0, one_minus_k1;
};
inline ref_kappa reference_kappa(double t, int from) {
  ball rho(t);
  if (from == 1) mpfi_ui_sub(rho.get(), 1, rho.get());
  if (from == -1) mpfi_sub_ui(rho.get(), rho.get(), 1);
  ball pi, theta, s, w;
  mpfi_const_pi(pi.get());
  mpfi_acos(theta.get(), rho.get());
  mpfi_sqr(s.get(), rho.get());
  mpfi_ui_sub(s.get(), 1, s.get());
  mpfi_sqrt(s.get(), s.get());
  mpfi_sub(w.get(), pi.get(), theta.get());
  mpfi_mul(w.get(), w.get(), rho.get());
  ref_kappa r;
  mpfi_add(r.k1.get(), s.get(), w.get());
  mpfi_div(r.k1.get(), r.k1.get(), pi.get());
  mpfi_div(w.get(), theta.get(), pi.get());
  mpfi_ui_sub(r.k0.get(), 1, w.get());
  mpfi_ui_sub(r.one_minus_k1.get(), 1, r.k1.get());
  return r;
}

// g(θ) = sin θ - θ cos θ at an exact θ, by MPFI's sin and cos at ref_bits.
inline ball reference_g(double t) {
  ball th(t), s, c;
  mpfi_sin(s.get(), th.get());
  mpfi_cos(c.get(), th.get());
  mpfi_mul(c.get(), c.get(), th.get());
  mpfi_sub(s.get(), s.get(), c.get());
  return s;
}

// The consistent double-tier triple of the correlations in [a, b], given as 1 - t (from = 1),
// t - 1 (from = -1) or t (from = 0), t ∈ [a, b], as the kernel builds them (make_consistent).
inline ntk::correlation<ntk::dinterval> triple_around(double a, double b, int from) {
  const ntk::dinterval t(a, b);
  ntk::correlation<ntk::dinterval> c;
  if (from == 1) c = {1.0 - t, t, 2.0 - t};
  else if (from == -1) c = {t - 1.0, 2.0 - t, t};
  else c = {t, 1.0 - t, 1.0 + t};
  ntk::make_consistent(c);
  return c;
}

}  // namespace kernel_test
