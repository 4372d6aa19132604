// relu_map and the g(θ) series against MPFR at 1600 bits (plain formulas, no lib/kernel code).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "kernel/detail/g_series.hpp"
#include "kernel/relu_maps.hpp"
#include "test_util.hpp"

using namespace ntk;
using kernel_test::ball;
using kernel_test::contains_ref;
using kernel_test::ref_kappa;
using kernel_test::reference_kappa;

namespace {

constexpr double u = 0x1p-53;

// The triple of an exact ρ represented by t as above, for tier I.
template <class I>
correlation<I> triple(double t, int from) {
  using tr = interval_traits<I>;
  correlation<I> c;
  if (from == 1) {
    c.delta = tr::point(t);
    c.rho = 1.0 - c.delta;
    c.eps = 2.0 - c.delta;
  } else if (from == -1) {
    c.eps = tr::point(t);
    c.rho = c.eps - 1.0;
    c.delta = 2.0 - c.eps;
  } else {
    c.rho = tr::point(t);
    c.delta = 1.0 - c.rho;
    c.eps = 1.0 + c.rho;
  }
  make_consistent(c);
  return c;
}

template <class I>
void check_random_points(double unit, const char* tier) {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> U(0, 1);
  const relu_constants<I> cst;
  double worst_rel_om = 0, worst_rel_k1_near_m1 = 0, worst_k0 = 0;
  for (int it = 0; it < 600; ++it) {
    const int from = it % 3 == 0 ? 1 : (it % 3 == 1 ? -1 : 0);
    // δ, ε spread over 1e-30 .. 0.5 (log-uniform); ρ uniform in [-0.5, 0.5].
    const double t = from == 0 ? U(rng) - 0.5 : 0.5 * std::pow(10.0, -30.0 * U(rng));
    const ref_kappa ref = reference_kappa(t, from);
    const relu_image<I> img = relu_map(triple<I>(t, from), cst);
    BOOST_TEST_CONTEXT(tier << " from " << from << " t = " << t) {
      BOOST_TEST(contains_ref(img.kappa1.rho, ref.k1));
      BOOST_TEST(contains_ref(img.kappa1.delta, ref.one_minus_k1));
      BOOST_TEST(contains_ref(img.kappa0, ref.k0));
      ball op;
      mpfi_add_ui(op.get(), ref.k1.get(), 1);
      BOOST_TEST(contains_ref(img.kappa1.eps, op));
    }
    // Relative accuracy where it matters: 1 - κ₁ near ρ = 1, κ₁ near ρ = -1.
    if (from == 1)
      worst_rel_om = std::max(worst_rel_om, kernel_test::width(img.kappa1.delta) / kernel_test::ref_mid(ref.one_minus_k1));
    if (from == -1)
      worst_rel_k1_near_m1 =
          std::max(worst_rel_k1_near_m1, kernel_test::width(img.kappa1.rho) / kernel_test::ref_mid(ref.k1));
    worst_k0 = std::max(worst_k0, kernel_test::width(img.kappa0));
  }
  BOOST_TEST_MESSAGE(tier << ": max relative width of 1-κ₁ near 1: " << worst_rel_om / unit
                          << " units; of κ₁ near -1: " << worst_rel_k1_near_m1 / unit
                          << " units; max width of κ₀: " << worst_k0 / unit << " units");
  // Exact points in, so only the evaluation's own roundings (each double-tier operation widens by
  // about one unit on each side; κ₁ near -1 is a cube of φ): a few dozen units at most.
  BOOST_TEST(worst_rel_om <= 64 * unit);
  BOOST_TEST(worst_rel_k1_near_m1 <= 160 * unit);
  BOOST_TEST(worst_k0 <= 32 * unit);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(relu_maps)

BOOST_AUTO_TEST_CASE(special_values_double) {
  const relu_constants<dinterval> cst;
  // ρ = 0: κ₁ = 1/π, κ₀ = 1/2.
  const relu_image<dinterval> z = relu_map(triple<dinterval>(0.0, 0), cst);
  ball inv_pi;
  mpfi_const_pi(inv_pi.get());
  mpfi_inv(inv_pi.get(), inv_pi.get());
  BOOST_TEST(contains_ref(z.kappa1.rho, inv_pi));
  BOOST_TEST(contains(z.kappa0, 0.5));
  BOOST_TEST(kernel_test::width(z.kappa1.rho) <= 8 * u);
  BOOST_TEST(kernel_test::width(z.kappa0) <= 8 * u);
  // ρ = 1 and ρ = -1 exactly: exact results.
  const relu_image<dinterval> one = relu_map(correlation_one<dinterval>(), cst);
  BOOST_TEST(one.kappa1.rho.lo == 1.0);
  BOOST_TEST(one.kappa1.rho.hi == 1.0);
  BOOST_TEST(one.kappa1.delta.lo == 0.0);
  BOOST_TEST(one.kappa1.delta.hi == 0.0);
  BOOST_TEST(one.kappa0.lo == 1.0);
  BOOST_TEST(one.kappa0.hi == 1.0);
  const correlation<dinterval> m1{dinterval(-1.0), dinterval(2.0), dinterval(0.0)};
  const relu_image<dinterval> mone = relu_map(m1, cst);
  BOOST_TEST(mone.kappa1.rho.lo == 0.0);
  BOOST_TEST(mone.kappa1.rho.hi == 0.0);
  BOOST_TEST(mone.kappa0.lo == 0.0);
  BOOST_TEST(mone.kappa0.hi == 0.0);
  // ρ = 1/2 from either representation: κ₁ = √3/(2π) + 1/3, κ₀ = 2/3.
  const ref_kappa half = reference_kappa(0.5, 0);
  for (const auto& c : {triple<dinterval>(0.5, 0), triple<dinterval>(0.5, 1)}) {
    const relu_image<dinterval> h = relu_map(c, cst);
    BOOST_TEST(contains_ref(h.kappa1.rho, half.k1));
    BOOST_TEST(contains_ref(h.kappa0, half.k0));
  }
}

BOOST_AUTO_TEST_CASE(special_values_mpfi) {
  set_working_precision_bits(200);
  const relu_constants<minterval> cst;
  const relu_image<minterval> z = relu_map(triple<minterval>(0.0, 0), cst);
  ball inv_pi;
  mpfi_const_pi(inv_pi.get());
  mpfi_inv(inv_pi.get(), inv_pi.get());
  BOOST_TEST(contains_ref(z.kappa1.rho, inv_pi));
  BOOST_TEST(contains(z.kappa0, 0.5));
  const relu_image<minterval> one = relu_map(correlation_one<minterval>(), cst);
  BOOST_TEST(lower_d(one.kappa1.rho) == 1.0);
  BOOST_TEST(upper_d(one.kappa1.rho) == 1.0);
  BOOST_TEST(upper_d(one.kappa1.delta) == 0.0);
  BOOST_TEST(lower_d(one.kappa0) == 1.0);
}

BOOST_AUTO_TEST_CASE(random_points_double) { check_random_points<dinterval>(u, "double"); }

BOOST_AUTO_TEST_CASE(random_points_mpfi) {
  const long p = set_working_precision_bits(160);
  check_random_points<minterval>(std::ldexp(1.0, -static_cast<int>(p)), "mpfi-160");
}

// Wide inputs: the image must contain κ at both ends and at interior points (monotone hull).
BOOST_AUTO_TEST_CASE(interval_inputs) {
  std::mt19937_64 rng(777);
  std::uniform_real_distribution<double> U(-1, 1);
  const relu_constants<dinterval> cst;
  for (int it = 0; it < 300; ++it) {
    double a = U(rng), b = U(rng);
    if (a > b) std::swap(a, b);
    if (it % 4 == 0) b = std::min(1.0, a + 1e-9 * std::fabs(U(rng)));
    correlation<dinterval> c{dinterval(a, b), 1.0 - dinterval(a, b), 1.0 + dinterval(a, b)};
    make_consistent(c);
    const relu_image<dinterval> img = relu_map(c, cst);
    for (double t : {a, b, 0.5 * (a + b)}) {
      const ref_kappa ref = reference_kappa(t, 0);
      BOOST_TEST(contains_ref(img.kappa1.rho, ref.k1));
      BOOST_TEST(contains_ref(img.kappa0, ref.k0));
    }
  }
}

// Thin inputs take relu_map_thin (one evaluation, the rest by the mean value theorem): the image
// contains κ at both ends and inside, in each representation (δ near 1, ε near -1, ρ), and is at
// most about twice as wide as the two-endpoint template's.
BOOST_AUTO_TEST_CASE(thin_interval_inputs) {
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<double> U(0, 1);
  const relu_constants<dinterval> cst;
  int thin_taken = 0;
  for (int it = 0; it < 900; ++it) {
    const int from = it % 3 == 0 ? 1 : (it % 3 == 1 ? -1 : 0);
    const double a = from == 0 ? U(rng) - 0.5 : 0.5 * std::pow(10.0, -25.0 * U(rng));
    // Width from 1e-18 relative up to 2^-41 absolute (the thin route's limit is 2^-40).
    const double w = std::min(0x1p-41, std::fabs(a) * std::pow(10.0, -18.0 + 17.0 * U(rng)));
    const double b = a + w;
    const correlation<dinterval> c = kernel_test::triple_around(a, b, from);
    const relu_image<dinterval> img = relu_map(c, cst);
    const relu_image<dinterval> two = relu_map<dinterval>(c, cst);
    thin_taken += width_up(img.kappa0) != width_up(two.kappa0) || width_up(img.kappa1.rho) != width_up(two.kappa1.rho);
    BOOST_TEST_CONTEXT("from " << from << " [" << a << ", " << b << "]") {
      for (double x : {a, b, a + 0.5 * w}) {
        const ref_kappa ref = reference_kappa(x, from);
        BOOST_TEST(contains_ref(img.kappa1.rho, ref.k1));
        BOOST_TEST(contains_ref(img.kappa1.delta, ref.one_minus_k1));
        BOOST_TEST(contains_ref(img.kappa0, ref.k0));
      }
      BOOST_TEST(width_up(img.kappa1.rho) <= 2 * width_up(two.kappa1.rho) + 0x1p-50);
      BOOST_TEST(width_up(img.kappa1.delta) <= 2 * width_up(two.kappa1.delta) + 64 * 0x1p-53 * upper_d(two.kappa1.delta));
      BOOST_TEST(width_up(img.kappa0) <= 2 * width_up(two.kappa0) + 0x1p-50);
    }
  }
  BOOST_TEST(thin_taken > 300);  // the one-evaluation route was actually exercised
}

// g(θ) = sin θ - θ cos θ from the series, against MPFR's sin and cos at 1600 bits.
BOOST_AUTO_TEST_CASE(g_series_against_mpfr) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> U(0, 1);
  double worst = 0;
  for (int it = 0; it < 400; ++it) {
    // The maps use θ <= π/3; the series is valid (but less accurate) up to 3.
    const double th = it % 3 == 0 ? 3.0 * U(rng) : (it % 3 == 1 ? 1.05 * U(rng) : std::pow(10.0, -40.0 * U(rng)));
    const ball s = kernel_test::reference_g(th);
    const dinterval g = kernel_detail::g_sin_minus_t_cos(dinterval(th));
    BOOST_TEST_CONTEXT("theta = " << th) { BOOST_TEST(contains_ref(g, s)); }
    if (th <= 1.05) worst = std::max(worst, kernel_test::width(g) / kernel_test::ref_mid(s));
  }
  BOOST_TEST_MESSAGE("g series: max relative width for θ <= 1.05: " << worst / u << " units");
  BOOST_TEST(worst <= 32 * u);
}

BOOST_AUTO_TEST_SUITE_END()
