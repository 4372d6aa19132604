// A program a user would write against the installed library: a certified enclosure of the
// smallest eigenvalue of a 3 x 3 symmetric interval matrix. Exit 0 iff the enclosure contains the
// exact value 2 - sqrt(2) (bracketed independently with MPFR's directed rounding).
#include <mpfr.h>

#include <cstdio>

#include "interval/decimal.hpp"
#include "interval/interval.hpp"
#include "linalg/lambda_min.hpp"

int main() {
  ntk::dense_matrix<ntk::dinterval> A(3, 3, ntk::dinterval(0.0));
  for (int i = 0; i < 3; ++i) A(i, i) = 2.0;  // tridiag(1, 2, 1): eigenvalues 2 - sqrt(2), 2, 2 + sqrt(2)
  for (int i = 0; i < 2; ++i) A(i, i + 1) = A(i + 1, i) = 1.0;
  const ntk::lambda_min_bounds b = ntk::lambda_min_enclose(A, /*known_psd=*/false);
  const std::string lo = ntk::decimal_string(b.lower.backend().data(), ntk::outward::down);
  const std::string hi = ntk::decimal_string(b.upper.backend().data(), ntk::outward::up);
  std::printf("lambda_min in [%s, %s]\n", lo.c_str(), hi.c_str());
  mpfr_t t_lo, t_hi;  // 2 - sqrt(2) lies in [t_lo, t_hi]
  mpfr_inits2(200, t_lo, t_hi, static_cast<mpfr_ptr>(nullptr));
  mpfr_sqrt_ui(t_hi, 2, MPFR_RNDD), mpfr_ui_sub(t_hi, 2, t_hi, MPFR_RNDU);
  mpfr_sqrt_ui(t_lo, 2, MPFR_RNDU), mpfr_ui_sub(t_lo, 2, t_lo, MPFR_RNDD);
  const bool ok = b.lower_proved && b.upper_proved && mpfr_lessequal_p(b.lower.backend().data(), t_hi) &&
                  mpfr_greaterequal_p(b.upper.backend().data(), t_lo);
  mpfr_clears(t_lo, t_hi, static_cast<mpfr_ptr>(nullptr));
  return ok ? 0 : 1;
}
