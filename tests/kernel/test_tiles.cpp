// The tile-by-tile double tier (kernel/ntk_tiles.hpp): every entry contains the independent MPFI
// reference; threaded panels of any size give exactly the single-threaded entries; the lean
// midpoint-radius store contains every entry; the dense path (geometry_compute + ntk_compute)
// overlaps it. Odd n, panels that do not divide n, both Gram routes (exact integer, bounded).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernel/convention.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "kernel/ntk_tiles.hpp"
#include "test_util.hpp"

using namespace ntk;
using kernel_test::ball;
using kernel_test::contains_ref;
using kernel_test::make_dataset;

namespace {

dataset gaussian_rows(std::size_t n, std::size_t d, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> x(n * d);
  for (double& v : x) v = g(rng);
  return make_dataset(n, d, std::move(x));
}

// Pixel-like rows: integers 0..255 at scale 1/255 (the exact-integer Gram route), with a
// near-duplicate of row 0 in the last row (one pixel changed by 1).
dataset pixel_rows(std::size_t n, std::size_t d, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<double> x(n * d);
  for (double& v : x) v = static_cast<double>(rng() % 256);
  for (std::size_t k = 0; k < d; ++k) x[(n - 1) * d + k] = x[k];
  x[(n - 1) * d] = x[0] < 255 ? x[0] + 1 : x[0] - 1;
  return make_dataset(n, d, std::move(x), 1, 255);
}

bool same(const dinterval& a, const dinterval& b) { return a.lo == b.lo && a.hi == b.hi; }

void check(const std::string& name, const dataset& ds, const preprocessing& pre, int depth,
           kernel_convention conv, bool with_reference) {
  BOOST_TEST_CONTEXT(name << " (n " << ds.n << ", d " << ds.d << ", depth " << depth << ", centre " << pre.center
                          << ")") {
    null_progress np;
    const std::size_t n = ds.n;
    const dense_matrix<dinterval> one = ntk_kernel_tiles_dense(ds, pre, depth, conv, np, {1, n});
    // Threaded, panels not dividing n (and of one row).
    for (std::size_t panel : {std::size_t(1), std::size_t(7), n - 1}) {
      const dense_matrix<dinterval> two = ntk_kernel_tiles_dense(ds, pre, depth, conv, np, {2, panel});
      bool all = true;
      for (std::size_t t = 0; t < n * n; ++t) all = all && same(one.data[t], two.data[t]);
      BOOST_TEST(all, "panel " << panel << ": threaded entries differ from single-threaded ones");
    }
    // The lean store contains every entry.
    const kernel_midrad km = ntk_kernel_midrad(ds, pre, depth, conv, np, {2, 5});
    const lean_midrad& s = km.store;
    BOOST_TEST(s.S.finite);
    BOOST_TEST(s.S.rad.empty());
    int bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double rowsum = 0;
      for (std::size_t j = 0; j < n; ++j) {
        const dinterval& k = one(i, j);
        const double m = s.S.mid[i * n + j];
        if (m != s.S.mid[j * n + i]) ++bad;
        if (i == j) {
          if (!(m == k.lo && m + s.diag_rad[i] >= k.hi)) ++bad;
        } else {
          if (!(k.lo <= m && m <= k.hi)) ++bad;
          rowsum += std::max(k.hi - m, m - k.lo);
        }
      }
      if (!(rowsum <= s.rad_rowsum[i] * (1 + 1e-12))) ++bad;
    }
    BOOST_TEST(bad == 0, bad << " inconsistencies between the lean store and the entries");
    // The dense path overlaps every entry.
    dense_matrix<dinterval> dense = ntk_compute<dinterval>(geometry_compute<dinterval>(ds, pre, np), depth, np);
    apply_convention(dense, kernel_which::K, conv, ds.d, depth);
    int apart = 0;
    for (std::size_t t = 0; t < n * n; ++t)
      if (dense.data[t].lo > one.data[t].hi || dense.data[t].hi < one.data[t].lo) ++apart;
    BOOST_TEST(apart == 0, apart << " entries of the dense path are disjoint from the tiles'");
    if (!with_reference) return;
    const kernel_test::reference_layers ref = kernel_test::reference_ntk(ds, pre, depth);
    const convention_factor f = kernel_convention_factor(conv, ds.d, depth);
    int missed = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        ball b = ref.K[depth - 1].v[i * n + j];
        mpfi_mul_2si(b.get(), b.get(), -f.pow2);
        mpfi_div_d(b.get(), b.get(), f.divisor);
        if (!contains_ref(one(i, j), b)) ++missed;
      }
    BOOST_TEST(missed == 0, missed << " entries miss the reference");
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tiles)

BOOST_AUTO_TEST_CASE(bounded_route_against_reference) {
  check("gaussian", gaussian_rows(9, 5, 1), {false, normalization::none}, 3, kernel_convention::paper, true);
  check("gaussian centred sphere", gaussian_rows(11, 4, 2), {true, normalization::sphere}, 2,
        kernel_convention::paper, true);
  check("gaussian uci", gaussian_rows(7, 6, 3), {true, normalization::unit}, 4, kernel_convention::uci, true);
}

BOOST_AUTO_TEST_CASE(exact_route_against_reference) {
  check("pixels", pixel_rows(9, 12, 4), {true, normalization::sphere}, 3, kernel_convention::paper, true);
  check("pixels uncentred", pixel_rows(8, 10, 5), {false, normalization::none}, 1, kernel_convention::paper, true);
  check("pixels nt", pixel_rows(7, 9, 6), {true, normalization::none}, 5, kernel_convention::neural_tangents,
        true);
}

BOOST_AUTO_TEST_CASE(larger_odd_sizes_threads_and_panels) {
  check("gaussian 101", gaussian_rows(101, 20, 7), {true, normalization::sphere}, 3, kernel_convention::paper,
        false);
  check("pixels 77", pixel_rows(77, 30, 8), {true, normalization::sphere}, 4, kernel_convention::paper, false);
}

BOOST_AUTO_TEST_SUITE_END()
