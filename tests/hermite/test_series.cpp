// Series evaluation of κ₁ and κ₀ with the tail bound, against the closed forms in MPFI at higher
// precision: a grid of points in [-1, 1] (including points near ±1), random intervals, both tiers.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "hermite/series.hpp"
#include "reference.hpp"

using namespace ntk::hermite;
using hermite_test::ball;
using ntk::dinterval;
using ntk::minterval;

namespace {

// Points of [-1, 1], each exact at the current working precision (>= 710 bits): the doubles
// nearest k/20, and ±(1 - 2^-j) close to ±1.
std::vector<minterval> grid() {
  std::vector<minterval> g;
  for (int k = -20; k <= 20; ++k) g.push_back(ntk::make_minterval(k / 20.0, k / 20.0));
  for (int j : {4, 10, 20, 40, 60, 200, 700}) {
    minterval x = 1;
    mpfi_mul_2si(ntk::mpfi_of(x), ntk::mpfi_of(x), -j);
    g.push_back(1 - x);
    g.push_back(x - 1);
  }
  return g;
}

// The same in doubles: k/20 and ±(1 - 2^-j), j <= 52.
std::vector<double> double_grid() {
  std::vector<double> g;
  for (int k = -20; k <= 20; ++k) g.push_back(k / 20.0);
  for (int j : {4, 10, 20, 40, 52}) {
    g.push_back(1 - std::ldexp(1.0, -j));
    g.push_back(std::ldexp(1.0, -j) - 1);
  }
  return g;
}

// The series enclosure meets the closed-form enclosure (each contains the true value). The
// closed form is computed at 4x the series' precision or more, so this is containment of the true
// value up to a far smaller width; plain containment of the closed-form interval would fail
// wrongly where the series is exact (step at ρ = 0 gives the point 1/2).
bool agrees(const minterval& series, mpfi_srcptr closed) {
  const auto* s = ntk::mpfi_of(series);
  return mpfr_cmp(&s->left, &closed->right) <= 0 && mpfr_cmp(&closed->left, &s->right) <= 0;
}
bool agrees(const dinterval& series, mpfi_srcptr closed) {
  return mpfr_cmp_d(&closed->right, series.lo) >= 0 && mpfr_cmp_d(&closed->left, series.hi) <= 0;
}

struct precision_guard {
  long saved = ntk::working_precision_bits();
  explicit precision_guard(long bits) { ntk::set_working_precision_bits(bits); }
  ~precision_guard() { ntk::set_working_precision_bits(saved); }
};

double width(const minterval& x) {
  mpfr_t d;
  mpfr_init2(d, 64);
  mpfr_sub(d, &ntk::mpfi_of(x)->right, &ntk::mpfi_of(x)->left, MPFR_RNDU);
  const double w = mpfr_get_d(d, MPFR_RNDU);
  mpfr_clear(d);
  return w;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(series)

// The series at 1000 bits (order 1200) agrees with the closed form computed at 4000 bits and
// overlaps the closed form at 1000 bits. Where |ρ| <= 1/2 the tail is
// below 2^-1200 and the enclosure must be near full precision; near ±1 the enclosure may only be
// as wide as the tail bound allows.
BOOST_AUTO_TEST_CASE(closed_form_agreement_1000_bits) {
  const precision_guard guard(1000);
  const unsigned R = 1200;
  for (activation a : {activation::relu, activation::step}) {
    const coefficient_table table(a, R, 1000);
    const kappa_series<minterval> kappa(table, R);
    const double tail_mass = ntk::upper_d(kappa.tail_mass());
    for (const minterval& rho : grid()) {
      const double t = std::max(std::abs(ntk::lower_d(rho)), std::abs(ntk::upper_d(rho)));
      BOOST_REQUIRE(mpfr_equal_p(&ntk::mpfi_of(rho)->left, &ntk::mpfi_of(rho)->right));  // a point
      BOOST_TEST_INFO(activation_name(a) << ", rho = " << t);
      ball closed(4000), closed1000(1000);
      hermite_test::kappa_closed_form(closed.v, ntk::mpfi_of(rho), a == activation::relu);
      hermite_test::kappa_closed_form(closed1000.v, ntk::mpfi_of(rho), a == activation::relu);
      const minterval value = kappa(rho);
      BOOST_TEST(agrees(value, closed.v));
      BOOST_TEST(mpfr_cmp(&ntk::mpfi_of(value)->left, &closed1000.v->right) <= 0);
      BOOST_TEST(mpfr_cmp(&closed1000.v->left, &ntk::mpfi_of(value)->right) <= 0);
      const double w = width(value);
      BOOST_TEST(w <= 2 * tail_mass * std::pow(std::abs(t), R + 1) + std::ldexp(1.0, -980));
      if (std::abs(t) <= 0.5) BOOST_TEST(w <= std::ldexp(1.0, -980));
    }
  }
}

BOOST_AUTO_TEST_CASE(closed_form_agreement_double_tier) {
  const unsigned R = 400;
  for (activation a : {activation::relu, activation::step}) {
    const coefficient_table table(a, R, 53);
    const kappa_series<dinterval> kappa(table, R);
    for (const double t : double_grid()) {
      BOOST_TEST_INFO(activation_name(a) << ", rho = " << t);
      ball closed(1000), point(1000);
      mpfi_set_d(point.v, t);
      hermite_test::kappa_closed_form(closed.v, point.v, a == activation::relu);
      const dinterval value = kappa(dinterval(t));
      BOOST_TEST(agrees(value, closed.v));
      BOOST_TEST(0.0 <= value.lo);
      BOOST_TEST(value.hi <= 1.0);
      if (std::abs(t) <= 0.5) BOOST_TEST(value.hi - value.lo <= 1e-14);
    }
  }
}

// Random intervals: the series over [l, h] agrees with the closed form at random points of
// [l, h] ∩ [-1, 1] and at its endpoints (fixed seed).
BOOST_AUTO_TEST_CASE(random_intervals_contain_closed_form) {
  const precision_guard guard(256);
  std::mt19937_64 rng(7355608);
  std::uniform_real_distribution<double> end(-1.05, 1.05), unit(0.0, 1.0);
  for (activation a : {activation::relu, activation::step}) {
    const coefficient_table table(a, 300, 256);
    const kappa_series<dinterval> kd(table, 300);
    const kappa_series<minterval> km(table, 300);
    for (int trial = 0; trial < 300; ++trial) {
      double l = end(rng), h = end(rng);
      if (l > h) std::swap(l, h);
      if (trial % 5 == 0) h = std::nextafter(l, 2.0);  // narrow ones too
      if (h < -1.0 || l > 1.0) continue;
      const dinterval vd = kd(dinterval(l, h));
      const minterval vm = km(ntk::make_minterval(l, h));
      const double cl = std::max(l, -1.0), ch = std::min(h, 1.0);
      for (int k = 0; k < 6; ++k) {
        const double t = k == 0 ? cl : k == 1 ? ch : cl + (ch - cl) * unit(rng);
        BOOST_TEST_INFO(activation_name(a) << ", [" << l << ", " << h << "], t = " << t);
        ball point(1024), closed(1024);
        mpfi_set_d(point.v, t);
        hermite_test::kappa_closed_form(closed.v, point.v, a == activation::relu);
        BOOST_TEST(agrees(vd, closed.v));
        BOOST_TEST(agrees(vm, closed.v));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(known_values_and_domain) {
  // κ₁(1) = κ₀(1) = 1, κ₁(-1) = κ₀(-1) = 0, κ₁(0) = 1/π, κ₀(0) = 1/2 (docs/math.md §2).
  const dinterval k1_one = kappa1_series(dinterval(1.0), 200), k1_minus = kappa1_series(dinterval(-1.0), 200);
  const dinterval k0_one = kappa0_series(dinterval(1.0), 200), k0_minus = kappa0_series(dinterval(-1.0), 200);
  BOOST_TEST(ntk::contains(k1_one, 1.0));
  BOOST_TEST(ntk::contains(k1_minus, 0.0));
  BOOST_TEST(ntk::contains(k0_one, 1.0));
  BOOST_TEST(ntk::contains(k0_minus, 0.0));
  BOOST_TEST(ntk::contains(kappa0_series(dinterval(0.0), 5), 0.5));
  const dinterval k1_zero = kappa1_series(dinterval(0.0), 5);
  BOOST_TEST(k1_zero.lo <= 1 / 3.14159265358979);
  BOOST_TEST(1 / 3.14159265358980 <= k1_zero.hi);

  // The whole domain: contains [κ(-1), κ(1)] = [0, 1] and stays inside it.
  const dinterval all = kappa1_series(dinterval(-1.0, 1.0), 50);
  BOOST_TEST(all.lo == 0.0);
  BOOST_TEST(all.hi == 1.0);
  // The part outside [-1, 1] is ignored; disjoint or NaN arguments give NaN.
  const dinterval part = kappa0_series(dinterval(0.5, 3.0), 50);
  BOOST_TEST(ntk::contains(part, 1.0));
  BOOST_TEST(part.lo <= 2.0 / 3.0);
  BOOST_TEST(!ntk::is_finite(kappa0_series(dinterval(1.5, 2.0), 50)));
  BOOST_TEST(!ntk::is_finite(kappa1_series(dinterval(-3.0, -1.0000001), 50)));
  BOOST_TEST(!ntk::is_finite(kappa1_series(dinterval(std::nan(""), 0.5), 50)));
  const precision_guard guard(128);
  BOOST_TEST(!ntk::is_finite(kappa1_series(ntk::make_minterval(1.0000001, 2.0), 50)));
  const minterval m = kappa1_series(ntk::make_minterval(-1.0, -1.0), 50);
  BOOST_TEST(ntk::contains(m, 0.0));
}

// The tail's sign: beyond order 1 ReLU keeps only even orders (tail >= 0 everywhere) and the step
// only odd orders (tail with the sign of ρ).
BOOST_AUTO_TEST_CASE(tail_signs) {
  const coefficient_table relu(activation::relu, 10, 53), step(activation::step, 10, 53);
  const kappa_series<dinterval> k1(relu, 10), k0(step, 10);
  for (double t : {-0.9, -0.3, 0.3, 0.9}) {
    const dinterval t1 = k1.tail(dinterval(t)), t0 = k0.tail(dinterval(t));
    BOOST_TEST(t1.lo == 0.0);
    BOOST_TEST(t1.hi > 0.0);
    if (t < 0) {
      BOOST_TEST(t0.hi == 0.0);
      BOOST_TEST(t0.lo < 0.0);
    } else {
      BOOST_TEST(t0.lo == 0.0);
      BOOST_TEST(t0.hi > 0.0);
    }
    // |tail| <= (1 - S_10)·|t|^e with e = 12 (ReLU) and 11 (step).
    BOOST_TEST(t1.hi <= ntk::upper_d(k1.tail_mass()) * std::pow(std::abs(t), 12) * (1 + 1e-12));
    BOOST_TEST(-t0.lo <= ntk::upper_d(k0.tail_mass()) * std::pow(std::abs(t), 11) * (1 + 1e-12) + (t > 0 ? 1.0 : 0.0));
  }
  // Order 0: the nonzero orders beyond mix parities, so a negative ρ gets a two-sided tail.
  const coefficient_table r0(activation::relu, 0, 53);
  const dinterval t = kappa_series<dinterval>(r0, 0).tail(dinterval(-0.5));
  BOOST_TEST(t.lo < 0.0);
  BOOST_TEST(t.hi > 0.0);
}

BOOST_AUTO_TEST_CASE(partial_sums_in_tiers) {
  const coefficient_table t(activation::relu, 30, 200);
  const dinterval s = partial_sum<dinterval>(t, 2);  // 1/π + 1/2 + 1/(2π) = 1/2 + 3/(2π)
  BOOST_TEST(s.lo <= 0.5 + 1.5 / 3.141592653589793);
  BOOST_TEST(s.hi >= 0.5 + 1.5 / 3.141592653589794);
  BOOST_TEST(s.hi - s.lo <= 1e-15);
  const precision_guard guard(200);
  const minterval m = partial_sum<minterval>(t, 30);
  BOOST_TEST(ntk::upper_d(m) < 1.0);
  BOOST_CHECK_THROW(partial_sum<minterval>(t, 31), std::out_of_range);
  BOOST_CHECK_THROW(kappa_series<dinterval>(t, 31), std::out_of_range);
}

BOOST_AUTO_TEST_SUITE_END()
