// The binary64 tier's endpoint-written kernel pieces against the generic template code they replace
// and against MPFR at 1600 bits: relu_map (kernel/detail/relu_binary64.hpp) must lie inside
// relu_map_thin<dinterval> and contain κ at the ends and the middle of its input; khat_of_pair's
// dinterval overload must lie inside the template's; correlation_exact_i64 must contain the exact
// correlation of integer Gram entries; the short g series must contain g on thin intervals.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <random>

#include "kernel/detail/g_series.hpp"
#include "kernel/ntk_entry.hpp"
#include "kernel/pair_correlation.hpp"
#include "kernel/relu_maps.hpp"
#include "test_util.hpp"

using namespace ntk;
using kernel_test::ball;
using kernel_test::contains_ref;
using kernel_test::ref_kappa;
using kernel_test::reference_kappa;
using kernel_test::triple_around;

namespace {

bool inside(const dinterval& x, const dinterval& y) { return y.lo <= x.lo && x.hi <= y.hi && x.lo <= x.hi; }

}  // namespace

BOOST_AUTO_TEST_SUITE(relu_binary64)

// Point and thin inputs in every representation, widths 0 .. 2^-38 (past the one-evaluation limit,
// so the fallbacks are exercised too): inside the template's result and containing κ.
BOOST_AUTO_TEST_CASE(relu_map_inside_template_and_contains_reference) {
  std::mt19937_64 rng(2718);
  std::uniform_real_distribution<double> U(0, 1);
  const relu_constants<dinterval> cst;
  int checked = 0;
  for (int it = 0; it < 1500; ++it) {
    const int from = it % 3 == 0 ? 1 : (it % 3 == 1 ? -1 : 0);
    const double a = from == 0 ? 1.1 * (U(rng) - 0.5) : 0.5 * std::pow(10.0, -20.0 * U(rng));
    const double w = it % 5 == 0 ? 0.0 : std::min(0x1p-38, std::fabs(a) * std::pow(10.0, -17.0 + 15.0 * U(rng)));
    const double b = a + w;
    const correlation<dinterval> c = triple_around(a, b, from);
    const relu_image<dinterval> fast = relu_map(c, cst);
    const relu_image<dinterval> tmpl = relu_map_thin<dinterval>(c, cst);
    BOOST_TEST_CONTEXT("from " << from << " [" << a << ", " << b << "]") {
      BOOST_TEST(inside(fast.kappa1.rho, tmpl.kappa1.rho));
      BOOST_TEST(inside(fast.kappa1.delta, tmpl.kappa1.delta));
      BOOST_TEST(inside(fast.kappa1.eps, tmpl.kappa1.eps));
      BOOST_TEST(inside(fast.kappa0, tmpl.kappa0));
      for (double t : {a, b, a + 0.5 * w}) {
        const ref_kappa ref = reference_kappa(t, from);
        BOOST_TEST(contains_ref(fast.kappa1.rho, ref.k1));
        BOOST_TEST(contains_ref(fast.kappa1.delta, ref.one_minus_k1));
        BOOST_TEST(contains_ref(fast.kappa0, ref.k0));
        ++checked;
      }
    }
  }
  BOOST_TEST(checked > 2000);
}

// Exact corners: ρ = ±1, 0, ±1/2 as points.
BOOST_AUTO_TEST_CASE(relu_map_special_points) {
  const relu_constants<dinterval> cst;
  for (double r : {-1.0, -0.5, 0.0, 0.5, 1.0}) {
    const correlation<dinterval> c = triple_around(r, r, 0);
    const relu_image<dinterval> fast = relu_map(c, cst);
    const ref_kappa ref = reference_kappa(r, 0);
    BOOST_TEST_CONTEXT("rho = " << r) {
      BOOST_TEST(contains_ref(fast.kappa1.rho, ref.k1));
      BOOST_TEST(contains_ref(fast.kappa0, ref.k0));
      BOOST_TEST(inside(fast.kappa1.rho, relu_map_thin<dinterval>(c, cst).kappa1.rho));
    }
  }
}

// The dinterval khat_of_pair against the template (explicit template argument), depths 1 .. 8.
BOOST_AUTO_TEST_CASE(khat_inside_template) {
  std::mt19937_64 rng(31337);
  std::uniform_real_distribution<double> U(0, 1);
  const relu_constants<dinterval> cst;
  for (int it = 0; it < 600; ++it) {
    const int from = it % 3 == 0 ? 1 : (it % 3 == 1 ? -1 : 0);
    const double a = from == 0 ? U(rng) - 0.5 : 0.5 * std::pow(10.0, -15.0 * U(rng));
    const double b = a + std::fabs(a) * std::pow(10.0, -16.0 + 6.0 * U(rng));
    const correlation<dinterval> c = triple_around(a, b, from);
    for (int depth = 1; depth <= 8; ++depth) {
      const dinterval fast = khat_of_pair(c, depth, cst);
      const dinterval tmpl = khat_of_pair<dinterval>(c, depth, cst);
      BOOST_TEST_CONTEXT("from " << from << " [" << a << ", " << b << "] depth " << depth) {
        BOOST_TEST(inside(fast, tmpl));
      }
    }
  }
}

