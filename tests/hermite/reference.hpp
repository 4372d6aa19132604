// Reference values for the hermite tests, derived independently of lib/hermite's formulas.
#pragma once

#include <boost/multiprecision/gmp.hpp>
#include <mpfi.h>
#include <mpfr.h>

#include <vector>

namespace hermite_test {

using boost::multiprecision::mpq_rational;
using boost::multiprecision::mpz_int;

// An mpfi_t with RAII, for the tests only.
struct ball {
  mpfi_t v;
  explicit ball(long prec) { mpfi_init2(v, prec); }
  ball(const ball&) = delete;
  ball& operator=(const ball&) = delete;
  ~ball() { mpfi_clear(v); }
};

// Integer coefficients of He_0..He_n, probabilists' Hermite polynomials (element [r][k] is the
// coefficient of x^k in He_r), from He_{r+1} = x He_r - r He_{r-1}.
inline std::vector<std::vector<mpz_int>> hermite_polynomials(unsigned n) {
  std::vector<std::vector<mpz_int>> he(n + 1);
  he[0] = {1};
  if (n >= 1) he[1] = {0, 1};
  for (unsigned r = 1; r < n; ++r) {
    std::vector<mpz_int> next(r + 2, 0);
    for (unsigned k = 0; k <= r; ++k) next[k + 1] += he[r][k];
    for (unsigned k = 0; k + 1 <= r; ++k) next[k] -= mpz_int(r) * he[r - 1][k];
    he[r + 1] = next;
  }
  return he;
}

// (m-1)!! for m >= 0, with (-1)!! = 1.
inline mpz_int double_factorial_below(unsigned m) {
  mpz_int d = 1;
  for (long j = static_cast<long>(m) - 1; j > 1; j -= 2) d *= j;
  return d;
}

// The half-line Gaussian moment ∫_0^∞ x^m φ(x) dx = even m: (m-1)!!/2; odd m: (m-1)!!/√(2π).
// Returned as (a, b) meaning a + b/√(2π).
struct half_moment {
  mpq_rational a, b;
};
inline half_moment gaussian_half_moment(unsigned m) {
  if (m % 2 == 0) return {mpq_rational(double_factorial_below(m)) / 2, 0};
  return {0, mpq_rational(double_factorial_below(m))};
}

// The closed forms of docs/math.md §2 in MPFI at the precision of out, for every t in rho ⊂ [-1, 1]:
// κ₁(t) = (√(1-t²) + (π - arccos t)·t)/π and κ₀(t) = 1 - arccos(t)/π.
inline void kappa_closed_form(mpfi_ptr out, mpfi_srcptr rho, bool kappa1) {
  const long p = mpfi_get_prec(out);
  ball pi(p), theta(p), s(p), t(p);
  mpfi_const_pi(pi.v);
  mpfi_acos(theta.v, rho);
  if (!kappa1) {
    mpfi_div(t.v, theta.v, pi.v);
    mpfi_ui_sub(out, 1, t.v);
    return;
  }
  mpfi_sqr(s.v, rho);
  mpfi_ui_sub(s.v, 1, s.v);
  if (mpfr_sgn(&s.v->left) < 0) mpfr_set_zero(&s.v->left, 1);  // 1 - t² >= 0 on [-1, 1]
  mpfi_sqrt(s.v, s.v);
  mpfi_sub(t.v, pi.v, theta.v);
  mpfi_mul(t.v, t.v, rho);
  mpfi_add(t.v, t.v, s.v);
  mpfi_div(out, t.v, pi.v);
}

}  // namespace hermite_test
