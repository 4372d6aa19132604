// An independent reference for the kernel tests: the plain formulas of docs/math.md §2 in raw MPFI at
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

#include "../common/ntk_reference.hpp"
#include "data/dataset.hpp"

namespace kernel_test {

inline constexpr long ref_bits = 1600;

using ball = ntk_reference::ball<ref_bits>;
using ball_matrix = ntk_reference::ball_matrix<ref_bits>;

struct reference_layers {
  std::vector<ball> sqnorm;        // ‖x̃_i‖²
  std::vector<ball_matrix> G, Gdot, K;  // index l - 1 for layer l (Gdot[0] unused)
};

inline reference_layers reference_ntk(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth) {
  const std::size_t n = ds.n, d = ds.d;
  const ball_matrix G = ntk_reference::gram(ntk_reference::preprocessed_rows<ref_bits>(ds, pre), n, d);
  reference_layers r;
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
