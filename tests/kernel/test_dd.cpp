// The double-double tier's kernel entries (geometry_compute / ntk_compute over ddinterval, with
// every convention) against the independent 1600-bit MPFI reference (reference.hpp) and against
// the MPFI tier at 256 bits: containment, overlap and width, on random data, near-duplicate and
// near-antipodal pairs at 1e-8 .. 1e-14, and collinear rows (correlation exactly ±1).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/convention.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "test_util.hpp"

using namespace ntk;
using kernel_test::ball;

namespace {

// The endpoints of x as exact MPFR values (2 x 53 bits fit in 2200 bits whatever the exponents).
struct dd_ends {
  mpfr_t lo, hi;
  explicit dd_ends(const ddinterval& x) {
    mpfr_init2(lo, 2200);
    mpfr_init2(hi, 2200);
    mpfr_set_d(lo, x.lo.hi, MPFR_RNDN);
    mpfr_add_d(lo, lo, x.lo.lo, MPFR_RNDN);  // exact at 2200 bits
    mpfr_set_d(hi, x.hi.hi, MPFR_RNDN);
    mpfr_add_d(hi, hi, x.hi.lo, MPFR_RNDN);
  }
  ~dd_ends() {
    mpfr_clear(lo);
    mpfr_clear(hi);
  }
};

// x meets the narrow reference ball r (so x misses the exact value by at most r's width).
bool contains_ref(const ddinterval& x, const ball& r) {
  const dd_ends e(x);
  return kernel_test::narrow(r) && mpfr_cmp(&r.get()->left, e.hi) <= 0 && mpfr_cmp(&r.get()->right, e.lo) >= 0;
}

bool overlaps(const ddinterval& x, const minterval& m) {
  const dd_ends e(x);
  return mpfr_cmp(&mpfi_of(m)->left, e.hi) <= 0 && mpfr_cmp(&mpfi_of(m)->right, e.lo) >= 0;
}

double width(const ddinterval& x) { return ddi_width_up(x); }

struct dd_case {
  std::string name;
  dataset ds;
  preprocessing pre;
  int depth = 2;
  kernel_convention conv = kernel_convention::paper;
  bool exact_pm1 = false;  // has pairs with correlation exactly ±1 (reference not narrow there)
};

// Keeps δ^(l) of every layer for the accuracy check of nearly parallel pairs.
struct delta_collector final : layer_visitor<ddinterval> {
  std::vector<dense_matrix<ddinterval>> delta;
  bool wants_gdot() const override { return false; }
  void layer(int, const dense_matrix<ddinterval>&, const dense_matrix<ddinterval>& d, const dense_matrix<ddinterval>&,
             const dense_matrix<ddinterval>*, const dense_matrix<ddinterval>&) override {
    delta.push_back(d);
  }
};

struct dd_widths {
  double k_rel = 0;      // max width(K_ij) / (f ‖x̃_i‖‖x̃_j‖ L)
  double delta_rel = 0;  // max over pairs with δ < 1e-3 of width(δ^(l)) / δ^(l)
  long checked = 0;      // entries compared with the narrow reference
};

void check_dd(const dd_case& c, dd_widths& w) {
  null_progress np;
  const kernel_test::reference_layers ref = kernel_test::reference_ntk(c.ds, c.pre, c.depth);
  const geometry<ddinterval> g = geometry_compute<ddinterval>(c.ds, c.pre, np);
  delta_collector col;
  dense_matrix<ddinterval> K = ntk_compute<ddinterval>(g, c.depth, np, &col);
  apply_convention(K, kernel_which::K, c.conv, c.ds.d, c.depth);
  // The MPFI tier at 256 bits on the same data.
  set_working_precision_bits(256);
  const geometry<minterval> gm = geometry_compute<minterval>(c.ds, c.pre, np);
  dense_matrix<minterval> Km = ntk_compute<minterval>(gm, c.depth, np);
  apply_convention(Km, kernel_which::K, c.conv, c.ds.d, c.depth);
  const convention_factor f = kernel_convention_factor(c.conv, c.ds.d, c.depth);
  const std::size_t n = c.ds.n;
  BOOST_TEST_CONTEXT(c.name << " [" << g.method << "]") {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        BOOST_TEST_CONTEXT("(" << i << "," << j << ")") {
          ball r = ref.K[c.depth - 1](i, j);
          mpfi_mul_2si(r.get(), r.get(), -f.pow2);
          mpfi_div_d(r.get(), r.get(), f.divisor);
          if (kernel_test::narrow(r)) {
            BOOST_TEST(contains_ref(K(i, j), r));
            ++w.checked;
          } else {
            BOOST_TEST(c.exact_pm1);  // only pairs at correlation exactly ±1 may leave it wide
          }
          BOOST_TEST(overlaps(K(i, j), Km(i, j)));
          const double scale = std::sqrt(kernel_test::ref_mid(ref.sqnorm[i]) * kernel_test::ref_mid(ref.sqnorm[j])) *
                               c.depth * std::ldexp(1.0, -f.pow2) / f.divisor;
          w.k_rel = std::max(w.k_rel, width(K(i, j)) / scale);
          if (i != j)
            for (int l = 1; l <= c.depth; ++l) {
              const double dref = 1.0 - kernel_test::ref_mid(ref.G[l - 1](i, j)) /
                                            std::sqrt(kernel_test::ref_mid(ref.G[l - 1](i, i)) *
                                                      kernel_test::ref_mid(ref.G[l - 1](j, j)));
              const double dl = lower_d(col.delta[l - 1](i, j));
              // δ^(l) itself from the dd enclosure (the reference's 1 - ρ in double cancels).
              if (dl > 0 && dref < 1e-3) w.delta_rel = std::max(w.delta_rel, width(col.delta[l - 1](i, j)) / dl);
            }
        }
      }
  }
}

