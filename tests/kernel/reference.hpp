// An independent reference for the kernel tests: the plain formulas of MATH.md §2 in raw MPFI at
// high precision, written without any code of lib/kernel.
//
//   x̃_i = T(s·x_i - mean_j s·x_j)   (mean only with centring; T: √d·y/‖y‖, y/‖y‖ or y)
//   G^(1) = X̃X̃ᵀ, K^(1) = G^(1);  per layer and pair (a = G_ii, b = G_jj, c = G_ij):
//   ρ = c/√(ab) ∩ [-1, 1], θ = acos ρ, G' = √(ab)(√(1-ρ²) + (π-θ)ρ)/π, Ġ' = 1 - θ/π, K' = G' + K Ġ'.
//
// At ref_bits = 1600 bits the naive interval evaluation still gives enclosures far narrower than
// anything the tiers under test produce (the worst loss is acos near ρ = 1: half the bits, per
// layer, for pairs whose ρ is exactly ±1; so the random tests avoid d = 1, where every pair is).
#pragma once

#include <mpfi.h>
#include <mpfr.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "data/dataset.hpp"

namespace kernel_test {

inline constexpr long ref_bits = 1600;

// mpfi_t with RAII.
class ball {
 public:
  ball() { mpfi_init2(v_, ref_bits); }
  explicit ball(double t) : ball() { mpfi_set_d(v_, t); }
  ball(const ball& o) : ball() { mpfi_set(v_, o.v_); }
  ball& operator=(const ball& o) {
    mpfi_set(v_, o.v_);
    return *this;
  }
  ~ball() { mpfi_clear(v_); }
  mpfi_ptr get() { return v_; }
  mpfi_srcptr get() const { return v_; }

 private:
  mpfi_t v_;
};

// A square matrix of balls.
struct ball_matrix {
  std::size_t n = 0;
  std::vector<ball> v;
  ball_matrix() = default;
  explicit ball_matrix(std::size_t n_) : n(n_), v(n_ * n_) {}
  ball& operator()(std::size_t i, std::size_t j) { return v[i * n + j]; }
  const ball& operator()(std::size_t i, std::size_t j) const { return v[i * n + j]; }
};

struct reference_layers {
  std::vector<ball> sqnorm;        // ‖x̃_i‖²
  std::vector<ball_matrix> G, Gdot, K;  // index l - 1 for layer l (Gdot[0] unused)
};

inline reference_layers reference_ntk(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth) {
  const std::size_t n = ds.n, d = ds.d;
  std::vector<ball> x(n * d);
  for (std::size_t t = 0; t < n * d; ++t) {
    mpfi_set_d(x[t].get(), ds.x[t]);
    mpfi_mul_d(x[t].get(), x[t].get(), ds.scale_num);
    mpfi_div_d(x[t].get(), x[t].get(), ds.scale_den);
  }
  if (pre.center) {
    for (std::size_t k = 0; k < d; ++k) {
      ball m(0.0);
      for (std::size_t i = 0; i < n; ++i) mpfi_add(m.get(), m.get(), x[i * d + k].get());
      mpfi_div_ui(m.get(), m.get(), static_cast<unsigned long>(n));
      for (std::size_t i = 0; i < n; ++i) mpfi_sub(x[i * d + k].get(), x[i * d + k].get(), m.get());
    }
  }
  if (pre.normalize != ntk::normalization::none) {
    for (std::size_t i = 0; i < n; ++i) {
      ball s(0.0), t;
      for (std::size_t k = 0; k < d; ++k) {
        mpfi_sqr(t.get(), x[i * d + k].get());
        mpfi_add(s.get(), s.get(), t.get());
      }
      mpfi_sqrt(s.get(), s.get());
      ball f(1.0);
      if (pre.normalize == ntk::normalization::sphere) {
        mpfi_set_ui(f.get(), static_cast<unsigned long>(d));
        mpfi_sqrt(f.get(), f.get());
      }
      mpfi_div(f.get(), f.get(), s.get());
      for (std::size_t k = 0; k < d; ++k) mpfi_mul(x[i * d + k].get(), x[i * d + k].get(), f.get());
    }
  }
  reference_layers r;
  ball_matrix G(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      ball s(0.0), t;
      for (std::size_t k = 0; k < d; ++k) {
        mpfi_mul(t.get(), x[i * d + k].get(), x[j * d + k].get());
        mpfi_add(s.get(), s.get(), t.get());
      }
      G(i, j) = s;
    }
  r.sqnorm.resize(n);
  for (std::size_t i = 0; i < n; ++i) r.sqnorm[i] = G(i, i);
  r.G.push_back(G);
  r.Gdot.push_back(ball_matrix(n));
  r.K.push_back(G);
  ball pi;
  mpfi_const_pi(pi.get());
  ball minus_one_one;
  mpfi_interv_si(minus_one_one.get(), -1, 1);
  for (int l = 2; l <= depth; ++l) {
    const ball_matrix& Gp = r.G.back();
    const ball_matrix& Kp = r.K.back();
    ball_matrix Gn(n), Gd(n), Kn(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        ball sab, rho, theta, s, t;
        mpfi_mul(sab.get(), Gp(i, i).get(), Gp(j, j).get());
        mpfi_sqrt(sab.get(), sab.get());
        mpfi_div(rho.get(), Gp(i, j).get(), sab.get());
        mpfi_intersect(rho.get(), rho.get(), minus_one_one.get());
        // c/√(c·c) = 1 exactly on the diagonal; interval arithmetic would lose half the bits per
        // layer there (acos has infinite slope at 1).
        if (i == j) mpfi_set_ui(rho.get(), 1);
        mpfi_acos(theta.get(), rho.get());
        mpfi_sqr(s.get(), rho.get());
        mpfi_ui_sub(s.get(), 1, s.get());
        mpfi_sqrt(s.get(), s.get());                  // √(1-ρ²)
        mpfi_sub(t.get(), pi.get(), theta.get());      // π - θ
        mpfi_mul(t.get(), t.get(), rho.get());
        mpfi_add(s.get(), s.get(), t.get());
        mpfi_div(s.get(), s.get(), pi.get());          // κ₁
        mpfi_mul(Gn(i, j).get(), s.get(), sab.get());
        mpfi_div(t.get(), theta.get(), pi.get());
        mpfi_ui_sub(Gd(i, j).get(), 1, t.get());       // κ₀
        mpfi_mul(t.get(), Kp(i, j).get(), Gd(i, j).get());
        mpfi_add(Kn(i, j).get(), Gn(i, j).get(), t.get());
      }
    r.G.push_back(std::move(Gn));
    r.Gdot.push_back(std::move(Gd));
    r.K.push_back(std::move(Kn));
  }
  return r;
}

}  // namespace kernel_test
