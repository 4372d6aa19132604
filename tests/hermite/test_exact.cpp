// Exact Hermite coefficients: against an independent derivation (Hermite polynomial coefficients
// times half-line Gaussian moments), the recurrence table against the direct formula, the
// derivative link, and the plain-text syntax.
#include <boost/test/unit_test.hpp>

#include <string>

#include "hermite/coefficients.hpp"
#include "reference.hpp"

using namespace ntk::hermite;
using hermite_test::mpq_rational;
using hermite_test::mpz_int;

namespace {

mpz_int factorial(unsigned n) {
  mpz_int f = 1;
  for (unsigned j = 2; j <= n; ++j) f *= j;
  return f;
}

int sign_of(const mpq_rational& q) { return q > 0 ? 1 : (q < 0 ? -1 : 0); }

}  // namespace

BOOST_AUTO_TEST_SUITE(exact)

// E[σ(g) He_r(g)] = Σ_k a_{r,k} ∫_0^∞ x^{k+s} φ(x) dx with s = 1 (ReLU) or 0 (step) is
// A + B/√(2π) with rationals A, B; μ_r = that /√(r!). So c_r = 2μ_r² is a rational times π^k
// exactly when A·B = 0, which this also checks.
BOOST_AUTO_TEST_CASE(match_gaussian_moment_derivation) {
  const unsigned n = 80;
  const auto he = hermite_test::hermite_polynomials(n);
  for (activation a : {activation::relu, activation::step}) {
    const unsigned s = a == activation::relu ? 1 : 0;
    for (unsigned r = 0; r <= n; ++r) {
      mpq_rational A = 0, B = 0;
      for (unsigned k = 0; k < he[r].size(); ++k) {
        const auto m = hermite_test::gaussian_half_moment(k + s);
        A += mpq_rational(he[r][k]) * m.a;
        B += mpq_rational(he[r][k]) * m.b;
      }
      BOOST_TEST_INFO("activation " << activation_name(a) << ", r = " << r);
      BOOST_TEST((A == 0 || B == 0));
      const mpq_rational rf(factorial(r));
      const mpq_rational expected = B == 0 ? mpq_rational(2 * A * A / rf) : mpq_rational(B * B / rf);  // 2B²/(2π r!)
      const int expected_pi = B == 0 ? 0 : -1;
      const int expected_sign = B == 0 ? sign_of(A) : sign_of(B);

      const pi_rational c = exact_c(a, r);
      BOOST_TEST((c.value == expected));
      if (expected != 0) BOOST_TEST(c.pi_power == expected_pi);
      BOOST_TEST(mu_sign(a, r) == expected_sign);
      BOOST_TEST(is_zero_order(a, r) == (expected == 0));

      const signed_root mu = exact_mu(a, r);
      BOOST_TEST(mu.sign == expected_sign);
      BOOST_TEST((mu.square.value == expected / 2));
      BOOST_TEST(mu.square.pi_power == c.pi_power);
    }
  }
}

BOOST_AUTO_TEST_CASE(recurrence_table_matches_direct_formula) {
  for (activation a : {activation::relu, activation::step}) {
    const auto table = exact_c_table(a, 600);
    BOOST_REQUIRE(table.size() == 601u);
    for (unsigned r = 0; r <= 600; ++r) {
      const pi_rational d = exact_c(a, r);
      BOOST_TEST_INFO("activation " << activation_name(a) << ", r = " << r);
      BOOST_TEST((table[r].value == d.value));
      BOOST_TEST(table[r].pi_power == d.pi_power);
    }
  }
  BOOST_TEST(exact_c_table(activation::relu, 0).size() == 1u);
}

// μ_{r+1}(σ) = μ_r(σ')/√(r+1), i.e. c_{r+1}(ReLU)·(r+1) = c_r(step) with equal signs of μ.
BOOST_AUTO_TEST_CASE(derivative_link_exact) {
  const auto relu = exact_c_table(activation::relu, 1001);
  const auto step = exact_c_table(activation::step, 1000);
  for (unsigned r = 0; r <= 1000; ++r) {
    BOOST_TEST_INFO("r = " << r);
    BOOST_TEST((relu[r + 1].value * (r + 1) == step[r].value));
    if (step[r].value != 0) BOOST_TEST(relu[r + 1].pi_power == step[r].pi_power);
    BOOST_TEST(mu_sign(activation::relu, r + 1) == mu_sign(activation::step, r));
  }
}

BOOST_AUTO_TEST_CASE(plain_syntax) {
  BOOST_TEST(to_string(exact_c(activation::relu, 0)) == "1/pi");
  BOOST_TEST(to_string(exact_c(activation::relu, 1)) == "1/2");
  BOOST_TEST(to_string(exact_c(activation::relu, 2)) == "1/(2*pi)");
  BOOST_TEST(to_string(exact_c(activation::relu, 3)) == "0");
  BOOST_TEST(to_string(exact_c(activation::relu, 4)) == "1/(24*pi)");
  BOOST_TEST(to_string(exact_c(activation::step, 0)) == "1/2");
  BOOST_TEST(to_string(exact_c(activation::step, 1)) == "1/pi");
  BOOST_TEST(to_string(exact_c(activation::step, 5)) == "3/(40*pi)");
  BOOST_TEST(to_string(exact_mu(activation::relu, 1)) == "1/2");
  BOOST_TEST(to_string(exact_mu(activation::relu, 0)) == "sqrt(1/(2*pi))");
  BOOST_TEST(to_string(exact_mu(activation::relu, 4)) == "-sqrt(1/(48*pi))");
  BOOST_TEST(to_string(exact_mu(activation::step, 2)) == "0");

  pi_rational x;
  x.value = 3;
  BOOST_TEST(to_string(x) == "3");
  x.pi_power = -1;
  x.value = 2;
  BOOST_TEST(to_string(x) == "2/pi");
  x.value = 0;
  BOOST_TEST(to_string(x) == "0");
  signed_root y{-1, {mpq_rational(9, 16), 0}};
  BOOST_TEST(to_string(y) == "-3/4");
  y.square.value = mpq_rational(2, 9);
  BOOST_TEST(to_string(y) == "-sqrt(2/9)");
}

BOOST_AUTO_TEST_CASE(activation_names) {
  BOOST_TEST(std::string(activation_name(activation::relu)) == "relu");
  BOOST_TEST(std::string(activation_name(activation::step)) == "step");
  BOOST_TEST((parse_activation("relu") == activation::relu));
  BOOST_TEST((parse_activation("step") == activation::step));
  BOOST_TEST(!parse_activation("ReLU").has_value());
  BOOST_TEST(!parse_activation("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