std::vector<dd_case> dd_cases() {
  std::mt19937_64 rng(20261203);
  std::vector<dd_case> cases;
  const normalization norms[] = {normalization::none, normalization::sphere, normalization::unit};
  const kernel_convention convs[] = {kernel_convention::paper, kernel_convention::neural_tangents,
                                     kernel_convention::uci};
  std::uniform_int_distribution<int> N(2, 7), D(2, 6), L(2, 5);
  int k = 0;
  auto add = [&](dd_case c, const std::string& what) {
    c.pre.normalize = norms[k % 3];
    c.conv = convs[(k / 3) % 3];
    ++k;
    std::ostringstream s;
    s << what << " n=" << c.ds.n << " d=" << c.ds.d << " L=" << c.depth << (c.pre.center ? " center " : " ")
      << normalization_name(c.pre.normalize) << " " << kernel_convention_name(c.conv);
    c.name = s.str();
    cases.push_back(c);
  };
  for (int rep = 0; rep < 9; ++rep)
    for (int kind = 0; kind < 2; ++kind) {
      dd_case c;
      const std::size_t n = N(rng), d = D(rng);
      c.ds = kind == 0 ? kernel_test::gaussian(rng, n, d) : kernel_test::pixels(rng, n, d);
      c.pre.center = rep % 2 == 1;
      c.depth = L(rng);
      add(c, kind ? "pixels" : "gaussian");
    }
  for (double t : {1e-8, 1e-10, 1e-12, 1e-14})
    for (double sign : {1.0, -1.0})
      for (bool center : {false, true}) {
        dd_case c;
        c.ds = kernel_test::gaussian(rng, 6, 5);
        kernel_test::perturb_copy(c.ds, rng, 0, 1, sign, t);
        kernel_test::perturb_copy(c.ds, rng, 2, 3, sign, t);
        kernel_test::perturb_copy(c.ds, rng, 2, 4, sign, 0.5 * t);
        c.pre.center = center;
        c.depth = L(rng);
        add(c, std::string(sign > 0 ? "near-duplicate " : "near-antipodal ") + std::to_string(t));
      }
  // Collinear rows: exact multiples a, 2a, -3a (correlation exactly ±1) among random rows, and
  // points a + s b on one line (s = 0, 1, 3, -2, 5; rounded, so nearly ±1 after centring).
  for (bool center : {false, true}) {
    dd_case c;
    c.ds = kernel_test::gaussian(rng, 5, 4);
    const double s[] = {0, 1, 3, -2, 5};
    for (std::size_t j = 0; j < 4; ++j) {
      const double a = c.ds.x[j], b = c.ds.x[4 + j];
      if (center) {
        for (std::size_t i = 0; i < 5; ++i) c.ds.x[i * 4 + j] = a + s[i] * b;
      } else {
        c.ds.x[4 + j] = 2 * a;
        c.ds.x[8 + j] = -3 * a;
      }
    }
    c.pre.center = center;
    c.depth = 3;
    c.exact_pm1 = true;
    add(c, "collinear");
  }
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ntk_double_double)

// Every entry contains the exact value (reference) and overlaps the MPFI-256 tier; widths: the
// entries come out within a few hundred units of 2^-104 relative (measured when the suite was
// written, see the message), asserted at 2^-90 ≈ 8e-28 relative; δ of nearly parallel pairs keeps
// its relative accuracy (asserted at 2^-80 relative).
BOOST_AUTO_TEST_CASE(entries_contain_reference_and_are_narrow) {
  const long saved = working_precision_bits();
  dd_widths w;
  for (const dd_case& c : dd_cases()) check_dd(c, w);
  set_working_precision_bits(saved);
  BOOST_TEST_MESSAGE("double-double tier: " << w.checked << " entries against the reference; max width(K)/(f‖x_i‖‖x_j‖L) = "
                                            << w.k_rel / 0x1p-104 << " units of 2^-104; near pairs width(δ)/δ <= "
                                            << w.delta_rel / 0x1p-104 << " units");
  BOOST_TEST(w.checked > 1000);
  BOOST_TEST(w.k_rel <= 0x1p-90);
  BOOST_TEST(w.delta_rel <= 0x1p-80);
}

BOOST_AUTO_TEST_SUITE_END()
