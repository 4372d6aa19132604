// lib/lipschitz product / jacobian / local against independent exact references: rational forward
// passes and masked products (GMP), spectral norms from the MPFR Jacobi reference, and exact
// Lipschitz constants of tiny networks by enumerating activation patterns.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "base/progress.hpp"
#include "lipschitz/jacobian.hpp"
#include "lipschitz/local.hpp"
#include "lipschitz/product.hpp"
#include "reference.hpp"

using namespace ntk;
using namespace lip_test;
using ntk_test::ref_real;

namespace {

// Float forward pass (test's own): output of net at x.
std::vector<double> fwd(const network& net, const std::vector<double>& x) {
  std::vector<double> a = x;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    const std::size_t m = net.rows(l), k = net.cols(l);
    std::vector<double> z(m, 0.0);
    for (std::size_t i = 0; i < m; ++i) {
      double s = net.b(l) ? net.b(l)[i] : 0.0;
      for (std::size_t j = 0; j < k; ++j) s += net.W(l)[i * k + j] * a[j];
      z[i] = (l < net.depth()) ? std::max(s, 0.0) : s;
    }
    a = z;
  }
  return a;
}

double dist(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

std::size_t hidden_count(const network& net) {
  std::size_t h = 0;
  for (std::size_t l = 1; l < net.depth(); ++l) h += net.rows(l);
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lipschitz_bounds)

BOOST_AUTO_TEST_CASE(midrad_gemm_contains_exact_products) {
  std::mt19937_64 gen(11);
  std::normal_distribution<double> nd;
  std::uniform_real_distribution<double> ud(-1e-3, 1e-3);
  for (int trial = 0; trial < 12; ++trial) {
    const std::size_t m = 1 + trial % 4, n = 1 + (trial / 2) % 3, k = 2 + trial % 5;
    const bool ta = trial % 3 == 1, tb = trial % 4 == 2;
    // A' and B' (what the enclosure must contain), mid close to them, rad = 2 |A' - mid| (exact).
    std::vector<double> Ap(m * k), Am(m * k), Ar(m * k), Bp(k * n), Bm(k * n), Br(k * n);
    for (std::size_t t = 0; t < m * k; ++t) {
      Ap[t] = nd(gen) * std::ldexp(1.0, static_cast<int>(t % 7) - 3);
      Am[t] = Ap[t] * (1 + ud(gen));
      Ar[t] = 2 * std::fabs(Ap[t] - Am[t]);
    }
    for (std::size_t t = 0; t < k * n; ++t) {
      Bp[t] = nd(gen);
      Bm[t] = Bp[t] * (1 + ud(gen));
      Br[t] = 2 * std::fabs(Bp[t] - Bm[t]);
    }
    std::vector<double> Cm(m * n), Cr(m * n);
    const bool arad = trial % 2 == 0, brad = trial % 5 != 0;
    midrad_operand A{arad ? Am.data() : Ap.data(), arad ? Ar.data() : nullptr, nullptr, ta};
    midrad_operand B{brad ? Bm.data() : Bp.data(), brad ? Br.data() : nullptr, nullptr, tb};
    midrad_gemm(m, n, k, A, B, Cm.data(), Cr.data());
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        mpq_class s(0);
        for (std::size_t t = 0; t < k; ++t) {
          const double a = ta ? Ap[t * m + i] : Ap[i * k + t];
          const double b = tb ? Bp[j * k + t] : Bp[t * n + j];
          s += q(a) * q(b);
        }
        const mpq_class d = abs(s - q(Cm[i * n + j]));
        BOOST_TEST(cmp(d, q(Cr[i * n + j])) <= 0, "trial " << trial << " entry " << i << "," << j);
      }
  }
}

