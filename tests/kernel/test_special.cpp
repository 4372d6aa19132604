// Closed forms (orthogonal, antipodal, identical and one-dimensional rows), exceptional inputs,
// kernel_matrix, conventions and the uncertified float kernel.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "data/errors.hpp"
#include "kernel/convention.hpp"
#include "kernel/float_kernel.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "test_util.hpp"

using namespace ntk;
using kernel_test::ball;
using kernel_test::contains_ref;
using kernel_test::make_dataset;

namespace {

constexpr double u = 0x1p-53;

// c/π as a reference ball.
ball over_pi(double c) {
  ball r;
  mpfi_const_pi(r.get());
  mpfi_d_div(r.get(), c, r.get());
  return r;
}

template <class I>
dense_matrix<I> ntk_of(const dataset& ds, const preprocessing& pre, int depth) {
  null_progress np;
  return ntk_compute<I>(geometry_compute<I>(ds, pre, np), depth, np);
}

template <class I>
void closed_forms() {
  const preprocessing none;
  // Orthogonal rows: ρ = 0, so K^(2)_01 = κ₁(0)‖x_0‖‖x_1‖ = 3·4/π and Ġ^(2)_01 = 1/2.
  {
    const dataset ds = make_dataset(2, 2, {3, 0, 0, 4});
    const dense_matrix<I> K2 = ntk_of<I>(ds, none, 2);
    BOOST_TEST(contains_ref(K2(0, 1), over_pi(12)));
    BOOST_TEST(kernel_test::width(K2(0, 1)) <= 16 * u * 12);
    null_progress np;
    const dense_matrix<I> gd = kernel_matrix<I>(geometry_compute<I>(ds, none, np), 2, kernel_which::Gdot, 2, np);
    BOOST_TEST(contains(gd(0, 1), 0.5));
    BOOST_TEST(contains(K2(0, 0), 18.0));
    BOOST_TEST(contains(K2(1, 1), 32.0));
  }
  // Antipodal rows: ρ = -1 exactly; K̂^(2) = κ₁(-1) + (-1)κ₀(-1) = 0, K̂^(3) = κ₁(0) + 0 = 1/π.
  {
    const dataset ds = make_dataset(2, 2, {1, 2, -1, -2});
    null_progress np;
    const geometry<I> g = geometry_compute<I>(ds, none, np);
    BOOST_TEST(upper_d(g.eps(0, 1)) == 0.0);
    BOOST_TEST(lower_d(g.rho(0, 1)) == -1.0);
    const dense_matrix<I> K2 = ntk_compute<I>(g, 2, np);
    BOOST_TEST(contains(K2(0, 1), 0.0));
    BOOST_TEST(kernel_test::width(K2(0, 1)) <= 1e-300);
    const dense_matrix<I> K3 = ntk_compute<I>(g, 3, np);
    BOOST_TEST(contains_ref(K3(0, 1), over_pi(5)));
  }
  // Identical rows: δ = 0 exactly at every layer, K^(L)_01 = L‖x‖².
  {
    const dataset ds = make_dataset(3, 3, {1, 2, 3, 1, 2, 3, 0, 1, 0});
    null_progress np;
    const geometry<I> g = geometry_compute<I>(ds, none, np);
    BOOST_TEST(upper_d(g.delta(0, 1)) == 0.0);
    struct exact_check final : layer_visitor<I> {
      bool all_exact = true;
      void layer(int, const dense_matrix<I>&, const dense_matrix<I>& d, const dense_matrix<I>&,
                 const dense_matrix<I>*, const dense_matrix<I>&) override {
        all_exact = all_exact && upper_d(d(0, 1)) == 0.0 && lower_d(d(0, 1)) == 0.0;
      }
      bool wants_gdot() const override { return false; }
    } v;
    const dense_matrix<I> K = ntk_compute<I>(g, 7, np, &v);
    BOOST_TEST(v.all_exact);
    BOOST_TEST(contains(K(0, 1), 7 * 14.0));
    BOOST_TEST(kernel_test::width(K(0, 1)) <= 64 * u * 7 * 14);
  }
  // One column: every ρ is ±1. Rows 0.1, 0.37, -2.5 (not integers: the bounded route in double).
  {
    const dataset ds = make_dataset(3, 1, {0.1, 0.37, -2.5});
    const dense_matrix<I> K = ntk_of<I>(ds, none, 3);
    ball k01(0.1);  // ρ = 1: K^(3)_01 = 3·0.1·0.37 (of the doubles 0.1, 0.37)
    mpfi_mul_d(k01.get(), k01.get(), 0.37);
    mpfi_mul_ui(k01.get(), k01.get(), 3);
    BOOST_TEST(contains_ref(K(0, 1), k01));
    ball k02 = over_pi(0.1);  // ρ = -1: K^(3)_02 = ‖x_0‖‖x_2‖/π
    mpfi_mul_d(k02.get(), k02.get(), 2.5);
    BOOST_TEST(contains_ref(K(0, 2), k02));
    BOOST_TEST(kernel_test::width(K(0, 1)) <= 1e-12);
    BOOST_TEST(kernel_test::width(K(0, 2)) <= 1e-12);
  }
  // N = 1.
  {
    const dataset ds = make_dataset(1, 3, {1, -2, 2});
    const dense_matrix<I> K = ntk_of<I>(ds, none, 4);
    BOOST_TEST(K.rows == 1u);
    BOOST_TEST(contains(K(0, 0), 36.0));
  }
  // Sphere: diagonal L·d.
  {
    std::mt19937_64 rng(5);
    const dataset ds = kernel_test::gaussian(rng, 4, 3);
    const dense_matrix<I> K = ntk_of<I>(ds, {false, normalization::sphere}, 5);
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(contains(K(i, i), 15.0));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(special)

BOOST_AUTO_TEST_CASE(closed_forms_double) { closed_forms<dinterval>(); }

BOOST_AUTO_TEST_CASE(closed_forms_mpfi) {
  set_working_precision_bits(128);
  closed_forms<minterval>();
}

BOOST_AUTO_TEST_CASE(zero_rows_and_bad_arguments) {
  null_progress np;
  const dataset zero = make_dataset(2, 2, {1, 2, 0, 0});
  BOOST_CHECK_THROW(geometry_compute<dinterval>(zero, {}, np), data_error);
  const dataset one = make_dataset(1, 2, {1, 2});
  BOOST_CHECK_THROW(geometry_compute<dinterval>(one, {true, normalization::none}, np), data_error);
  const dataset nan = make_dataset(1, 2, {1, std::nan("")});
  BOOST_CHECK_THROW(geometry_compute<dinterval>(nan, {}, np), data_error);
  const geometry<dinterval> g = geometry_compute<dinterval>(one, {}, np);
  BOOST_CHECK_THROW(ntk_compute<dinterval>(g, 0, np), std::invalid_argument);
  BOOST_CHECK_THROW(ntk_compute<dinterval>(g, ntk_max_depth + 1, np), std::invalid_argument);
  BOOST_CHECK_THROW(kernel_matrix<dinterval>(g, 3, kernel_which::Gdot, 1, np), std::invalid_argument);
  BOOST_CHECK_THROW(kernel_matrix<dinterval>(g, 3, kernel_which::K, 4, np), std::invalid_argument);
  const dense_matrix<dinterval> K64 = ntk_compute<dinterval>(g, ntk_max_depth, np);
  BOOST_TEST(contains(K64(0, 0), 64 * 5.0));
}

// Routes: integer data is exact in both tiers; non-integer data is bounded (double) or sliced
// (precise); an extreme exponent range takes the precise tier's interval fallback.
BOOST_AUTO_TEST_CASE(routes_and_fallback) {
  null_progress np;
  std::mt19937_64 rng(8);
  const dataset px = kernel_test::pixels(rng, 5, 4);
  BOOST_TEST(geometry_compute<dinterval>(px, {true, normalization::none}, np).method == "exact-integer");
  set_working_precision_bits(128);
  BOOST_TEST(geometry_compute<minterval>(px, {true, normalization::none}, np).method == "exact-integer");
  dataset wide = kernel_test::gaussian(rng, 5, 3);
  for (std::size_t t = 0; t < wide.x.size(); t += 4) wide.x[t] *= 1e-250;
  wide.x[1] *= 1e60;
  const preprocessing pre{true, normalization::none};
  const geometry<minterval> gm = geometry_compute<minterval>(wide, pre, np);
  BOOST_TEST(gm.method == "interval");
  const geometry<dinterval> gd = geometry_compute<dinterval>(wide, pre, np);
  BOOST_TEST(gd.method == "bounded");
  const kernel_test::reference_layers ref = kernel_test::reference_ntk(wide, pre, 3);
  const dense_matrix<minterval> Km = ntk_compute<minterval>(gm, 3, np);
  const dense_matrix<dinterval> Kd = ntk_compute<dinterval>(gd, 3, np);
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) {
      BOOST_TEST(contains_ref(Km(i, j), ref.K[2](i, j)));
      BOOST_TEST(contains_ref(Kd(i, j), ref.K[2](i, j)));
    }
}

// kernel_matrix agrees with the visitor, and G / Gdot / K at a layer contain the reference.
BOOST_AUTO_TEST_CASE(kernel_matrix_layers) {
  null_progress np;
  std::mt19937_64 rng(11);
  const dataset ds = kernel_test::gaussian(rng, 5, 4);
  const preprocessing pre{true, normalization::none};
  const geometry<dinterval> g = geometry_compute<dinterval>(ds, pre, np);
  const kernel_test::reference_layers ref = kernel_test::reference_ntk(ds, pre, 4);
  for (int l = 1; l <= 4; ++l) {
    const dense_matrix<dinterval> K = kernel_matrix<dinterval>(g, 4, kernel_which::K, l, np);
    const dense_matrix<dinterval> G = kernel_matrix<dinterval>(g, 4, kernel_which::G, l, np);
    for (std::size_t i = 0; i < 5; ++i)
      for (std::size_t j = 0; j < 5; ++j) {
        BOOST_TEST(contains_ref(K(i, j), ref.K[l - 1](i, j)));
        BOOST_TEST(contains_ref(G(i, j), ref.G[l - 1](i, j)));
      }
    if (l >= 2) {
      const dense_matrix<dinterval> Gd = kernel_matrix<dinterval>(g, 4, kernel_which::Gdot, l, np);
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 5; ++j) BOOST_TEST(contains_ref(Gd(i, j), ref.Gdot[l - 1](i, j)));
    }
  }
  const dense_matrix<dinterval> K4 = ntk_compute<dinterval>(g, 4, np);
  const dense_matrix<dinterval> K4b = kernel_matrix<dinterval>(g, 4, kernel_which::K, 4, np);
  for (std::size_t t = 0; t < K4.data.size(); ++t) {
    BOOST_TEST(K4.data[t].lo == K4b.data[t].lo);
    BOOST_TEST(K4.data[t].hi == K4b.data[t].hi);
  }
}

BOOST_AUTO_TEST_CASE(conventions) {
  BOOST_TEST((parse_kernel_convention("neural-tangents").value() == kernel_convention::neural_tangents));
  BOOST_TEST(!parse_kernel_convention("ntk").has_value());
  BOOST_TEST(std::string(kernel_convention_name(kernel_convention::uci)) == "uci");
  null_progress np;
  std::mt19937_64 rng(12);
  const dataset ds = kernel_test::gaussian(rng, 4, 3);
  const geometry<dinterval> g = geometry_compute<dinterval>(ds, {}, np);
  const kernel_test::reference_layers ref = kernel_test::reference_ntk(ds, {}, 3);
  const dense_matrix<dinterval> K = ntk_compute<dinterval>(g, 3, np);
  dense_matrix<dinterval> nt = K, uci = K, gd = kernel_matrix<dinterval>(g, 3, kernel_which::Gdot, 3, np);
  apply_convention(nt, kernel_which::K, kernel_convention::neural_tangents, ds.d, 3);
  apply_convention(uci, kernel_which::K, kernel_convention::uci, ds.d, 3);
  const dense_matrix<dinterval> gd0 = gd;
  apply_convention(gd, kernel_which::Gdot, kernel_convention::uci, ds.d, 3);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) {
      ball r = ref.K[2](i, j);
      mpfi_div_ui(r.get(), r.get(), 3);
      BOOST_TEST(contains_ref(nt(i, j), r));
      BOOST_TEST(uci(i, j).lo == K(i, j).lo / 4);  // exact power of two
      BOOST_TEST(uci(i, j).hi == K(i, j).hi / 4);
      BOOST_TEST(gd(i, j).lo == gd0(i, j).lo);
    }
}

