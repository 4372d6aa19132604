// lib/lipschitz/feature_map: the certified maxima of the NNGP / NTK feature-map ratios against an
// independent 1600-bit MPFI evaluation of the plain formulas (tests/kernel/reference.hpp: the
// recursion of docs/math.md §2 written without lib/kernel; the distances ‖x̃_i − x̃_j‖² here from
// the MPFI preprocessed rows of tests/common/ntk_reference.hpp). Random data sets with
// near-duplicate rows (where the NNGP ratio approaches its supremum 1 and the NTK ratio blows up),
// identical rows and, without normalisation, parallel rows of different lengths.
#include <boost/test/unit_test.hpp>

#include <mpfi.h>
#include <mpfr.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "../kernel/reference.hpp"
#include "base/progress.hpp"
#include "lipschitz/feature_map.hpp"

namespace {

using kernel_test::ball;
using kernel_test::ref_bits;

// n rows in d dimensions: random rows, near-duplicate partners x + ε v, one exact copy and
// (parallel = true) one positive multiple 2x (a parallel row of another length).
ntk::dataset make_data(std::mt19937_64& rng, std::size_t n_base, std::size_t d, const std::vector<double>& eps,
                       bool copy, bool parallel) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<std::vector<double>> rows;
  for (std::size_t i = 0; i < n_base; ++i) {
    std::vector<double> r(d);
    for (auto& v : r) v = u(rng);
    rows.push_back(r);
  }
  for (std::size_t k = 0; k < eps.size(); ++k) {
    std::vector<double> r = rows[k % n_base];
    for (auto& v : r) v += eps[k] * u(rng);
    rows.push_back(r);
  }
  if (copy) rows.push_back(rows[1 % n_base]);
  if (parallel) {
    std::vector<double> r = rows[2 % n_base];
    for (auto& v : r) v *= 2.0;
    rows.push_back(r);
  }
  ntk::dataset ds;
  ds.source = "test";
  ds.n = rows.size();
  ds.d = d;
  for (const auto& r : rows) ds.x.insert(ds.x.end(), r.begin(), r.end());
  return ds;
}

bool same_row(const ntk::dataset& ds, std::size_t i, std::size_t j) {
  for (std::size_t k = 0; k < ds.d; ++k)
    if (ds.row(i)[k] != ds.row(j)[k]) return false;
  return true;
}

// Reference maxima per layer: NNGP ratio, NTK ratio, NTK Hölder-½ ratio, each as [max of left
// endpoints, max of right endpoints] over the pairs of distinct rows, plus every pair's ratios.
struct reference_maxima {
  std::vector<ball> nngp, ntk, holder;
  std::vector<std::vector<ball>> pair_nngp;  // [l-1][i*n+j]
  std::size_t distinct_pairs = 0;
};

void raise(ball& acc, const ball& x, bool first) {
  if (first) {
    acc = x;
    return;
  }
  mpfr_max(&acc.get()->left, &acc.get()->left, &x.get()->left, MPFR_RNDD);
  mpfr_max(&acc.get()->right, &acc.get()->right, &x.get()->right, MPFR_RNDU);
}

reference_maxima reference(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth, bool identical_ok) {
  const std::size_t n = ds.n, d = ds.d;
  const auto rows = ntk_reference::preprocessed_rows<ref_bits>(ds, pre);
  const kernel_test::reference_layers k = kernel_test::reference_ntk(ds, pre, depth);
  reference_maxima r;
  r.nngp.resize(depth);
  r.ntk.resize(depth);
  r.holder.resize(depth);
  r.pair_nngp.assign(depth, std::vector<ball>(n * n));
  bool first = true;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (same_row(ds, i, j)) {
        BOOST_REQUIRE(identical_ok);
        continue;
      }
      ++r.distinct_pairs;
      ball D(0.0), t, sq;
      for (std::size_t c = 0; c < d; ++c) {
        mpfi_sub(t.get(), rows[i * d + c].get(), rows[j * d + c].get());
        mpfi_sqr(t.get(), t.get());
        mpfi_add(D.get(), D.get(), t.get());
      }
      BOOST_REQUIRE(mpfr_sgn(&D.get()->left) > 0);
      mpfi_sqrt(sq.get(), D.get());
      for (int l = 1; l <= depth; ++l) {
        const auto& G = k.G[l - 1];
        const auto& K = k.K[l - 1];
        ball num, q, h;
        mpfi_add(num.get(), G(i, i).get(), G(j, j).get());
        mpfi_mul_ui(t.get(), G(i, j).get(), 2);
        mpfi_sub(num.get(), num.get(), t.get());
        mpfi_div(q.get(), num.get(), D.get());
        r.pair_nngp[l - 1][i * n + j] = q;
        raise(r.nngp[l - 1], q, first);
        mpfi_add(num.get(), K(i, i).get(), K(j, j).get());
        mpfi_mul_ui(t.get(), K(i, j).get(), 2);
        mpfi_sub(num.get(), num.get(), t.get());
        mpfi_div(q.get(), num.get(), D.get());
        raise(r.ntk[l - 1], q, first);
        mpfi_div(h.get(), num.get(), sq.get());
        raise(r.holder[l - 1], h, first);
      }
      first = false;
    }
  return r;
}

