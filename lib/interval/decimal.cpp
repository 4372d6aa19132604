#include "interval/decimal.hpp"

#include <cmath>
#include <cstdio>

namespace ntk {

int decimal_digits_for_bits(long bits) {
  const int d = static_cast<int>(std::ceil(static_cast<double>(bits) * 0.30102999566398120)) + 2;
  return d < 17 ? 17 : d;
}

std::string decimal_string(mpfr_srcptr x, outward dir, int digits) {
  if (mpfr_nan_p(x)) return "nan";
  if (mpfr_inf_p(x)) return mpfr_sgn(x) > 0 ? "inf" : "-inf";
  if (mpfr_zero_p(x)) return "0";
  if (digits < 17) digits = 17;
  mpfr_exp_t e = 0;
  char* s = mpfr_get_str(nullptr, &e, 10, static_cast<size_t>(digits), x,
                         dir == outward::down ? MPFR_RNDD : MPFR_RNDU);
  std::string m(s);
  mpfr_free_str(s);
  std::string out;
  if (m[0] == '-') {
    out = "-";
    m.erase(0, 1);
  }
  // mpfr gives 0.DDDD * 10^e; print D.DDD e(e-1).
  out += m[0];
  out += '.';
  out += m.substr(1);
  char buf[32];
  std::snprintf(buf, sizeof buf, "e%+03ld", static_cast<long>(e - 1));  // e+00, e-05, e+308
  out += buf;
  return out;
}

std::string decimal_string(double x, outward dir, int digits) {
  mpfr_t t;
  mpfr_init2(t, 53);
  mpfr_set_d(t, x, MPFR_RNDN);  // exact
  std::string s = decimal_string(t, dir, digits);
  mpfr_clear(t);
  return s;
}

}  // namespace ntk