// Integer Gram entries a = ‖y_i‖², b = ‖y_j‖², c = <y_i, y_j> with |c| <= √(ab): the result contains
// ρ = c/√(ab), 1 - ρ, 1 + ρ computed in MPFI; 1 - ρ (c > 0) and 1 + ρ (c < 0) to a few units
// relative even when |c| is within one of √(ab).
BOOST_AUTO_TEST_CASE(correlation_exact_i64_against_mpfr) {
  std::mt19937_64 rng(777);
  double worst = 0;
  for (int it = 0; it < 3000; ++it) {
    const int bits = 1 + static_cast<int>(rng() % 62);  // a, b up to 2^62
    const std::int64_t a = 1 + static_cast<std::int64_t>(rng() >> (64 - bits));
    const std::int64_t b = 1 + static_cast<std::int64_t>(rng() >> (64 - 1 - static_cast<int>(rng() % 62)));
    const long double s = std::sqrt(static_cast<long double>(a) * static_cast<long double>(b));
    std::int64_t c = 0;
    switch (it % 4) {
      case 0: c = static_cast<std::int64_t>(s * (2.0L * (rng() >> 11) * 0x1p-53L - 1.0L)); break;
      case 1: c = static_cast<std::int64_t>(std::floor(s)) - static_cast<std::int64_t>(rng() % 3); break;
      case 2: c = -static_cast<std::int64_t>(std::floor(s)) + static_cast<std::int64_t>(rng() % 3); break;
      default: c = it % 8 == 3 ? 0 : (rng() % 2 ? 1 : -1); break;
    }
    // Keep |c| <= √(ab) exactly (integers): c² <= ab.
    while (static_cast<unsigned __int128>(c < 0 ? -c : c) * static_cast<unsigned __int128>(c < 0 ? -c : c) >
           static_cast<unsigned __int128>(a) * static_cast<unsigned __int128>(b))
      c += c > 0 ? -1 : 1;
    const correlation<dinterval> r = kernel_detail::correlation_exact_i64(a, b, c);
    ball rho, ab, one;
    mpfi_set_si(ab.get(), a);
    mpfi_mul_si(ab.get(), ab.get(), b);
    mpfi_sqrt(ab.get(), ab.get());
    mpfi_set_si(rho.get(), c);
    mpfi_div(rho.get(), rho.get(), ab.get());
    ball om, op;
    mpfi_ui_sub(om.get(), 1, rho.get());
    mpfi_add_ui(op.get(), rho.get(), 1);
    BOOST_TEST_CONTEXT("a = " << a << ", b = " << b << ", c = " << c) {
      // ρ within one of ±1 loses bits in the reference itself (1 ∓ ρ from ρ): check only ρ there.
      BOOST_TEST(contains_ref(r.rho, rho));
      if (kernel_test::narrow(om)) BOOST_TEST(contains_ref(r.delta, om));
      if (kernel_test::narrow(op)) BOOST_TEST(contains_ref(r.eps, op));
    }
    const dinterval& near = c > 0 ? r.delta : r.eps;
    const double mid = 0.5 * (near.lo + near.hi);
    if (c != 0 && mid > 0) worst = std::max(worst, (near.hi - near.lo) / mid);
  }
  BOOST_TEST_MESSAGE("correlation_exact_i64: max relative width of 1 -+ rho: " << worst / 0x1p-53 << " units");
  BOOST_TEST(worst <= 32 * 0x1p-53);
}

// g on thin intervals [θ, θ + w] (the maps pass enclosures of θ): contains g at both ends.
BOOST_AUTO_TEST_CASE(g_series_thin_intervals) {
  std::mt19937_64 rng(4711);
  std::uniform_real_distribution<double> U(0, 1);
  for (int it = 0; it < 600; ++it) {
    const double a = it % 2 ? 1.06 * U(rng) : std::pow(10.0, -30.0 * U(rng));
    const double b = a + a * std::pow(10.0, -16.0 + 10.0 * U(rng));
    const dinterval g = kernel_detail::g_sin_minus_t_cos(dinterval(a, b));
    for (double t : {a, b}) {
      BOOST_TEST_CONTEXT("[" << a << ", " << b << "] at " << t) {
        BOOST_TEST(contains_ref(g, kernel_test::reference_g(t)));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
