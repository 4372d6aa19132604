// Enclosures of c_r, μ_r, S_R and 1 - S_R: containment of the exact values evaluated at much
// higher precision, widths of a few ulps, exact zeros, the two tiers, and the error contract.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "hermite/coefficients.hpp"
#include "interval/interval.hpp"
#include "reference.hpp"

using namespace ntk::hermite;
using hermite_test::ball;

namespace {

// The exact value x enclosed at precision prec (independently of the library's enclosure code).
void enclose_exact(mpfi_ptr out, const pi_rational& x) {
  mpfi_set_q(out, x.value.backend().data());
  if (x.pi_power == -1) {
    ball pi(mpfi_get_prec(out));
    mpfi_const_pi(pi.v);
    mpfi_div(out, out, pi.v);
  }
}

// sign·√(c/2) at the precision of out, from a high-precision enclosure of c.
void enclose_mu(mpfi_ptr out, mpfi_srcptr c, int sign) {
  mpfi_div_2ui(out, c, 1);
  mpfi_sqrt(out, out);
  if (sign < 0) mpfi_neg(out, out);
}

// Every point of inner lies in outer.
bool inside(mpfi_srcptr inner, mpfi_srcptr outer) {
  return mpfr_cmp(&outer->left, &inner->left) <= 0 && mpfr_cmp(&inner->right, &outer->right) <= 0;
}

bool exact_zero(mpfi_srcptr x) { return mpfr_zero_p(&x->left) && mpfr_zero_p(&x->right); }

// diam(x) <= 2^(slack - p)·max(|x|, floor): a few ulps at precision p.
bool narrow(mpfi_srcptr x, long p, long slack, double floor = 0.0) {
  mpfr_t d, m;
  mpfr_inits2(64, d, m, static_cast<mpfr_ptr>(nullptr));
  mpfr_sub(d, &x->right, &x->left, MPFR_RNDU);
  mpfi_mag(m, x);
  if (mpfr_cmp_d(m, floor) < 0) mpfr_set_d(m, floor, MPFR_RNDN);
  mpfr_mul_2si(m, m, slack - p, MPFR_RNDN);
  const bool ok = mpfr_cmp(d, m) <= 0;
  mpfr_clears(d, m, static_cast<mpfr_ptr>(nullptr));
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(enclosures)

BOOST_AUTO_TEST_CASE(table_contains_exact_values) {
  struct config {
    unsigned order;
    long bits;
  };
  const std::vector<config> configs = {{0, 53},   {1, 64},   {2, 2},    {7, 3},     {40, 10},  {300, 24},
                                       {300, 53}, {300, 64}, {300, 113}, {200, 256}, {120, 1000}, {3000, 64}};
  for (activation a : {activation::relu, activation::step}) {
    for (const auto& cf : configs) {
      const coefficient_table t(a, cf.order, cf.bits);
      BOOST_REQUIRE(t.max_order() == cf.order);
      BOOST_REQUIRE(t.precision_bits() == cf.bits);
      const auto exact = exact_c_table(a, cf.order);
      const long ref_prec = 4 * cf.bits + 64;
      ball c(ref_prec), mu(ref_prec), sum(ref_prec), tail(ref_prec);
      mpfi_set_ui(sum.v, 0);
      for (unsigned r = 0; r <= cf.order; ++r) {
        BOOST_TEST_INFO(activation_name(a) << ", order " << cf.order << ", " << cf.bits << " bits, r = " << r);
        BOOST_TEST(mpfi_get_prec(t.c(r)) == cf.bits);
        enclose_exact(c.v, exact[r]);
        enclose_mu(mu.v, c.v, mu_sign(a, r));
        mpfi_add(sum.v, sum.v, c.v);
        mpfi_ui_sub(tail.v, 1, sum.v);
        BOOST_TEST(inside(c.v, t.c(r)));
        BOOST_TEST(inside(mu.v, t.mu(r)));
        BOOST_TEST(inside(sum.v, t.partial_sum(r)));
        BOOST_TEST(inside(tail.v, t.tail_mass(r)));
        if (is_zero_order(a, r)) {
          BOOST_TEST(exact_zero(t.c(r)));
          BOOST_TEST(exact_zero(t.mu(r)));
        } else {
          BOOST_TEST(narrow(t.c(r), cf.bits, 2));
          BOOST_TEST(narrow(t.mu(r), cf.bits, 2));
        }
        BOOST_TEST(narrow(t.partial_sum(r), cf.bits, 2, 0.5));
        BOOST_TEST(narrow(t.tail_mass(r), cf.bits, 2, 0.5));
        BOOST_TEST(mpfr_cmp_ui(&t.partial_sum(r)->right, 1) <= 0);
        BOOST_TEST(mpfr_sgn(&t.tail_mass(r)->left) >= 0);
      }
    }
  }
}

// The exactly representable coefficients come out as points.
BOOST_AUTO_TEST_CASE(representable_values_are_points) {
  const coefficient_table relu(activation::relu, 3, 24), step(activation::step, 3, 24);
  BOOST_TEST(mpfr_cmp_d(&relu.c(1)->left, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&relu.c(1)->right, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&relu.mu(1)->left, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&relu.mu(1)->right, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&step.c(0)->left, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&step.mu(0)->right, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&step.partial_sum(0)->left, 0.5) == 0);
  BOOST_TEST(mpfr_cmp_d(&step.tail_mass(0)->right, 0.5) == 0);
}

// μ_{r+1}(ReLU)·√(r+1) and μ_r(step) enclose the same number.
BOOST_AUTO_TEST_CASE(derivative_link_enclosures) {
  const coefficient_table relu(activation::relu, 2001, 200), step(activation::step, 2000, 200);
  ball x(200);
  for (unsigned r = 0; r <= 2000; ++r) {
    mpfi_set_ui(x.v, r + 1);
    mpfi_sqrt(x.v, x.v);
    mpfi_mul(x.v, x.v, relu.mu(r + 1));
    BOOST_TEST_INFO("r = " << r);
    BOOST_TEST(mpfr_cmp(&x.v->left, &step.mu(r)->right) <= 0);
    BOOST_TEST(mpfr_cmp(&step.mu(r)->left, &x.v->right) <= 0);
  }
}

// Σ_{r≤R} c_r < 1 for every R, strictly rising at each nonzero order, and 1 - S_R → 0 at the rate
// of the coefficients' decay. With Wallis' (2m-1)!!/(2m)!! ~ 1/√(πm): ReLU c_r ~ √2·π^{-3/2}·r^{-5/2}
// on even r, so 1 - S_R ~ (√2/3)·π^{-3/2}·R^{-3/2}; step c_r ~ √2·π^{-3/2}·r^{-3/2} on odd r, so
// 1 - S_R ~ √2·π^{-3/2}·R^{-1/2}.
BOOST_AUTO_TEST_CASE(partial_sums_below_one_and_rising) {
  const unsigned R = 10000;
  for (activation a : {activation::relu, activation::step}) {
    const coefficient_table t(a, R, 64);
    for (unsigned r = 0; r <= R; ++r) {
      BOOST_TEST_INFO(activation_name(a) << ", r = " << r);
      BOOST_TEST(mpfr_cmp_ui(&t.partial_sum(r)->right, 1) < 0);
      BOOST_TEST(mpfr_sgn(&t.tail_mass(r)->left) > 0);
      if (r > 0 && !is_zero_order(a, r)) BOOST_TEST(mpfr_cmp(&t.partial_sum(r)->left, &t.partial_sum(r - 1)->right) > 0);
      if (r > 0) BOOST_TEST(mpfr_cmp(&t.partial_sum(r)->left, &t.partial_sum(r - 1)->left) >= 0);
    }
    const double tail = mpfr_get_d(&t.tail_mass(R)->right, MPFR_RNDU);
    const double pi = 3.14159265358979323846;
    const double predicted = a == activation::relu ? std::sqrt(2.0) / 3.0 * std::pow(pi, -1.5) * std::pow(R, -1.5)
                                                   : std::sqrt(2.0) * std::pow(pi, -1.5) * std::pow(R, -0.5);
    BOOST_TEST_INFO(activation_name(a) << ": tail " << tail << ", predicted " << predicted);
    BOOST_TEST(std::abs(tail / predicted - 1.0) < 2e-3);
  }
}

BOOST_AUTO_TEST_CASE(walker_agrees_with_table) {
  coefficient_walker w(activation::step, 50, 80);
  const coefficient_table t(activation::step, 50, 80);
  for (;;) {
    const unsigned r = w.order();
    BOOST_TEST(mpfr_equal_p(&w.c()->left, &t.c(r)->left));
    BOOST_TEST(mpfr_equal_p(&w.mu()->right, &t.mu(r)->right));
    BOOST_TEST(mpfr_equal_p(&w.partial_sum()->left, &t.partial_sum(r)->left));
    BOOST_TEST(mpfr_equal_p(&w.tail_mass()->right, &t.tail_mass(r)->right));
    if (w.at_end()) break;
    w.advance();
  }
  BOOST_TEST(w.order() == 50u);
  BOOST_CHECK_THROW(w.advance(), std::out_of_range);
  BOOST_CHECK_THROW(t.c(51), std::out_of_range);
  BOOST_CHECK_THROW(t.partial_sum(51), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(invalid_arguments) {
  BOOST_CHECK_THROW(coefficient_table(activation::relu, 5, 1), std::invalid_argument);
  BOOST_CHECK_THROW(coefficient_walker(activation::relu, 5, max_precision_bits + 1), std::invalid_argument);
  BOOST_CHECK_THROW(coefficient_walker(activation::relu, max_supported_order + 1u, 64), std::invalid_argument);
  BOOST_CHECK_THROW(c_enclosure(activation::relu, 5, 0), std::invalid_argument);
  BOOST_CHECK_THROW(mu_enclosure(activation::step, 5, -3), std::invalid_argument);
}

// hermite_c / hermite_mu in both tiers at random orders (fixed seed).
BOOST_AUTO_TEST_CASE(tiers_contain_exact_values) {
  std::mt19937 rng(20240517);
  std::uniform_int_distribution<unsigned> order(0, 1500);
  const long saved = ntk::working_precision_bits();
  for (long bits : {53L, 200L, 1000L}) {
    ntk::set_working_precision_bits(bits);
    const long p = ntk::working_precision_bits();
    for (int trial = 0; trial < 60; ++trial) {
      const unsigned r = trial < 8 ? static_cast<unsigned>(trial) : order(rng);
      for (activation a : {activation::relu, activation::step}) {
        BOOST_TEST_INFO(activation_name(a) << ", r = " << r << ", " << p << " bits");
        ball c(4 * p + 64), mu(4 * p + 64);
        enclose_exact(c.v, exact_c(a, r));
        enclose_mu(mu.v, c.v, mu_sign(a, r));

        const ntk::dinterval cd = ntk::hermite_c<ntk::dinterval>(a, r);
        const ntk::dinterval md = ntk::hermite_mu<ntk::dinterval>(a, r);
        BOOST_TEST(mpfr_cmp_d(&c.v->left, cd.lo) >= 0);
        BOOST_TEST(mpfr_cmp_d(&c.v->right, cd.hi) <= 0);
        BOOST_TEST(mpfr_cmp_d(&mu.v->left, md.lo) >= 0);
        BOOST_TEST(mpfr_cmp_d(&mu.v->right, md.hi) <= 0);
        BOOST_TEST(cd.hi - cd.lo <= 4 * std::ldexp(std::abs(cd.hi), -52));

        const ntk::minterval cm = ntk::hermite_c<ntk::minterval>(a, r);
        const ntk::minterval mm = ntk::hermite_mu<ntk::minterval>(a, r);
        BOOST_TEST(inside(c.v, ntk::mpfi_of(cm)));
        BOOST_TEST(inside(mu.v, ntk::mpfi_of(mm)));
        if (is_zero_order(a, r)) {
          BOOST_TEST((cd.lo == 0.0 && cd.hi == 0.0));
          BOOST_TEST(exact_zero(ntk::mpfi_of(cm)));
          BOOST_TEST(exact_zero(ntk::mpfi_of(mm)));
        } else {
          BOOST_TEST(narrow(ntk::mpfi_of(cm), p, 2));
          BOOST_TEST(narrow(ntk::mpfi_of(mm), p, 2));
        }
      }
    }
  }
  ntk::set_working_precision_bits(saved);
}

BOOST_AUTO_TEST_SUITE_END()
