// An independent reference for the chain: the plain formulas of docs/math.md §2–4 in raw MPFI at
// ref_bits, written without any code of lib/ (no geometry, relu maps, Hermite tables or
// lambda_min enclosures), and eigenvalues from the Jacobi reference of tests/common.
//
//   x̃_i = T(s·x_i - mean_j s·x_j);  G^(1) = X̃X̃ᵀ;  per layer and pair (a = G_ii, b = G_jj, c = G_ij):
//   ρ = c/√(ab), θ = acos ρ, G' = √(ab)(√(1-ρ²) + (π-θ)ρ)/π, Ġ' = 1 - θ/π, K' = G' + K Ġ';
//   Ĝ^(l)_ij = G^(l)_ij/√(G_ii G_jj) (diagonal exactly 1);
//   c_r = 1/π (r = 0), 1/2 (r = 1), 0 (odd r >= 3), ((r-3)!!)²/(π·r!) (even r >= 2).
//
// Eigenvalues of an interval matrix [M - R, M + R]: Jacobi on the midpoint M gives d_1 with
// |λ_min(M) - d_1| <= e, and Weyl gives |λ_min(A) - λ_min(M)| <= ‖R‖_2 <= ‖R‖_F, so
// λ_min(A) ∈ [d_1 - e - ‖R‖_F, d_1 + e + ‖R‖_F]; intersected with [0, inf) for matrices that are
// PSD by theory (Gram, NNGP, NTK matrices and Hadamard powers of correlation matrices).
#pragma once

#include <mpfi.h>
#include <mpfr.h>

#include <cstddef>
#include <string>
#include <vector>

#include "../common/jacobi.hpp"
#include "../common/ntk_reference.hpp"
#include "data/dataset.hpp"

