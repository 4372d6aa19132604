// tests/empirical: the empirical NTK K̄ = JJᵀ (lib/empirical) against an independent explicit-
// Jacobian computation (reference.hpp: exact rationals, or MPFR at 2048 bits for normalised rows),
// λ_min against the MPFR Jacobi reference, exact activation ties, escalation on near-duplicate rows,
// and the convergence of (∏ 2/n_l) K̄ to the limiting K^(L) as the widths grow.
#define BOOST_TEST_MODULE empirical
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "empirical/empirical.hpp"
#include "empirical/empirical_kernel.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "reference.hpp"

using namespace ntk;
using emp_test::random_test_data;
using emp_test::random_test_network;
using ntk_test::ref_real;

namespace {

// lo <= q <= hi exactly.
bool contains_q(double lo, double hi, const mpq_class& q) {
  return mpq_class(lo) <= q && q <= mpq_class(hi);
}
bool contains_q(const dinterval& x, const mpq_class& q) { return contains_q(x.lo, x.hi, q); }
bool contains_q(const minterval& x, const mpq_class& q) {
  return mpfr_cmp_q(&mpfi_of(x)->left, q.get_mpq_t()) <= 0 && mpfr_cmp_q(&mpfi_of(x)->right, q.get_mpq_t()) >= 0;
}
// The 2048-bit reference value r (relative error far below 2^-1000) lies in x, with a margin of
// 2^-1000 |r| for the reference's own rounding.
bool contains_r(double lo, double hi, const ref_real& r) {
  ref_real m = abs(r) * ref_real(std::ldexp(1.0, -1000)) + ref_real(std::ldexp(1.0, -1070));
  return ref_real(lo) <= r + m && r - m <= ref_real(hi);
}
template <class I>
bool contains_r(const I& x, const ref_real& r) {
  return contains_r(lower_d(x), upper_d(x), r);
}

template <class I>
void check_exact(const empirical_parts<I>& p, const std::vector<mpq_class>& ref, const std::string& what) {
  const std::size_t n = p.n;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      BOOST_TEST_REQUIRE(contains_q(p.K(i, j), ref[i * n + j]),
                         what << " (" << p.method << "): K(" << i << "," << j << ") = [" << lower_d(p.K(i, j)) << ", "
                              << upper_d(p.K(i, j)) << "] misses " << ref[i * n + j].get_d());
}

struct case_spec {
  std::vector<std::size_t> widths;
  std::size_t n;
  bool biases;
  bool center;
  double data_scale;
  std::uint64_t seed;
};

std::string describe(const case_spec& c) {
  std::string s = "widths";
  for (auto w : c.widths) s += " " + std::to_string(w);
  return s + ", n " + std::to_string(c.n) + (c.biases ? ", biases" : "") + (c.center ? ", centred" : "") +
         ", seed " + std::to_string(c.seed);
}

}  // namespace

BOOST_AUTO_TEST_CASE(entries_contain_the_explicit_jacobian_gram_exact_rows) {
  std::mt19937_64 gen(7);
  int cases = 0;
  for (int rep = 0; rep < 24; ++rep) {
    case_spec c;
    const std::size_t L = 1 + gen() % 4;
    c.widths.push_back(1 + gen() % 6);
    for (std::size_t l = 1; l < L; ++l) c.widths.push_back(2 + gen() % 9);
    c.widths.push_back(1);
    c.n = 1 + gen() % 7;
    c.biases = gen() % 2;
    c.center = gen() % 3 == 0 && c.n >= 2;
    c.data_scale = std::ldexp(1.0, static_cast<int>(gen() % 41) - 20);
    c.seed = gen();
    const network net = random_test_network(c.widths, c.seed, c.biases);
    dataset x = random_test_data(c.n, c.widths[0], c.seed + 1, c.data_scale);
    if (rep % 5 == 0) {  // a pixel-like scale 1/255
      for (double& v : x.x) v = std::round(std::fabs(v) * 255.0 / c.data_scale);
      x.scale_den = 255;
      bool ok = true;
      for (std::size_t i = 0; i < x.n; ++i) {
        bool z = true;
        for (std::size_t k = 0; k < x.d; ++k) z = z && x.x[i * x.d + k] == 0;
        ok = ok && !z;
      }
      if (!ok) continue;
    }
    preprocessing prep;
    prep.center = c.center;
    const std::vector<mpq_class> ref = emp_test::reference_kernel<mpq_class>(net, x, prep);
    null_progress q;
    check_exact(empirical_kernel_fast(net, x, prep, q), ref, describe(c));
    check_exact(empirical_kernel<dinterval>(net, x, prep, q), ref, describe(c));
    set_working_precision_bits(128);
    check_exact(empirical_kernel<minterval>(net, x, prep, q), ref, describe(c));
    ++cases;
  }
  BOOST_TEST(cases >= 18);
}

