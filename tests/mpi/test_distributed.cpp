// The MPI-free parts of certify-mpi (lib/distributed): the block-cyclic layout, the kernel entries
// each process computes, exact centring, and the two a-priori bounds, against independent
// computations (brute-force ownership, a plain 300-bit MPFI NTK from closed forms written here,
// exact rational centring with GMP, MPFR at 2048 bits for the Rayleigh quotient and the constant).
#define BOOST_TEST_MODULE distributed
#include <boost/test/unit_test.hpp>

#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "../common/ntk_reference.hpp"
#include "../common/random_matrices.hpp"
#include "data/dataset.hpp"
#include "distributed/block_cyclic.hpp"
#include "distributed/bounds.hpp"
#include "distributed/kernel_blocks.hpp"
#include "interval/rounding.hpp"
#include "kernel/convention.hpp"

using namespace ntk;
using namespace ntk::distributed;

namespace {

constexpr long bits = 300;
using ball = ntk_reference::ball<bits>;

// K^(L)_ij · f by the closed forms of docs/math.md §2 in MPFI (θ = acos ρ, κ₁ = (sin θ + (π - θ)ρ)/π,
// κ₀ = 1 - θ/π, K̂ = κ₁ + K̂ κ₀), from the Gram matrix of the preprocessed rows.
ntk_reference::ball_matrix<bits> reference_kernel(const dataset& ds, const preprocessing& pre, int depth,
                                                 kernel_convention conv) {
  const std::size_t n = ds.n;
  const auto rows = ntk_reference::preprocessed_rows<bits>(ds, pre);
  const auto G = ntk_reference::gram<bits>(rows, n, ds.d);
  ntk_reference::ball_matrix<bits> K(n);
  ball pi, one(1.0), m1(-1.0), box, t, th, s, k1, k0, kh, rho, nrm;
  mpfi_const_pi(pi.get());
  mpfi_interv_d(box.get(), -1.0, 1.0);
  const convention_factor f = kernel_convention_factor(conv, ds.d, depth);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      mpfi_mul(nrm.get(), G(i, i).get(), G(j, j).get());
      mpfi_sqrt(nrm.get(), nrm.get());  // ‖x_i‖‖x_j‖
      if (i == j) {
        mpfi_mul_ui(kh.get(), G(i, i).get(), static_cast<unsigned long>(depth));
      } else {
        mpfi_div(rho.get(), G(i, j).get(), nrm.get());
        mpfi_intersect(rho.get(), rho.get(), box.get());
        mpfi_set(kh.get(), rho.get());
        for (int l = 2; l <= depth; ++l) {
          mpfi_acos(th.get(), rho.get());
          mpfi_sqr(t.get(), rho.get());
          mpfi_ui_sub(t.get(), 1, t.get());
          mpfi_interv_d(s.get(), 0.0, 1.0);
          mpfi_intersect(t.get(), t.get(), s.get());
          mpfi_sqrt(s.get(), t.get());                 // sin θ
          mpfi_sub(t.get(), pi.get(), th.get());
          mpfi_mul(t.get(), t.get(), rho.get());
          mpfi_add(k1.get(), s.get(), t.get());
          mpfi_div(k1.get(), k1.get(), pi.get());      // κ₁
          mpfi_div(k0.get(), th.get(), pi.get());
          mpfi_ui_sub(k0.get(), 1, k0.get());          // κ₀
          mpfi_mul(kh.get(), kh.get(), k0.get());
          mpfi_add(kh.get(), kh.get(), k1.get());
          mpfi_intersect(rho.get(), k1.get(), box.get());
        }
        mpfi_mul(kh.get(), kh.get(), nrm.get());
      }
      mpfi_div_d(kh.get(), kh.get(), f.divisor);
      mpfi_div_2si(kh.get(), kh.get(), f.pow2);
      K(i, j) = kh;
    }
  return K;
}