// The uncertified kernel: close to the reference where the problem is well conditioned, and the
// two θ variants agree to rounding level.
BOOST_AUTO_TEST_CASE(float_kernel_accuracy) {
  std::mt19937_64 rng(13);
  const dataset ds = kernel_test::gaussian(rng, 6, 5);
  for (const preprocessing& pre : {preprocessing{}, preprocessing{true, normalization::sphere}}) {
    const kernel_test::reference_layers ref = kernel_test::reference_ntk(ds, pre, 4);
    const dense_matrix<double> K64 = float_ntk<double>(ds, pre, 4);
    const dense_matrix<double> K64a = float_ntk<double>(ds, pre, 4, {true});
    const dense_matrix<float> K32 = float_ntk<float>(ds, pre, 4);
    const dense_matrix<double> G3 = float_kernel_matrix<double>(ds, pre, 4, kernel_which::G, 3);
    const dense_matrix<double> D3 = float_kernel_matrix<double>(ds, pre, 4, kernel_which::Gdot, 3);
    for (std::size_t i = 0; i < 6; ++i)
      for (std::size_t j = 0; j < 6; ++j) {
        const double k = kernel_test::ref_mid(ref.K[3](i, j));
        const double scale = std::sqrt(kernel_test::ref_mid(ref.sqnorm[i]) * kernel_test::ref_mid(ref.sqnorm[j]));
        // Diagonal entries: acos near 1 amplifies rounding to about √u.
        const double tol64 = i == j ? 1e-6 : 1e-11, tol32 = i == j ? 2e-2 : 1e-4;
        BOOST_TEST(std::fabs(K64(i, j) - k) <= tol64 * scale * 4);
        BOOST_TEST(std::fabs(K64a(i, j) - k) <= tol64 * scale * 4);
        BOOST_TEST(std::fabs(double(K32(i, j)) - k) <= tol32 * scale * 4);
        BOOST_TEST(std::fabs(G3(i, j) - kernel_test::ref_mid(ref.G[2](i, j))) <= tol64 * scale);
        BOOST_TEST(std::fabs(D3(i, j) - kernel_test::ref_mid(ref.Gdot[2](i, j))) <= (i == j ? 1e-6 : 1e-11));
      }
  }
}

BOOST_AUTO_TEST_SUITE_END()
