// μ_r = E[σ(g) h_r(g)] by numerical integration at high precision (Boost.Math tanh-sinh
// quadrature in MPFR arithmetic of ∫_0^40 σ(x) He_r(x) φ(x) dx / √(r!), the part beyond 40 being
// below 1e-300), against the certified enclosures, for r <= 12.
#include <boost/test/unit_test.hpp>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include "hermite/coefficients.hpp"

using namespace ntk::hermite;

namespace {

using real = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<130>,
                                           boost::multiprecision::et_off>;

real hermite_he(unsigned r, const real& x) {
  real previous = 1, current = x;
  if (r == 0) return previous;
  for (unsigned k = 1; k < r; ++k) {
    real next = x * current - k * previous;
    previous = current;
    current = next;
  }
  return current;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quadrature)

BOOST_AUTO_TEST_CASE(mu_matches_numerical_integration) {
  const unsigned R = 12;
  // The default smallest complement (the type's least positive value) overflows the abscissa
  // range computation for MPFR types; 1e-300 is far below the integrand's size near the ends.
  boost::math::quadrature::tanh_sinh<real> integrator(15, real("1e-300"));
  const real root_two_pi = sqrt(2 * boost::math::constants::pi<real>());
  const real tolerance("1e-110");
  for (activation a : {activation::relu, activation::step}) {
    const coefficient_table table(a, R, 400);
    real factorial = 1;
    for (unsigned r = 0; r <= R; ++r) {
      if (r > 0) factorial *= r;
      auto f = [&](const real& x) {
        const real sigma = a == activation::relu ? x : real(1);
        return sigma * hermite_he(r, x) * exp(-x * x / 2) / root_two_pi;
      };
      real error, l1;
      const real integral = integrator.integrate(f, real(0), real(40), tolerance, &error, &l1);
      const real mu = integral / sqrt(factorial);
      real lower, upper;
      mpfr_set(lower.backend().data(), &table.mu(r)->left, MPFR_RNDD);
      mpfr_set(upper.backend().data(), &table.mu(r)->right, MPFR_RNDU);
      const real distance = mu < lower ? lower - mu : (mu > upper ? mu - upper : real(0));
      BOOST_TEST_INFO(activation_name(a) << ", r = " << r << ": quadrature " << mu.str(30)
                      << ", enclosure lower " << lower.str(30) << ", error estimate " << error.str(5));
      BOOST_TEST(error < real("1e-100"));
      BOOST_TEST(distance < real("1e-95"));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
