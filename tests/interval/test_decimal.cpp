// decimal_string: outwardness checked exactly (the decimal read into a GMP rational), tightness
// (within one unit of the last digit), digit counts, round trip through MPFR, special forms.
#include <boost/test/unit_test.hpp>

#include <gmp.h>

#include <cctype>
#include <string>

#include "interval/decimal.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

// The exact value of "-D.DDDDe+NN" as a rational, its significant digit count, and the value of
// one unit in its last digit. False if the form is wrong.
struct parsed {
  mpq_t value, last_unit;
  int digits = 0;
  parsed() {
    mpq_init(value);
    mpq_init(last_unit);
  }
  ~parsed() {
    mpq_clear(value);
    mpq_clear(last_unit);
  }
};

bool parse_decimal(const std::string& s, parsed& out) {
  std::size_t i = 0;
  const bool neg = !s.empty() && s[0] == '-';
  if (neg) ++i;
  if (i + 2 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '0' || s[i + 1] != '.') return false;
  std::string digits(1, s[i]);
  i += 2;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) digits += s[i++];
  if (i + 2 > s.size() || s[i] != 'e' || (s[i + 1] != '+' && s[i + 1] != '-')) return false;
  const std::string ex = s.substr(i + 2);
  if (ex.size() < 2 || (ex.size() > 2 && ex[0] == '0')) return false;  // at least two digits, no padding beyond
  for (char c : ex)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  const long e = (s[i + 1] == '-' ? -1 : 1) * std::stol(ex);
  const long k = e - static_cast<long>(digits.size() - 1);  // value = N * 10^k
  out.digits = static_cast<int>(digits.size());
  mpz_t n, p;
  mpz_init_set_str(n, digits.c_str(), 10);
  mpz_init(p);
  mpz_ui_pow_ui(p, 10, static_cast<unsigned long>(k < 0 ? -k : k));
  if (neg) mpz_neg(n, n);
  if (k >= 0) {
    mpz_mul(n, n, p);
    mpq_set_z(out.value, n);
    mpq_set_z(out.last_unit, p);
  } else {
    mpq_set_num(out.value, n);
    mpq_set_den(out.value, p);
    mpq_canonicalize(out.value);
    mpq_set_ui(out.last_unit, 1, 1);
    mpq_set_den(out.last_unit, p);
    mpq_canonicalize(out.last_unit);
  }
  mpz_clears(n, p, nullptr);
  return true;
}

// x (finite MPFR value) as an exact rational.
void to_rational(mpfr_srcptr x, mpq_t q) {
  mpz_t m;
  mpz_init(m);
  const mpfr_exp_t e = mpfr_get_z_2exp(m, x);
  mpq_set_z(q, m);
  if (e >= 0) mpq_mul_2exp(q, q, static_cast<unsigned long>(e));
  else mpq_div_2exp(q, q, static_cast<unsigned long>(-e));
  mpz_clear(m);
}