dataset random_doubles(std::size_t n, std::size_t d, std::mt19937_64& gen) {
  dataset ds;
  ds.source = "random";
  ds.n = n;
  ds.d = d;
  std::normal_distribution<double> nd;
  for (std::size_t t = 0; t < n * d; ++t) ds.x.push_back(nd(gen));
  return ds;
}

dataset random_pixels(std::size_t n, std::size_t d, std::mt19937_64& gen) {
  dataset ds;
  ds.source = "pixels";
  ds.n = n;
  ds.d = d;
  ds.scale_den = 255;
  std::uniform_int_distribution<int> u(0, 255);
  for (std::size_t t = 0; t < n * d; ++t) ds.x.push_back(u(gen));
  // Two nearly parallel rows: a row and its copy with one pixel changed.
  std::copy(ds.x.begin(), ds.x.begin() + static_cast<long>(d), ds.x.begin() + static_cast<long>(d));
  ds.x[d] = ds.x[0] == 255 ? 254 : ds.x[0] + 1;
  return ds;
}

}  // namespace

BOOST_AUTO_TEST_CASE(layout_against_brute_force) {
  for (int n : {1, 7, 50, 101})
    for (int nb : {1, 4, 16, 64})
      for (auto [pr, pc] : std::vector<std::pair<int, int>>{{1, 1}, {2, 1}, {1, 3}, {2, 3}, {3, 2}}) {
        std::vector<int> owners(static_cast<std::size_t>(n) * n, 0);
        int rows_total = 0, cols_total = 0;
        for (int p = 0; p < pr; ++p)
          for (int q = 0; q < pc; ++q) {
            const block_cyclic L = make_layout(n, nb, pr, pc, p, q);
            // Independent count: rows g with (g / nb) % pr == p.
            int brute_rows = 0, brute_cols = 0;
            for (int g = 0; g < n; ++g) {
              brute_rows += (g / nb) % pr == p;
              brute_cols += (g / nb) % pc == q;
            }
            BOOST_TEST(L.mloc == brute_rows);
            BOOST_TEST(L.nloc == brute_cols);
            if (q == 0) rows_total += L.mloc;
            if (p == 0) cols_total += L.nloc;
            for (int lr = 0; lr < L.mloc; ++lr) {
              const int g = L.global_row(lr);
              BOOST_TEST(L.owner_row(g) == p);
              BOOST_TEST(L.local_row(g) == lr);
              for (int lc = 0; lc < L.nloc; ++lc) ++owners[static_cast<std::size_t>(g) * n + L.global_col(lc)];
            }
          }
        BOOST_TEST(rows_total == n);
        BOOST_TEST(cols_total == n);
        BOOST_TEST(std::all_of(owners.begin(), owners.end(), [](int c) { return c == 1; }));
      }
}

BOOST_AUTO_TEST_CASE(centre_exactly_is_exact) {
  std::mt19937_64 gen(11);
  for (std::size_t n : {1u, 2u, 9u, 40u}) {
    const dataset ds = random_pixels(std::max<std::size_t>(n, 2), 6, gen);
    dataset c;
    BOOST_REQUIRE(centre_exactly(ds, c));
    // scale'·row'_ik == scale·(x_ik - mean_k) exactly, as rationals (GMP).
    mpq_t lhs, rhs, mean, t;
    mpq_inits(lhs, rhs, mean, t, nullptr);
    for (std::size_t k = 0; k < ds.d; ++k) {
      mpq_set_ui(mean, 0, 1);
      for (std::size_t i = 0; i < ds.n; ++i) {
        mpq_set_d(t, ds.x[i * ds.d + k]);
        mpq_add(mean, mean, t);
      }
      mpq_set_ui(t, static_cast<unsigned long>(ds.n), 1);
      mpq_div(mean, mean, t);
      for (std::size_t i = 0; i < ds.n; ++i) {
        mpq_set_d(rhs, ds.x[i * ds.d + k]);
        mpq_sub(rhs, rhs, mean);
        mpq_set_d(t, ds.scale_num);
        mpq_mul(rhs, rhs, t);
        mpq_set_d(t, ds.scale_den);
        mpq_div(rhs, rhs, t);
        mpq_set_d(lhs, c.x[i * ds.d + k]);
        mpq_set_d(t, c.scale_num);
        mpq_mul(lhs, lhs, t);
        mpq_set_d(t, c.scale_den);
        mpq_div(lhs, lhs, t);
        BOOST_TEST(mpq_equal(lhs, rhs) != 0);
      }
    }
    mpq_clears(lhs, rhs, mean, t, nullptr);
  }
  // Arbitrary doubles do not centre exactly: refused, not approximated.
  dataset c;
  const dataset r = random_doubles(20, 4, gen);
  BOOST_TEST(!centre_exactly(r, c));
}