BOOST_AUTO_TEST_CASE(entries_contain_the_reference_normalised_rows) {
  for (int norm = 0; norm < 2; ++norm)
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      const bool biases = seed % 2 == 0;
      const network net = random_test_network({5, 7, 6, 1}, seed * 11, biases);
      const dataset x = random_test_data(5, 5, seed * 13, 3.0);
      preprocessing prep;
      prep.center = seed >= 3;
      prep.normalize = norm ? normalization::unit : normalization::sphere;
      const std::vector<ref_real> ref = emp_test::reference_kernel<ref_real>(net, x, prep);
      null_progress q;
      const auto fast = empirical_kernel_fast(net, x, prep, q);
      set_working_precision_bits(256);
      const auto prec = empirical_kernel<minterval>(net, x, prep, q);
      for (std::size_t t = 0; t < x.n * x.n; ++t) {
        BOOST_TEST_REQUIRE(contains_r(fast.K.data[t], ref[t]), "fast, entry " << t << ", seed " << seed);
        BOOST_TEST_REQUIRE(contains_r(prec.K.data[t], ref[t]), "mpfi, entry " << t << ", seed " << seed);
        // The enclosures are narrow: width below 1e-10·sqrt(K_ii K_jj) (Cauchy–Schwarz scale).
        const std::size_t i = t / x.n, j = t % x.n;
        const double scale = std::sqrt(mpfr_get_d(ref[i * x.n + i].backend().data(), MPFR_RNDN) *
                                       mpfr_get_d(ref[j * x.n + j].backend().data(), MPFR_RNDN));
        BOOST_TEST(upper_d(fast.K.data[t]) - lower_d(fast.K.data[t]) <= 1e-10 * scale);
        mpfr_t w;
        mpfr_init2(w, 64);
        mpfi_diam_abs(w, mpfi_of(prec.K.data[t]));
        BOOST_TEST(mpfr_get_d(w, MPFR_RNDU) <= 1e-60 * scale);
        mpfr_clear(w);
      }
    }
}