namespace chain_test {

inline constexpr long ref_bits = 1024;

using ball = ntk_reference::ball<ref_bits>;
using ball_matrix = ntk_reference::ball_matrix<ref_bits>;

// λ_min of every symmetric matrix in the entrywise enclosure A, intersected with [0, inf) when psd.
inline ball ref_lambda_min(const ball_matrix& A, bool psd) {
  const std::size_t n = A.n;
  std::vector<ntk_test::ref_real> mid(n * n);
  std::vector<mpfr_srcptr> ptr(n * n);
  mpfr_t rad, t, fro;
  mpfr_inits2(ref_bits, rad, t, fro, (mpfr_ptr)0);
  mpfr_set_zero(fro, 1);
  for (std::size_t k = 0; k < n * n; ++k) {
    mpfr_set_prec(mid[k].backend().data(), ref_bits);
    mpfi_mid(mid[k].backend().data(), A.v[k].get());
    // radius: max(M - lo, hi - M), rounded up
    mpfr_sub(rad, mid[k].backend().data(), &A.v[k].get()->left, MPFR_RNDU);
    mpfr_sub(t, &A.v[k].get()->right, mid[k].backend().data(), MPFR_RNDU);
    mpfr_max(rad, rad, t, MPFR_RNDU);
    mpfr_sqr(t, rad, MPFR_RNDU);
    mpfr_add(fro, fro, t, MPFR_RNDU);
    ptr[k] = mid[k].backend().data();
  }
  mpfr_sqrt(fro, fro, MPFR_RNDU);
  const ntk_test::reference_spectrum s = ntk_test::jacobi_eigenvalues(ptr, n, 320);
  mpfr_add(t, s.error.backend().data(), fro, MPFR_RNDU);
  ball r;
  mpfr_sub(&r.get()->left, s.values[0].backend().data(), t, MPFR_RNDD);
  mpfr_add(&r.get()->right, s.values[0].backend().data(), t, MPFR_RNDU);
  if (psd) {
    if (mpfr_sgn(&r.get()->left) < 0) mpfr_set_zero(&r.get()->left, 1);
    if (mpfr_sgn(&r.get()->right) < 0) mpfr_set_zero(&r.get()->right, 1);
  }
  mpfr_clears(rad, t, fro, (mpfr_ptr)0);
  return r;
}

// c_r of ReLU from the double-factorial formula, in exact integers then one division by π.
inline ball ref_c(unsigned r) {
  ball c;
  ball pi;
  mpfi_const_pi(pi.get());
  if (r == 0) {
    mpfi_ui_div(c.get(), 1, pi.get());
  } else if (r == 1) {
    mpfi_set_d(c.get(), 0.5);
  } else if (r % 2) {
    mpfi_set_ui(c.get(), 0);
  } else {
    mpz_t df, fact;
    mpz_init_set_ui(df, 1);
    for (unsigned k = r - 3; k >= 1 && k <= r; k -= 2) mpz_mul_ui(df, df, k);  // (r-3)!!, (-1)!! = 1
    mpz_mul(df, df, df);
    mpz_init(fact);
    mpz_fac_ui(fact, r);
    mpfi_set_z(c.get(), df);
    mpfi_div_z(c.get(), c.get(), fact);
    mpfi_div(c.get(), c.get(), pi.get());
    mpz_clears(df, fact, (mpz_ptr)0);
  }
  return c;
}

struct ref_layers {
  std::vector<ball> sqnorm;
  std::vector<ball_matrix> G;    // [l-1]
  std::vector<ball_matrix> rho;  // [l-1], Ĝ^(l)
  ball_matrix K;                 // K^(L)
};

inline ref_layers reference_layers(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth) {
  const std::size_t n = ds.n, d = ds.d;
  ref_layers r;
  ball_matrix G = ntk_reference::gram(ntk_reference::preprocessed_rows<ref_bits>(ds, pre), n, d);
  // The normalised diagonal is known exactly for sphere / unit rows.
  for (std::size_t i = 0; i < n; ++i) {
    if (pre.normalize == ntk::normalization::sphere) mpfi_set_ui(G(i, i).get(), static_cast<unsigned long>(d));
    if (pre.normalize == ntk::normalization::unit) mpfi_set_ui(G(i, i).get(), 1);
  }
  r.sqnorm.resize(n);
  for (std::size_t i = 0; i < n; ++i) r.sqnorm[i] = G(i, i);
  ball pi, one_box;
  mpfi_const_pi(pi.get());
  mpfi_interv_si(one_box.get(), -1, 1);
  auto correlation = [&](const ball_matrix& g) {
    ball_matrix c(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        if (i == j) {
          mpfi_set_ui(c(i, j).get(), 1);
          continue;
        }
        ball s;
        mpfi_mul(s.get(), g(i, i).get(), g(j, j).get());
        mpfi_sqrt(s.get(), s.get());
        mpfi_div(c(i, j).get(), g(i, j).get(), s.get());
        mpfi_intersect(c(i, j).get(), c(i, j).get(), one_box.get());
      }
    return c;
  };
  ball_matrix K = G;
  r.G.push_back(G);
  r.rho.push_back(correlation(G));
  for (int l = 2; l <= depth; ++l) {
    const ball_matrix& Gp = r.G.back();
    const ball_matrix& rp = r.rho.back();
    ball_matrix Gn(n), Kn(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        if (i == j) {  // κ₁(1) = κ₀(1) = 1
          Gn(i, i) = Gp(i, i);
          mpfi_add(Kn(i, i).get(), Gp(i, i).get(), K(i, i).get());
          continue;
        }
        ball sab, theta, s, t, gd;
        mpfi_mul(sab.get(), Gp(i, i).get(), Gp(j, j).get());
        mpfi_sqrt(sab.get(), sab.get());
        const ball& rho = rp(i, j);
        mpfi_acos(theta.get(), rho.get());
        mpfi_sqr(s.get(), rho.get());
        mpfi_ui_sub(s.get(), 1, s.get());
        if (mpfr_sgn(&s.get()->left) < 0) mpfr_set_zero(&s.get()->left, 1);
        mpfi_sqrt(s.get(), s.get());
        mpfi_sub(t.get(), pi.get(), theta.get());
        mpfi_mul(t.get(), t.get(), rho.get());
        mpfi_add(s.get(), s.get(), t.get());
        mpfi_div(s.get(), s.get(), pi.get());
        mpfi_mul(Gn(i, j).get(), s.get(), sab.get());
        mpfi_div(t.get(), theta.get(), pi.get());
        mpfi_ui_sub(gd.get(), 1, t.get());
        mpfi_mul(t.get(), K(i, j).get(), gd.get());
        mpfi_add(Kn(i, j).get(), Gn(i, j).get(), t.get());
      }
    K = Kn;
    r.G.push_back(Gn);
    r.rho.push_back(correlation(Gn));
  }
  r.K = K;
  return r;
}

// The chain's quantities, in the order of the links (see lib/driver/chain.hpp).
struct ref_chain {
  ball lambda_min, schur, hermite_all, upper, m;
  std::vector<ball> hermite, gershgorin, scale, ratio;
  std::vector<ball> gersh1;  // 1 − max_i Σ_{j≠i}|Ĝ^(1)_ij|^r, the precondition's quantity
};

// factor: 1 (paper), 1/d (neural-tangents), 2^-(L-1) (uci), given as divisor·2^pow2.
inline ref_chain reference_chain(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth,
                                 const std::vector<unsigned>& orders, double divisor, int pow2) {
  const ref_layers R = reference_layers(ds, pre, depth);
  const std::size_t n = ds.n, K = orders.size();
  ref_chain c;
  auto scale = [&](ball& x) {
    mpfi_div_d(x.get(), x.get(), divisor);
    mpfi_mul_2si(x.get(), x.get(), -pow2);
  };
  c.m = R.sqnorm[0];
  for (std::size_t i = 1; i < n; ++i) {
    mpfr_min(&c.m.get()->left, &c.m.get()->left, &R.sqnorm[i].get()->left, MPFR_RNDD);
    mpfr_min(&c.m.get()->right, &c.m.get()->right, &R.sqnorm[i].get()->right, MPFR_RNDU);
  }
  c.lambda_min = ref_lambda_min(R.K, true);
  scale(c.lambda_min);
  std::vector<ball> lg;
  for (int l = 1; l <= depth; ++l) lg.push_back(ref_lambda_min(R.G[l - 1], true));
  c.schur = ball(0.0);
  for (const ball& b : lg) mpfi_add(c.schur.get(), c.schur.get(), b.get());
  scale(c.schur);
  // Hadamard powers and Gershgorin quantities of Ĝ^(1..L-1).
  std::vector<std::vector<ball>> lp(depth > 1 ? depth - 1 : 0, std::vector<ball>(K));
  std::vector<std::vector<ball>> gs(depth > 1 ? depth - 1 : 1, std::vector<ball>(K));
  for (std::size_t l = 1; l <= gs.size(); ++l) {
    const ball_matrix& rho = R.rho[l - 1];
    for (std::size_t k = 0; k < K; ++k) {
      ball_matrix P(n);
      ball mx;
      for (std::size_t i = 0; i < n; ++i) {
        ball row(0.0), a;
        for (std::size_t j = 0; j < n; ++j) {
          mpfi_set(P(i, j).get(), rho(i, j).get());
          for (unsigned e = 1; e < orders[k]; ++e) mpfi_mul(P(i, j).get(), P(i, j).get(), rho(i, j).get());
          if (j == i) continue;
          mpfi_abs(a.get(), P(i, j).get());
          mpfi_add(row.get(), row.get(), a.get());
        }
        if (i == 0) {
          mx = row;
        } else {
          mpfr_max(&mx.get()->left, &mx.get()->left, &row.get()->left, MPFR_RNDD);
          mpfr_max(&mx.get()->right, &mx.get()->right, &row.get()->right, MPFR_RNDU);
        }
      }
      mpfi_ui_sub(gs[l - 1][k].get(), 1, mx.get());
      if (static_cast<int>(l) < depth) lp[l - 1][k] = ref_lambda_min(P, true);
    }
  }
  for (std::size_t k = 0; k < K; ++k) c.gersh1.push_back(gs[0][k]);
  ball all = lg[0];
  for (std::size_t k = 0; k < K; ++k) {
    const ball cr = ref_c(orders[k]);
    ball mc;
    mpfi_mul(mc.get(), c.m.get(), cr.get());
    ball h = lg[0], g(0.0), t;
    for (int l = 2; l <= depth; ++l) {
      mpfi_mul(t.get(), mc.get(), lp[l - 2][k].get());
      mpfi_add(h.get(), h.get(), t.get());
      mpfi_add(all.get(), all.get(), t.get());
      ball b = gs[l - 2][k];  // max(0, b)
      if (mpfr_sgn(&b.get()->left) < 0) mpfr_set_zero(&b.get()->left, 1);
      if (mpfr_sgn(&b.get()->right) < 0) mpfr_set_zero(&b.get()->right, 1);
      mpfi_mul(t.get(), mc.get(), b.get());
      mpfi_add(g.get(), g.get(), t.get());
    }
    scale(h);
    scale(g);
    c.hermite.push_back(h);
    c.gershgorin.push_back(g);
    ball s;
    mpfi_mul(s.get(), c.m.get(), cr.get());
    mpfi_div_ui(s.get(), s.get(), 2);
    scale(s);
    c.scale.push_back(s);
    ball ratio;
    mpfi_div(ratio.get(), c.lambda_min.get(), c.m.get());
    c.ratio.push_back(ratio);
  }
  scale(all);
  c.hermite_all = all;
  mpfi_mul_ui(c.upper.get(), c.m.get(), static_cast<unsigned long>(depth));
  scale(c.upper);
  return c;
}

}  // namespace chain_test