BOOST_AUTO_TEST_CASE(local_entries_contain_the_reference) {
  std::mt19937_64 gen(2024);
  struct cfg {
    bool pixels;
    bool center;
    normalization norm;
    int depth;
    kernel_convention conv;
  };
  const std::vector<cfg> cfgs = {
      {false, false, normalization::none, 3, kernel_convention::paper},
      {false, false, normalization::sphere, 5, kernel_convention::neural_tangents},
      {true, true, normalization::sphere, 3, kernel_convention::paper},
      {true, true, normalization::none, 2, kernel_convention::uci},
      {true, false, normalization::unit, 4, kernel_convention::paper},
      {false, false, normalization::unit, 1, kernel_convention::paper},
  };
  for (const cfg& c : cfgs) {
    const std::size_t n = 23, d = 7;
    const dataset ds = c.pixels ? random_pixels(n, d, gen) : random_doubles(n, d, gen);
    preprocessing pre;
    pre.center = c.center;
    pre.normalize = c.norm;
    const auto ref = reference_kernel(ds, pre, c.depth, c.conv);
    dataset rows = ds;
    if (c.center) BOOST_REQUIRE(centre_exactly(ds, rows));
    for (auto [pr, pc, nb] : std::vector<std::tuple<int, int, int>>{{1, 1, 64}, {2, 3, 4}, {3, 1, 5}}) {
      std::vector<int> seen(n * n, 0);
      std::vector<double> rowsum(n, 0.0);
      for (int p = 0; p < pr; ++p)
        for (int q = 0; q < pc; ++q) {
          const block_cyclic L = make_layout(static_cast<int>(n), nb, pr, pc, p, q);
          const local_kernel K = compute_local_kernel(rows, pre, c.depth, c.conv, L);
          BOOST_TEST(K.finite);
          for (std::size_t i = 0; i < n; ++i) rowsum[i] = round_up(rowsum[i] + K.rad_rowsum[i]);
          for (int lr = 0; lr < L.mloc; ++lr)
            for (int lc = 0; lc < L.nloc; ++lc) {
              const int i = L.global_row(lr), j = L.global_col(lc);
              const double m = K.mid[L.at(lr, lc)];
              if (i < j) {
                BOOST_TEST(m == 0.0);
                continue;
              }
              ++seen[static_cast<std::size_t>(i) * n + j];
              const ball& r = ref(i, j);
              if (i == j) {
                // Diagonal at its lower endpoint; its width is at most max_diag_rad.
                BOOST_TEST(m <= r.lo());
                BOOST_TEST(r.hi() <= m + K.max_diag_rad * (1 + 1e-15) + 1e-300);
              } else {
                // Off the diagonal the radius is not stored; the true value lies within the
                // radius, and the radius is part of row sum i: |K - m| <= rowsum_i (checked below
                // with the summed row sums).
                const double err = std::max(std::fabs(r.lo() - m), std::fabs(r.hi() - m));
                BOOST_TEST(err <= 1e-9 * std::max(1.0, std::fabs(m)));
              }
            }
        }
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j <= i; ++j) BOOST_TEST(seen[i * n + j] == 1);
      // Every true entry lies within mid ± (its row's radius sum) in both of its rows.
      for (int p = 0; p < pr; ++p)
        for (int q = 0; q < pc; ++q) {
          const block_cyclic L = make_layout(static_cast<int>(n), nb, pr, pc, p, q);
          const local_kernel K = compute_local_kernel(rows, pre, c.depth, c.conv, L);
          for (int lr = 0; lr < L.mloc; ++lr)
            for (int lc = 0; lc < L.nloc; ++lc) {
              const int i = L.global_row(lr), j = L.global_col(lc);
              if (i <= j) continue;
              const double m = K.mid[L.at(lr, lc)];
              const ball& r = ref(i, j);
              const double reach = std::min(rowsum[i], rowsum[j]);
              BOOST_TEST(m - reach <= r.lo());
              BOOST_TEST(r.hi() <= m + reach);
            }
        }
    }
  }
}