// [lower, upper] contains the reference ball (which is far narrower): the two overlap, and the
// reference is narrow enough for that to mean containment up to 2^-200 relative.
void check_contains(const ntk::ratio_bound& b, const ball& ref, const std::string& what) {
  BOOST_TEST_CONTEXT(what << ": result [" << b.lower.convert_to<double>() << ", " << b.upper.convert_to<double>()
                          << "], reference [" << ref.lo() << ", " << ref.hi() << "]") {
    BOOST_TEST(mpfr_cmp(b.lower.backend().data(), &ref.get()->right) <= 0);
    BOOST_TEST(mpfr_cmp(b.upper.backend().data(), &ref.get()->left) >= 0);
    mpfr_t w;
    mpfr_init2(w, 64);
    mpfi_diam_abs(w, ref.get());
    BOOST_TEST(mpfr_cmp_d(w, std::ldexp(std::fabs(ref.hi()) + 1e-300, -200)) < 0);
    mpfr_clear(w);
  }
}

ntk::feature_map_result run_auto(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth) {
  ntk::null_progress np;
  ntk::feature_map_result r = ntk::feature_map_ratios(ds, pre, depth, 53, np);
  bool decided = r.unresolved_pairs == 0;
  for (const auto& l : r.layers) decided = decided && l.nngp.upper <= 1;
  if (!decided) r = ntk::feature_map_ratios(ds, pre, depth, 128, np);
  return r;
}