// Checks one directed string for the finite nonzero x: form, digit count, outwardness (exact),
// within one unit of the last digit, and the round trip (the string read back rounding inward at
// x's precision gives x).
bool check_string(mpfr_srcptr x, outward dir, int digits, const std::string& s) {
  parsed p;
  if (!parse_decimal(s, p)) return false;
  if (p.digits != std::max(digits, 17)) return false;
  mpq_t xq, diff;
  mpq_inits(xq, diff, nullptr);
  to_rational(x, xq);
  const int c = mpq_cmp(p.value, xq);
  bool ok = dir == outward::down ? c <= 0 : c >= 0;
  mpq_sub(diff, p.value, xq);
  mpq_abs(diff, diff);
  ok = ok && mpq_cmp(diff, p.last_unit) < 0;
  mpq_clears(xq, diff, nullptr);
  ref::mp back(mpfr_get_prec(x));
  mpfr_set_str(back, s.c_str(), 10, dir == outward::down ? MPFR_RNDU : MPFR_RNDD);
  return ok && mpfr_equal_p(back, x);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(decimal)

BOOST_AUTO_TEST_CASE(doubles_outward_tight_and_round_trip) {
  ref::gen g(601);
  std::vector<double> xs;
  for (double v : ref::special_doubles())
    if (std::isfinite(v) && v != 0) xs.push_back(v);
  for (int i = 0; i < 20000; ++i) {
    const double v = g.mixed(false);
    if (v != 0) xs.push_back(v);
  }
  for (double v : {0.1, 0.5, 8.0, 1e22, 1e23, 123456789012345678.0, 0x1p60}) xs.push_back(v);
  int fails = 0;
  for (std::size_t i = 0; i < xs.size() && fails < 10; ++i) {
    const ref::mp x(xs[i], 53);
    const int digits = i % 4 == 0 ? 17 + g.integer(0, 25) : (i % 4 == 1 ? g.integer(1, 16) : 17);
    for (outward dir : {outward::down, outward::up}) {
      const std::string s = decimal_string(xs[i], dir, digits);
      if (!check_string(x, dir, digits, s)) {
        ++fails;
        BOOST_ERROR("decimal_string(" << std::hexfloat << xs[i] << ", " << (dir == outward::down ? "down" : "up") << ", " << digits << ") = " << s);
      }
    }
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(mpfr_values_at_high_precision) {
  ref::gen g(602);
  int fails = 0;
  for (long bits : {64L, 113L, 128L, 212L, 512L}) {
    const int digits = decimal_digits_for_bits(bits);
    BOOST_TEST(digits >= 17);
    // Decimal spacing below the binary one: 10^(digits - 1) > 2^bits (what the round trip needs).
    BOOST_TEST(static_cast<double>(digits - 1) > bits * 0.30103);
    for (int i = 0; i < 400 && fails < 10; ++i) {
      ref::mp x(bits), t(bits);
      mpfr_set_d(x, g.uniform(-1, 1), MPFR_RNDN);
      mpfr_set_d(t, g.uniform(-1, 1), MPFR_RNDN);
      mpfr_mul_2si(t, t, -55, MPFR_RNDN);
      mpfr_add(x, x, t, MPFR_RNDN);
      mpfr_mul_2si(x, x, g.integer(-3000, 3000), MPFR_RNDN);
      if (mpfr_zero_p(x.v)) continue;
      for (outward dir : {outward::down, outward::up}) {
        const std::string s = decimal_string(x, dir, digits);
        if (!check_string(x, dir, digits, s)) {
          ++fails;
          BOOST_ERROR("bits " << bits << ": " << s);
        }
      }
    }
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(special_forms) {
  for (outward dir : {outward::down, outward::up}) {
    BOOST_TEST(decimal_string(0.0, dir) == "0");
    BOOST_TEST(decimal_string(-0.0, dir) == "0");
    BOOST_TEST(decimal_string(inf, dir) == "inf");
    BOOST_TEST(decimal_string(-inf, dir) == "-inf");
    BOOST_TEST(decimal_string(ref::nan, dir) == "nan");
  }
  BOOST_TEST(decimal_string(1.0, outward::down) == "1.0000000000000000e+00");
  BOOST_TEST(decimal_string(-2.5, outward::up) == "-2.5000000000000000e+00");
  BOOST_TEST(decimal_string(0.1, outward::down) == "1.0000000000000000e-01");
  BOOST_TEST(decimal_string(0.1, outward::up) == "1.0000000000000001e-01");
  BOOST_TEST(decimal_string(0x1p-1074, outward::down) == "4.9406564584124654e-324");
  BOOST_TEST(decimal_string(0x1p-1074, outward::up) == "4.9406564584124655e-324");
  BOOST_TEST(decimal_string(DBL_MAX, outward::up) == "1.7976931348623158e+308");
  BOOST_TEST(decimal_digits_for_bits(1) == 17);
}

BOOST_AUTO_TEST_SUITE_END()