BOOST_AUTO_TEST_CASE(rayleigh_bound_against_2048_bits) {
  std::mt19937_64 gen(77);
  std::normal_distribution<double> nd;
  std::uniform_real_distribution<double> ud(0.0, 1.0);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = 5 + static_cast<std::size_t>(trial) * 5;
    const double scale = std::ldexp(1.0, static_cast<int>(trial % 9) * 7 - 20);
    std::vector<double> M(n * n), R(n * n), v(n);
    const bool near_null = trial % 2 == 1;  // v'Mv tiny against |v|'|M||v|: rounding errors dominate
    std::vector<double> Q;
    if (near_null) Q = ntk_test::random_orthogonal(n, gen);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        double m = 0;
        if (near_null) {
          for (std::size_t k = 0; k < n; ++k)
            m += Q[i * n + k] * Q[j * n + k] * (k == 0 ? 1e-9 : static_cast<double>(k)) * scale;
        } else {
          m = nd(gen) * scale + (i == j ? 3 * scale * static_cast<double>(n) : 0.0);
        }
        const double r = trial % 3 != 2 ? 0.0 : ud(gen) * scale * 1e-9;
        M[i * n + j] = M[j * n + i] = m;
        R[i * n + j] = R[j * n + i] = r;
      }
    for (std::size_t i = 0; i < n; ++i) v[i] = near_null ? Q[i * n] : nd(gen);
    double vm = 0;
    for (double t : v) vm = std::max(vm, std::fabs(t));
    for (auto& t : v) t = std::ldexp(t, -std::ilogb(vm));
    // w, b in a random order per row, with FMA (the bound allows any order).
    std::vector<double> w(n), b(n), rs(n, 0.0);
    std::vector<std::size_t> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::shuffle(perm.begin(), perm.end(), gen);
      double s = 0, a = 0, q = 0;
      for (std::size_t j : perm) {
        s = std::fma(M[i * n + j], v[j], s);
        a += std::fabs(M[i * n + j]) * std::fabs(v[j]);
        q = round_up(q + R[i * n + j]);
      }
      w[i] = s;
      b[i] = a;
      rs[i] = q;
    }
    const double rho = *std::max_element(rs.begin(), rs.end());
    const double up = rayleigh_upper_from_products(v, w, b, rho);
    BOOST_REQUIRE(std::isfinite(up));
    // Exact: max over X of v'Xv / v'v = (v'Mv + |v|'R|v|) / v'v (the vertex X = M + sign(v v')∘R).
    mpfr_t num, den, t, q;
    mpfr_inits2(2048, num, den, t, q, nullptr);
    mpfr_set_zero(num, 1);
    mpfr_set_zero(den, 1);
    for (std::size_t i = 0; i < n; ++i) {
      mpfr_set_d(t, v[i], MPFR_RNDN);
      mpfr_mul_d(t, t, v[i], MPFR_RNDN);
      mpfr_add(den, den, t, MPFR_RNDN);
      for (std::size_t j = 0; j < n; ++j) {
        mpfr_set_d(t, v[i], MPFR_RNDN);
        mpfr_mul_d(t, t, v[j], MPFR_RNDN);
        mpfr_mul_d(t, t, M[i * n + j], MPFR_RNDN);
        mpfr_add(num, num, t, MPFR_RNDN);
        mpfr_set_d(t, std::fabs(v[i]), MPFR_RNDN);
        mpfr_mul_d(t, t, std::fabs(v[j]), MPFR_RNDN);
        mpfr_mul_d(t, t, R[i * n + j], MPFR_RNDN);
        mpfr_add(num, num, t, MPFR_RNDN);
      }
    }
    mpfr_div(q, num, den, MPFR_RNDU);
    BOOST_TEST(mpfr_cmp_d(q, up) <= 0, "trial " << trial << ": bound " << up << " below " << mpfr_get_d(q, MPFR_RNDN));
    // Not uselessly loose: within a few hundred n u of the largest entry.
    const double exact = mpfr_get_d(q, MPFR_RNDN);
    BOOST_TEST(up - exact <= 1e-11 * scale * static_cast<double>(n * n) + 4 * rho);
    mpfr_clears(num, den, t, q, nullptr);
  }
  // Preconditions: a vector that is not scaled into [1, 2), a zero vector, a negative b.
  std::vector<double> v = {0.5, 0.25}, w = {1, 1}, b = {1, 1};
  BOOST_TEST(std::isinf(rayleigh_upper_from_products(v, w, b, 0.0)));
  v = {0, 0};
  BOOST_TEST(std::isinf(rayleigh_upper_from_products(v, w, b, 0.0)));
  v = {1, 0};
  b = {-1, 1};
  BOOST_TEST(std::isinf(rayleigh_upper_from_products(v, w, b, 0.0)));
}