void check_against_reference(const ntk::dataset& ds, const ntk::preprocessing& pre, int depth, long bits,
                             bool identical_ok) {
  ntk::null_progress np;
  const ntk::feature_map_result r = ntk::feature_map_ratios(ds, pre, depth, bits, np);
  const reference_maxima ref = reference(ds, pre, depth, identical_ok);
  BOOST_TEST(r.pairs == ds.n * (ds.n - 1) / 2);
  BOOST_TEST(r.pairs - r.identical_pairs == ref.distinct_pairs);
  BOOST_TEST(r.unresolved_pairs == 0u);
  BOOST_REQUIRE_EQUAL(r.layers.size(), static_cast<std::size_t>(depth));
  for (int l = 1; l <= depth; ++l) {
    const auto& L = r.layers[l - 1];
    const std::string ctx = "bits " + std::to_string(bits) + " layer " + std::to_string(l);
    check_contains(L.nngp, ref.nngp[l - 1], ctx + " nngp");
    check_contains(L.ntk, ref.ntk[l - 1], ctx + " ntk");
    check_contains(L.ntk_holder, ref.holder[l - 1], ctx + " holder");
    // The witness pair's own ratio reaches the certified lower bound.
    const ball& w = ref.pair_nngp[l - 1][std::min(L.nngp.i, L.nngp.j) * ds.n + std::max(L.nngp.i, L.nngp.j)];
    BOOST_TEST(mpfr_cmp(L.nngp.lower.backend().data(), &w.get()->right) <= 0, ctx << " witness");
    // The theorem, on the reference: r_l <= 1 (up to the reference's width).
    BOOST_TEST(mpfr_cmp_ui(&ref.nngp[l - 1].get()->left, 1) <= 0, ctx << " reference r_l <= 1");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(feature_map)

BOOST_AUTO_TEST_CASE(random_data_against_reference) {
  std::mt19937_64 rng(20240611);
  const ntk::normalization norms[] = {ntk::normalization::none, ntk::normalization::sphere, ntk::normalization::unit};
  int round = 0;
  for (const auto norm : norms)
    for (const bool center : {false, true}) {
      ++round;
      const std::size_t d = 3 + static_cast<std::size_t>(round % 4);
      // Parallel rows of different lengths only without normalisation (with it they coincide).
      const bool parallel = norm == ntk::normalization::none && !center;
      const ntk::dataset ds = make_data(rng, 8, d, {1e-3, 1e-6, 1e-9}, true, parallel);
      ntk::preprocessing pre;
      pre.center = center;
      pre.normalize = norm;
      BOOST_TEST_CONTEXT("normalize " << ntk::normalization_name(norm) << " center " << center << " d " << d) {
        check_against_reference(ds, pre, 3, 53, true);
        check_against_reference(ds, pre, 3, 128, true);
      }
    }
}

BOOST_AUTO_TEST_CASE(scaled_data_against_reference) {
  // Data with a non-trivial exact scale (pixels/255 style) and larger depth.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> px(0, 255);
  ntk::dataset ds;
  ds.source = "test";
  ds.n = 10;
  ds.d = 6;
  for (std::size_t t = 0; t < ds.n * ds.d; ++t) ds.x.push_back(px(rng));
  ds.x[6] = ds.x[0] + 1;  // row 1 = row 0 but one pixel: a close pair
  for (std::size_t k = 1; k < 6; ++k) ds.x[6 + k] = ds.x[k];
  ds.scale_den = 255;
  for (const auto norm : {ntk::normalization::none, ntk::normalization::unit}) {
    ntk::preprocessing pre;
    pre.normalize = norm;
    pre.center = norm == ntk::normalization::unit;
    check_against_reference(ds, pre, 5, 53, false);
  }
}

BOOST_AUTO_TEST_CASE(nngp_map_is_one_lipschitz_near_the_diagonal) {
  // Near-duplicates down to 1e-12: the certified r_l stays <= 1 (the claim is decided), approaches
  // 1 as the pair gets closer, and 1 - r_l keeps relative accuracy.
  std::mt19937_64 rng(99);
  for (const double e : {1e-4, 1e-8, 1e-12}) {
    const ntk::dataset ds = make_data(rng, 6, 5, {e, e, e}, false, false);
    for (const auto norm : {ntk::normalization::none, ntk::normalization::sphere}) {
      ntk::preprocessing pre;
      pre.normalize = norm;
      const ntk::feature_map_result r = run_auto(ds, pre, 4);
      BOOST_TEST_CONTEXT("eps " << e << " normalize " << ntk::normalization_name(norm)) {
        BOOST_TEST(r.unresolved_pairs == 0u);
        for (const auto& L : r.layers) {
          BOOST_TEST(L.nngp.upper <= 1, "layer " << L.l);
          if (L.l == 1) continue;
          // 1 - r_l ≈ c √δ ≈ c' ε for the closest pair: certainly below 10 ε·L.
          BOOST_TEST(L.nngp.lower >= 1 - 10 * e * L.l, "layer " << L.l);
          BOOST_TEST(L.nngp.upper < 1, "layer " << L.l);
          const double gap = (1 - L.nngp.upper).convert_to<double>();
          const double width = (L.nngp.upper - L.nngp.lower).convert_to<double>();
          BOOST_TEST(width <= 1e-3 * gap, "layer " << L.l << " width " << width << " gap " << gap);
        }
        // The NTK ratio grows like 1/ε (not Lipschitz), the Hölder-½ ratio stays bounded.
        const auto& last = r.layers.back();
        BOOST_TEST(last.ntk.lower > 0.01 / e);
        BOOST_TEST(last.ntk_holder.upper < 1e3);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(parallel_and_identical_rows) {
  // Rows x, 2x, x: without normalisation the pair (x, 2x) has ratio exactly 1 at every layer
  // (ρ = 1), the pair (x, x) is skipped. Decided after escalation to MPFI at the latest.
  ntk::dataset ds;
  ds.source = "test";
  ds.n = 4;
  ds.d = 3;
  ds.x = {1, 2, 3, 2, 4, 6, 1, 2, 3, -1, 0.5, 2};
  ntk::preprocessing pre;
  const ntk::feature_map_result r = run_auto(ds, pre, 3);
  BOOST_TEST(r.identical_pairs == 1u);
  for (const auto& L : r.layers) {
    BOOST_TEST(L.nngp.upper <= 1);
    BOOST_TEST(L.nngp.lower >= 1 - 1e-12);
  }
  check_against_reference(ds, pre, 3, 53, true);
  // With unit normalisation x, 2x and x coincide: three identical pairs, proven at the latest
  // after escalation (the correlation of parallel rows is then exactly 1).
  pre.normalize = ntk::normalization::unit;
  const ntk::feature_map_result u = run_auto(ds, pre, 3);
  BOOST_TEST(u.identical_pairs == 3u);
  BOOST_TEST(u.unresolved_pairs == 0u);
  for (const auto& L : u.layers) BOOST_TEST(L.nngp.upper <= 1);
}

BOOST_AUTO_TEST_SUITE_END()