BOOST_AUTO_TEST_CASE(activation_ties_are_decided_exactly_and_counted) {
  // Layer 1: row (1, 2) and weight row (2, -1) give exactly 0; row (3, 1.5) too (3·2 − 1.5·... no).
  network net;
  net.source = "test";
  net.widths = {2, 3, 2, 1};
  net.weights = {{2, -1, 1, 1, -0.5, 0.25}, {1, -1, 0.5, 0.75, 0.125, -1}, {1.5, -2}};
  net.biases = {{}, {}, {}};
  net.has_biases = false;
  dataset x;
  x.source = "test";
  x.n = 3;
  x.d = 2;
  // Row 0: g_1 = (0, 3, 0): two exact zeros. Row 1: g_1 = (1, 3, -0.25)·... ; row 2 built so that a
  // layer-2 pre-activation is exactly 0: f_1 = (a, b, 0) with a - b = 0 (first unit of layer 2).
  x.x = {1, 2, 3, 1, 0.75, 1.5};
  // Row 2: g_1 = (2·0.75 − 1.5, 0.75 + 1.5, −0.375 + 0.375) = (0, 2.25, 0).
  const std::vector<mpq_class> ref = emp_test::reference_kernel<mpq_class>(net, x, {});
  null_progress q;
  const auto fast = empirical_kernel_fast(net, x, {}, q);
  const auto slow = empirical_kernel<dinterval>(net, x, {}, q);
  check_exact(fast, ref, "ties");
  check_exact(slow, ref, "ties");
  // Exact zeros: row 0 units 1 and 3 (g = 2 − 2 and 0.5·... = -0.5 + 0.5) and row 2 units 1 and 3.
  BOOST_TEST(fast.activations.exact_zeros == slow.activations.exact_zeros);
  BOOST_TEST(fast.activations.exact_zeros >= 3u);
  BOOST_TEST(fast.activations.undecided == 0u);
  BOOST_TEST(slow.activations.undecided == 0u);

  // A layer-2 tie: f_1 = (t, t) enters a unit with weights (1, -1): exactly 0 although f_1 is not
  // exactly representable (t = 1/3 after the 1/255-free scaling below is a rational, not a double).
  network n2;
  n2.source = "test";
  n2.widths = {1, 2, 2, 1};
  n2.weights = {{1, 1}, {1, -1, 1, 1}, {1, 1}};
  n2.biases = {{}, {}, {}};
  dataset x2;
  x2.source = "test";
  x2.n = 2;
  x2.d = 1;
  x2.x = {1, 2};
  x2.scale_den = 3;  // rows 1/3 and 2/3: not doubles
  const std::vector<mpq_class> ref2 = emp_test::reference_kernel<mpq_class>(n2, x2, {});
  const auto f2 = empirical_kernel_fast(n2, x2, {}, q);
  check_exact(f2, ref2, "layer-2 tie");
  BOOST_TEST(f2.activations.exact_zeros == 2u);  // unit 1 of layer 2, both rows
  BOOST_TEST(f2.activations.refined >= 2u);
  const auto s2 = empirical_kernel<dinterval>(n2, x2, {}, q);
  BOOST_TEST(s2.activations.exact_zeros == 2u);
  set_working_precision_bits(128);
  const auto m2 = empirical_kernel<minterval>(n2, x2, {}, q);
  BOOST_TEST(m2.activations.exact_zeros == 2u);
  check_exact(m2, ref2, "layer-2 tie, mpfi");
}

BOOST_AUTO_TEST_CASE(tie_with_normalised_rows_and_biases) {
  // Unit-normalised row (3, 4) -> (0.6, 0.8); weight (4, -3) gives 0 exactly in Q(ρ); with a bias,
  // weight (1, 0) and bias -0.6 also gives exactly 0 (p + qρ with p = -0.6, qρ = 0.6).
  network net;
  net.source = "test";
  net.widths = {2, 3, 1};
  net.weights = {{4, -3, 1, 0, 1, 1}, {1, 2, -1}};
  net.biases = {{0, -0.6, 0.5}, {0.25}};
  net.has_biases = true;
  dataset x;
  x.source = "test";
  x.n = 2;
  x.d = 2;
  x.x = {3, 4, 1, 0.5};
  preprocessing prep;
  prep.normalize = normalization::unit;
  null_progress q;
  const auto fast = empirical_kernel_fast(net, x, prep, q);
  // -0.6 is not a double: the bias is the double nearest to -0.6, so unit 2 is NOT exactly zero;
  // the exact pass decides its sign (negative: fl(-0.6) < -0.6? the reference decides the same).
  const std::vector<ref_real> ref = emp_test::reference_kernel<ref_real>(net, x, prep);
  for (std::size_t t = 0; t < 4; ++t) BOOST_TEST_REQUIRE(contains_r(fast.K.data[t], ref[t]));
  BOOST_TEST(fast.activations.exact_zeros == 1u);  // row 0, unit 1
  BOOST_TEST(fast.activations.undecided == 0u);
}