BOOST_AUTO_TEST_CASE(reciprocal_constant_against_2048_bits) {
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> ud(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t n = 1 + static_cast<std::size_t>(ud(gen) * 100000);
    const double tr = ud(gen) * std::ldexp(1.0, static_cast<int>(ud(gen) * 80) - 20);
    const double mx = ud(gen) * tr;
    const double c = cholesky_constant_reciprocal(n, tr, mx);
    mpfr_t u, g, a, e, ref;
    mpfr_inits2(2048, u, g, a, e, ref, nullptr);
    mpfr_set_ui_2exp(u, 1, -52, MPFR_RNDN);
    mpfr_set_ui_2exp(a, 1, -106, MPFR_RNDN);
    mpfr_mul_2ui(a, a, 2, MPFR_RNDN);  // 4u² = 2^-104
    mpfr_add(u, u, a, MPFR_RNDN);      // u' = 2u + 4u²
    mpfr_mul_ui(g, u, n + 1, MPFR_RNDN);
    mpfr_ui_sub(a, 1, g, MPFR_RNDN);
    mpfr_div(g, g, a, MPFR_RNDN);      // γ'_{n+1}
    mpfr_mul_d(ref, g, tr, MPFR_RNDN);
    mpfr_set_d(e, mx, MPFR_RNDN);
    mpfr_add_ui(e, e, 2 * (n + 1), MPFR_RNDN);
    mpfr_mul_ui(e, e, n, MPFR_RNDN);
    mpfr_mul_2si(e, e, -1071, MPFR_RNDN);  // 4 · 2η · n (2(n+1) + max)
    mpfr_add(ref, ref, e, MPFR_RNDN);
    BOOST_TEST(mpfr_cmp_d(ref, c) <= 0);
    BOOST_TEST(c <= mpfr_get_d(ref, MPFR_RNDU) * (1 + 1e-13) + 1e-300);
    // About twice the true-division constant (n+1)u/(1-(n+1)u) tr.
    const double division = static_cast<double>(n + 1) * 0x1p-53 * tr;
    BOOST_TEST(c >= 1.99 * division);
    mpfr_clears(u, g, a, e, ref, nullptr);
  }
  BOOST_TEST(std::isinf(cholesky_constant_reciprocal(std::size_t(1) << 52, 1.0, 1.0)));
  BOOST_TEST(std::isinf(cholesky_constant_reciprocal(10, -1.0, 1.0)));
}