BOOST_AUTO_TEST_CASE(forward_enclosure_contains_exact_pass_and_signs) {
  std::mt19937_64 gen(12);
  std::normal_distribution<double> nd;
  for (int trial = 0; trial < 8; ++trial) {
    const network net = random_net({5, 7, 6, 3}, gen, trial % 2 ? 0.3 : 0.0);
    scaled_point x;
    x.v.resize(5);
    for (auto& t : x.v) t = std::round(nd(gen) * 100);
    x.num = 1;
    x.den = trial % 3 == 0 ? 1 : 255;
    qvec xq(5);
    for (std::size_t j = 0; j < 5; ++j) xq[j] = q(x.v[j]) / q(x.den);
    const auto exact = exact_forward(net, xq);
    const forward_bounds fb = forward_enclose(net, enclose_point(x));
    for (std::size_t l = 0; l < exact.size(); ++l)
      for (std::size_t i = 0; i < exact[l].size(); ++i) {
        BOOST_TEST(cmp(q(fb.pre[l][i].lo), exact[l][i]) <= 0);
        BOOST_TEST(cmp(q(fb.pre[l][i].hi), exact[l][i]) >= 0);
      }
    const std::vector<int> s = hidden_signs(net, fb), e = exact_hidden_signs(net, x, 1u << 20);
    BOOST_TEST(e.size() == hidden_count(net));
    std::size_t idx = 0;
    for (std::size_t l = 0; l + 1 < exact.size(); ++l)
      for (std::size_t i = 0; i < exact[l].size(); ++i, ++idx) {
        BOOST_TEST(e[idx] == sgn(exact[l][i]));
        if (s[idx] != 0) BOOST_TEST(s[idx] == sgn(exact[l][i]));
      }
  }
}

BOOST_AUTO_TEST_CASE(product_brackets_jacobi_reference) {
  std::mt19937_64 gen(13);
  const network net = random_net({6, 9, 4, 3}, gen);
  const product_bound pb = lipschitz_product(net);
  BOOST_TEST(pb.layers.size() == 3u);
  mpfr_t prod;
  mpfr_init2(prod, 400);
  mpfr_set_ui(prod, 1, MPFR_RNDN);
  for (std::size_t l = 1; l <= 3; ++l) {
    qvec W(net.W(l).size());
    for (std::size_t t = 0; t < W.size(); ++t) W[t] = q(net.W(l)[t]);
    const norm_sq_enclosure e = exact_norm_sq(W, net.rows(l), net.cols(l));
    BOOST_TEST(sq_ge(pb.layers[l - 1].upper, e.lo));  // upper^2 >= ||W||^2
    BOOST_TEST(sq_le(pb.layers[l - 1].lower, e.hi));  // lower^2 <= ||W||^2
    BOOST_TEST(std::fabs(pb.layers[l - 1].power_iteration - pb.layers[l - 1].upper) <= 1e-8 * pb.layers[l - 1].upper);
    mpfr_mul(prod, prod, e.lo.backend().data(), MPFR_RNDD);
  }
  // upper^2 >= prod ||W_l||^2
  mpfr_t u;
  mpfr_init2(u, 120);
  mpfr_set_d(u, pb.upper, MPFR_RNDN);
  mpfr_sqr(u, u, MPFR_RNDN);
  BOOST_TEST(mpfr_cmp(u, prod) >= 0);
  mpfr_clears(prod, u, static_cast<mpfr_ptr>(nullptr));
}