namespace {

// λ_min of the exact rational matrix by the proven Jacobi reference.
std::pair<ref_real, ref_real> reference_lambda_min(const std::vector<mpq_class>& K, std::size_t n) {
  std::vector<ref_real> v(n * n);
  std::vector<mpfr_srcptr> p(n * n);
  for (std::size_t t = 0; t < n * n; ++t) {
    mpfr_set_prec(v[t].backend().data(), 2048);
    mpfr_set_q(v[t].backend().data(), K[t].get_mpq_t(), MPFR_RNDN);  // relative error 2^-2048
    p[t] = v[t].backend().data();
  }
  const auto s = ntk_test::jacobi_eigenvalues(p, n, 512);
  // Widen by the rounding of the entries: |ΔK| <= 2^-2047 max|K| per entry, ‖ΔK‖ <= n of that.
  ref_real maxk = 0;
  for (auto& x : v) maxk = std::max(maxk, ref_real(abs(x)));
  const ref_real extra = maxk * ref_real(static_cast<double>(n)) * ref_real(std::ldexp(1.0, -2000));
  return {ntk_test::reference_lower(s, 0) - extra, ntk_test::reference_upper(s, 0) + extra};
}

bool intersects(const ntk_outcome& o, const std::pair<ref_real, ref_real>& r) {
  ref_real lo, hi;
  mpfr_set_prec(lo.backend().data(), mpfr_get_prec(o.lower.backend().data()));
  mpfr_set(lo.backend().data(), o.lower.backend().data(), MPFR_RNDD);
  mpfr_set_prec(hi.backend().data(), mpfr_get_prec(o.upper.backend().data()));
  mpfr_set(hi.backend().data(), o.upper.backend().data(), MPFR_RNDU);
  return lo <= r.second && r.first <= hi;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lambda_min_contains_the_jacobi_reference) {
  std::mt19937_64 gen(99);
  for (int rep = 0; rep < 10; ++rep) {
    const std::size_t L = 2 + gen() % 3;
    std::vector<std::size_t> w{3 + gen() % 4};
    for (std::size_t l = 1; l < L; ++l) w.push_back(6 + gen() % 10);
    w.push_back(1);
    const bool biases = rep % 3 == 0;
    const network net = random_test_network(w, gen(), biases);
    const dataset x = random_test_data(2 + gen() % 6, w[0], gen());
    preprocessing prep;
    prep.center = rep % 4 == 1;
    empirical_job job;
    job.net = &net;
    job.data = &x;
    job.prep = prep;
    null_progress q;
    const empirical_outcome out = empirical_lambda_min(job, q);
    const auto ref = reference_lambda_min(emp_test::reference_kernel<mpq_class>(net, x, prep), x.n);
    BOOST_TEST_REQUIRE(intersects(out.lambda, ref), "rep " << rep << ": [" << out.lambda.lower.str() << ", "
                                                           << out.lambda.upper.str() << "] vs " << ref.first.str(20));
    BOOST_TEST(out.lambda.certified);
    BOOST_TEST(out.activations.undecided == 0u);
    // Jlb <= λ_min <= min K̄_ii.
    BOOST_TEST((out.schur_holds != bound_verdict::fails));
    BOOST_TEST((out.diagonal_holds != bound_verdict::fails));
  }
}

BOOST_AUTO_TEST_CASE(near_duplicate_rows_escalate_and_certify) {
  const network net = random_test_network({4, 12, 10, 1}, 2024, false);
  dataset x = random_test_data(4, 4, 77);
  for (std::size_t k = 0; k < 4; ++k) x.x[3 * 4 + k] = x.x[0 * 4 + k] * (1.0 + (k == 1 ? 1e-10 : 0.0));
  empirical_job job;
  job.net = &net;
  job.data = &x;
  null_progress q;
  const empirical_outcome out = empirical_lambda_min(job, q);
  BOOST_TEST(out.lambda.certified);
  BOOST_TEST(out.lambda.precision_bits > 53);
  BOOST_TEST(out.lambda.attempts.size() >= 2u);
  const auto ref = reference_lambda_min(emp_test::reference_kernel<mpq_class>(net, x, {}), x.n);
  BOOST_TEST(intersects(out.lambda, ref));
  BOOST_TEST(out.lambda.lower > 0);
}

BOOST_AUTO_TEST_CASE(identical_rows_and_a_dead_row_give_exact_zero) {
  const network net = random_test_network({3, 8, 1}, 5, true);
  dataset x = random_test_data(3, 3, 6);
  for (std::size_t k = 0; k < 3; ++k) x.x[2 * 3 + k] = x.x[k];
  empirical_job job;
  job.net = &net;
  job.data = &x;
  null_progress q;
  const empirical_outcome out = empirical_lambda_min(job, q);
  BOOST_TEST(out.lambda.exact_zero);
  BOOST_TEST(out.lambda.certified);
  BOOST_TEST(out.lambda.lower == 0);
  BOOST_TEST(out.lambda.upper == 0);
}

BOOST_AUTO_TEST_CASE(scaled_kernel_approaches_the_limit_as_widths_grow) {
  // β = 1 (weights N(0,1)): (∏ 2/n_l) K̄ -> K^(L); loose statistical check with fixed seeds.
  const dataset x = random_test_data(5, 4, 3);
  null_progress q;
  auto distance = [&](std::size_t width, std::uint64_t seed) {
    network net = random_test_network({4, width, width, 1}, seed, false, 1.0);
    for (std::size_t l = 1; l <= 3; ++l)
      for (double& w : net.weights[l - 1]) w /= std::sqrt(2.0 / static_cast<double>(net.widths[l - 1]));  // N(0,1)
    const auto p = empirical_kernel_fast(net, x, {}, q);
    const geometry<dinterval> g = geometry_compute<dinterval>(x, {}, q);
    const dense_matrix<dinterval> K = kernel_matrix<dinterval>(g, 3, kernel_which::K, 3, q);
    const double scale = (2.0 / static_cast<double>(width)) * (2.0 / static_cast<double>(width));
    double num = 0, den = 0;
    for (std::size_t t = 0; t < 25; ++t) {
      const double a = scale * 0.5 * (p.K.data[t].lo + p.K.data[t].hi), b = 0.5 * (K.data[t].lo + K.data[t].hi);
      num += (a - b) * (a - b);
      den += b * b;
    }
    return std::sqrt(num / den);
  };
  double narrow = 0, wide = 0;
  for (std::uint64_t s = 1; s <= 3; ++s) {
    narrow += distance(20, s) / 3;
    wide += distance(1500, s) / 3;
  }
  BOOST_TEST_MESSAGE("relative Frobenius distance: width 20 " << narrow << ", width 1500 " << wide);
  BOOST_TEST(wide < 0.1);
  BOOST_TEST(wide < narrow);
}

BOOST_AUTO_TEST_CASE(infinite_width_prediction_for_he_networks) {
  // The driver's limit matrix for He initialisation against K^(L) scaled by hand:
  // β_l² = 2/n_{l-1}: (∏ n_l/2)·∏_{m≠l}β_m² per term.
  network net = random_test_network({4, 30, 1}, 8, false);
  net.source = "random:widths=4,30,1&init=he&seed=1";
  const dataset x = random_test_data(4, 4, 9);
  empirical_job job;
  job.net = &net;
  job.data = &x;
  job.beta_sq = init_beta_sq(net);
  BOOST_TEST_REQUIRE(job.beta_sq.has_value());
  null_progress q;
  const empirical_outcome out = empirical_lambda_min(job, q);
  BOOST_TEST_REQUIRE(out.infinite.computed);
  // L = 2: K∞ = (n_1/2)(β_2² G^(1)∘Ġ^(2) + β_1² G^(2)) = (30/2)(2/30·XXᵀ∘Ġ + 2/4·G^(2)).
  const geometry<dinterval> g = geometry_compute<dinterval>(x, {}, q);
  const auto G1 = kernel_matrix<dinterval>(g, 2, kernel_which::G, 1, q);
  const auto G2 = kernel_matrix<dinterval>(g, 2, kernel_which::G, 2, q);
  const auto Gd = kernel_matrix<dinterval>(g, 2, kernel_which::Gdot, 2, q);
  std::vector<double> m(16);
  for (std::size_t t = 0; t < 16; ++t) {
    auto mid = [](const dinterval& v) { return 0.5 * (v.lo + v.hi); };
    m[t] = 15.0 * (2.0 / 30.0 * mid(G1.data[t]) * mid(Gd.data[t]) + 0.5 * mid(G2.data[t]));
  }
  const auto spec = ntk_test::jacobi_eigenvalues(m, 4, 256);
  const double ref = spec.values[0].convert_to<double>();
  BOOST_TEST(out.infinite.lambda_min.lower.convert_to<double>() <= ref * (1 + 1e-12));
  BOOST_TEST(out.infinite.lambda_min.upper.convert_to<double>() >= ref * (1 - 1e-12));
  BOOST_TEST(out.infinite.relative_frobenius_distance >= 0.0);
}

BOOST_AUTO_TEST_CASE(layer_report_contains_the_reference) {
  // λ_min(F_kF_kᵀ) and min_i ‖b_{k+1}(x_i)‖² of the driver against exact features and the Jacobi
  // reference. Widths >= N so that the Gram matrices are not singular by rank.
  std::mt19937_64 gen(5);
  for (int rep = 0; rep < 4; ++rep) {
    const bool biases = rep % 2 == 1;
    const std::size_t n = 4 + gen() % 3;
    const network net = random_test_network({n + 1, 12, 10, 1}, gen(), biases);
    const dataset x = random_test_data(n, n + 1, gen());
    empirical_job job;
    job.net = &net;
    job.data = &x;
    null_progress q;
    const empirical_outcome out = empirical_lambda_min(job, q);
    BOOST_TEST_REQUIRE(out.layers_computed);
    const std::vector<mpq_class> rows = emp_test::ref_rows<mpq_class>(x, {});
    std::vector<std::vector<std::vector<mpq_class>>> F(x.n), D(x.n);
    for (std::size_t i = 0; i < x.n; ++i) emp_test::features_and_backward<mpq_class>(net, rows.data() + i * x.d, F[i], D[i]);
    for (std::size_t k = 0; k < 3; ++k) {
      std::vector<mpq_class> G(n * n);
      mpq_class bmin = -1;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          mpq_class acc = 0;
          for (std::size_t t = 0; t < F[i][k].size(); ++t) acc += F[i][k][t] * F[j][k][t];
          G[i * n + j] = acc;
        }
        mpq_class b = 0;
        for (const auto& v : D[i][k + 1]) b += v * v;
        if (bmin < 0 || b < bmin) bmin = b;
      }
      const auto& e = out.layers[k];
      BOOST_TEST(contains_q(e.backward_min_sq.lower.convert_to<double>(), e.backward_min_sq.upper.convert_to<double>(), bmin));
      ntk_outcome o;
      o.lower = e.gram_lambda_min.lower;
      o.upper = e.gram_lambda_min.upper;
      BOOST_TEST(intersects(o, reference_lambda_min(G, n)), "rep " << rep << " layer " << k);
    }
  }
}