// Tiny networks: the exact Lipschitz constant is max ||W_L D ... W_1|| over realisable patterns.
// Upper side of the reference: the max over ALL patterns; lower side: the max over patterns realised
// at sampled points (signs checked exactly). One hidden layer with n_0 >= n_1 and W_1 of full row
// rank (no biases): every pattern is realisable and both sides agree.
BOOST_AUTO_TEST_CASE(tiny_networks_exact_constant_by_patterns) {
  std::mt19937_64 gen(14);
  std::normal_distribution<double> nd;
  struct shape {
    std::vector<std::size_t> w;
    bool all_realisable;
  };
  for (const shape& sh : {shape{{3, 2, 2}, true}, shape{{4, 3, 1}, true}, shape{{3, 3, 2}, true},
                          shape{{3, 2, 3, 2}, false}, shape{{2, 3, 2, 1}, false}}) {
    for (int rep = 0; rep < 2; ++rep) {
      const network net = random_net(sh.w, gen);
      const std::size_t h = hidden_count(net);
      ref_real all_max_hi, seen_max_lo;
      mpfr_set_prec(all_max_hi.backend().data(), 256);
      mpfr_set_prec(seen_max_lo.backend().data(), 256);
      mpfr_set_zero(all_max_hi.backend().data(), 1);
      mpfr_set_zero(seen_max_lo.backend().data(), 1);
      std::vector<ref_real> pattern_lo(1u << h);
      for (unsigned p = 0; p < (1u << h); ++p) {
        std::vector<char> mask(h);
        for (std::size_t i = 0; i < h; ++i) mask[i] = (p >> i) & 1;
        const norm_sq_enclosure e = exact_norm_sq(exact_masked_product(net, mask), net.widths.back(), net.widths[0]);
        if (mpfr_cmp(e.hi.backend().data(), all_max_hi.backend().data()) > 0) all_max_hi = e.hi;
        pattern_lo[p] = e.lo;
      }
      // Patterns realised at sampled points (exact signs).
      std::vector<char> realised(1u << h, 0);
      for (int s = 0; s < 400; ++s) {
        qvec x(net.widths[0]);
        for (auto& t : x) t = q(nd(gen));
        const auto pre = exact_forward(net, x);
        unsigned p = 0;
        std::size_t idx = 0;
        bool zero = false;
        for (std::size_t l = 0; l + 1 < pre.size(); ++l)
          for (const auto& z : pre[l]) {
            if (sgn(z) == 0) zero = true;
            if (sgn(z) > 0) p |= 1u << idx;
            ++idx;
          }
        if (!zero) realised[p] = 1;
      }
      for (unsigned p = 0; p < (1u << h); ++p)
        if (realised[p] || sh.all_realisable)
          if (mpfr_cmp(pattern_lo[p].backend().data(), seen_max_lo.backend().data()) > 0) seen_max_lo = pattern_lo[p];

      const product_bound pb = lipschitz_product(net);
      jacobian_search_options o;
      o.time_limit = 0.2;
      o.seed = static_cast<std::uint64_t>(rep);
      const jacobian_search_result js = jacobian_lower_search(net, nullptr, 0, 1, 1, o);
      BOOST_TEST_CONTEXT("widths " << sh.w.size() << " rep " << rep) {
        BOOST_TEST(js.lower > 0);
        BOOST_TEST(sq_le(js.lower, all_max_hi));   // lower <= exact
        BOOST_TEST(sq_ge(pb.upper, seen_max_lo));  // upper >= exact
        if (sh.all_realisable) {
          // The search finds the best pattern: lower within 1e-12 of the exact constant.
          BOOST_TEST(sq_ge(js.lower * (1 + 1e-12), seen_max_lo));
        }
        // Local brackets on a large l2 ball: lower <= exact, upper >= lower.
        std::vector<double> row(net.widths[0]);
        for (auto& t : row) t = nd(gen);
        local_options lo;
        lo.radius = 10;
        lo.norm = ball_norm::l2;
        null_progress np;
        const local_result lr = local_lipschitz(net, row, 1, 1, 1, lo, np);
        BOOST_TEST(sq_le(lr.points[0].lower, all_max_hi));
        BOOST_TEST(lr.points[0].lower <= lr.points[0].upper);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(single_linear_layer_lower_equals_upper) {
  std::mt19937_64 gen(15);
  for (const auto& w : {std::vector<std::size_t>{5, 3}, std::vector<std::size_t>{2, 7}, std::vector<std::size_t>{30, 30}}) {
    const network net = random_net(w, gen, 0.5);
    const product_bound pb = lipschitz_product(net);
    jacobian_search_options o;
    o.time_limit = 0;
    o.random_points = 2;
    const jacobian_search_result js = jacobian_lower_search(net, nullptr, 0, 1, 1, o);
    BOOST_TEST(js.lower > 0);
    BOOST_TEST(js.lower <= pb.upper);
    BOOST_TEST((pb.upper - js.lower) <= 1e-12 * pb.upper);
    std::vector<double> row(w[0], 0.25);
    local_options lo;
    lo.radius = 0.5;
    null_progress np;
    const local_result lr = local_lipschitz(net, row, 1, 1, 1, lo, np);
    BOOST_TEST(lr.points[0].stable);
    BOOST_TEST(lr.all_stable == 1u);
    BOOST_TEST((lr.points[0].upper - lr.points[0].lower) <= 1e-12 * lr.points[0].upper);
  }
}

BOOST_AUTO_TEST_CASE(zero_preactivation_is_refined_or_skipped) {
  network net;
  net.widths = {2, 2, 1};
  net.weights = {{1.0, -1.0, 1.0, 1.0}, {1.0, 2.0}};
  net.biases = {{}, {}};
  // x = (1, 1): the first neuron's pre-activation is exactly 0.
  const point_lower p0 = jacobian_lower_at(net, scaled_point{{1.0, 1.0}, 1, 1});
  BOOST_TEST((p0.status == point_status::zero_preactivation));
  BOOST_TEST(p0.lower == 0.0);
  // Without the rational pass: undecided, never certified.
  const point_lower pu = jacobian_lower_at(net, scaled_point{{1.0, 1.0}, 1, 1}, 0);
  BOOST_TEST((pu.status == point_status::undecided));
  // x = (1, 1 + 2^-52): the sign is -1, decided (exactly or by the intervals); J = (0, 0; 1, 1) masked:
  // J = W_2 D W_1 = 2 * (1, 1), norm 2 sqrt(2).
  const point_lower p1 = jacobian_lower_at(net, scaled_point{{1.0, 1.0 + 0x1p-52}, 1, 1});
  BOOST_TEST((p1.status == point_status::certified));
  BOOST_TEST(p1.mask.size() == 2u);
  BOOST_TEST(p1.mask[0] == 0);
  BOOST_TEST(p1.mask[1] == 1);
  BOOST_TEST(p1.lower <= 2 * std::sqrt(2.0));
  BOOST_TEST(p1.lower >= 2 * std::sqrt(2.0) * (1 - 1e-14));
  // A scaled point (1/3, 1/3) * 3 = (1, 1) exactly in rationals, not as doubles: still zero.
  const point_lower p2 = jacobian_lower_at(net, scaled_point{{1.0, 1.0}, 3, 3});
  BOOST_TEST((p2.status == point_status::zero_preactivation));
  // A scaled point (1/255, 2/255): both neurons decided.
  const point_lower p3 = jacobian_lower_at(net, scaled_point{{1.0, 2.0}, 1, 255});
  BOOST_TEST((p3.status == point_status::certified));
}

BOOST_AUTO_TEST_CASE(local_stable_rows_coincide_and_upper_dominates_samples) {
  std::mt19937_64 gen(16);
  std::normal_distribution<double> nd;
  std::uniform_real_distribution<double> ud(-1, 1);
  network net = random_net({8, 12, 10, 3}, gen, 0.5);
  // Rows: the first has large positive biases around it (all neurons stable on a small ball).
  network stable_net = net;
  for (auto& b : stable_net.biases)
    for (auto& t : b) t = 5 + std::fabs(t);
  const std::size_t rows = 6;
  std::vector<double> x(rows * 8);
  for (auto& t : x) t = std::round(nd(gen) * 255);
  for (ball_norm nm : {ball_norm::linf, ball_norm::l2}) {
    local_options lo;
    lo.radius = 0.05;
    lo.norm = nm;
    null_progress np;
    const local_result st = local_lipschitz(stable_net, x, rows, 1, 255, lo, np);
    for (const auto& p : st.points) {
      BOOST_TEST(p.stable);
      BOOST_TEST(p.lower > 0);
      BOOST_TEST((p.upper - p.lower) <= 1e-12 * p.upper);
    }
    BOOST_TEST(st.all_stable == rows);
    // The general network on a larger ball: bounds bracket float difference quotients of pairs in
    // the ball, and the pre-activation enclosures contain the exact ones at sampled points.
    lo.radius = 0.3;
    const local_result lr = local_lipschitz(net, x, rows, 1, 255, lo, np);
    for (std::size_t r = 0; r < rows; ++r) {
      const auto& p = lr.points[r];
      BOOST_TEST(p.lower <= p.upper);
      std::vector<double> lo_b, hi_b;
      ball_preactivation_bounds(net, x.data() + r * 8, 1, 255, lo.radius, nm, lo_b, hi_b);
      std::size_t unstable = 0;
      for (std::size_t i = 0; i < lo_b.size(); ++i)
        if (!(lo_b[i] > 0 || hi_b[i] < 0)) ++unstable;
      BOOST_TEST(p.unstable == unstable);
      BOOST_TEST(p.stable == (unstable == 0));
      for (int s = 0; s < 30; ++s) {
        std::vector<double> a(8), b(8);
        for (auto* v : {&a, &b}) {
          std::vector<double> d(8);
          double nn = 0;
          for (auto& t : d) {
            t = ud(gen);
            nn += t * t;
          }
          for (std::size_t j = 0; j < 8; ++j) {
            const double f = nm == ball_norm::linf ? 0.99 * lo.radius : 0.99 * lo.radius / std::sqrt(nn);
            (*v)[j] = x[r * 8 + j] / 255 + f * d[j];
          }
        }
        const double ratio = dist(fwd(net, a), fwd(net, b)) / dist(a, b);
        BOOST_TEST(ratio <= p.upper * (1 + 1e-9));
        // Exact pre-activations at a (a lies in the ball up to float rounding of x/255 + f d, far
        // inside since f uses 0.99 eps).
        qvec aq(8);
        for (std::size_t j = 0; j < 8; ++j) aq[j] = q(a[j]);
        const auto pre = exact_forward(net, aq);
        std::size_t idx = 0;
        for (std::size_t l = 0; l + 1 < pre.size(); ++l)
          for (const auto& z : pre[l]) {
            BOOST_TEST(cmp(q(lo_b[idx]), z) <= 0);
            BOOST_TEST(cmp(q(hi_b[idx]), z) >= 0);
            ++idx;
          }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(random_stress_upper_dominates_sampled_ratios) {
  std::mt19937_64 gen(17);
  std::normal_distribution<double> nd;
  for (int trial = 0; trial < 6; ++trial) {
    const network net = random_net({6, 10, 8, 2 + static_cast<std::size_t>(trial % 3)}, gen, trial % 2 ? 0.2 : 0.0);
    const product_bound pb = lipschitz_product(net);
    jacobian_search_options o;
    o.time_limit = 0.1;
    o.seed = static_cast<std::uint64_t>(trial);
    const jacobian_search_result js = jacobian_lower_search(net, nullptr, 0, 1, 1, o);
    BOOST_TEST(js.lower <= pb.upper);
    BOOST_TEST(js.lower > 0);
    double best = 0;
    for (int s = 0; s < 2000; ++s) {
      std::vector<double> a(6), b(6);
      for (auto& t : a) t = nd(gen);
      const double step = std::ldexp(1.0, -(s % 20));
      for (std::size_t j = 0; j < 6; ++j) b[j] = a[j] + step * nd(gen);
      const double r = dist(fwd(net, a), fwd(net, b)) / dist(a, b);
      best = std::max(best, r);
      BOOST_TEST(r <= pb.upper * (1 + 1e-9));
    }
    // Pair ratios certified from data rows bound the constant from below as well.
    scaled_point x{{1, 2, 3, 4, 5, 6}, 1, 7}, y{{1, 2, 3, 4, 5, 7}, 1, 7};
    const double pr = pair_ratio_lower(net, x, y);
    BOOST_TEST(pr <= pb.upper);
    const double fr = dist(fwd(net, {1. / 7, 2. / 7, 3. / 7, 4. / 7, 5. / 7, 6. / 7}), fwd(net, {1. / 7, 2. / 7, 3. / 7, 4. / 7, 5. / 7, 1.}));
    BOOST_TEST(std::fabs(pr - fr * 7) <= 1e-9 * std::max(1.0, fr * 7));
  }
}

BOOST_AUTO_TEST_SUITE_END()
