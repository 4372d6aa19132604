// Definitions of mp_parts.hpp (the MPFR tier's building blocks).
#include "linalg/mp_parts.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "interval/rounding.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk::mp_detail {
namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}  // namespace

mreal mreal_from(mpfr_srcptr x, mpfr_prec_t p, mpfr_rnd_t rnd) {
  mreal r;
  mpfr_set_prec(r.backend().data(), p);
  mpfr_set(r.backend().data(), x, rnd);
  return r;
}

mreal mreal_from(double x, mpfr_prec_t p) {
  mreal r;
  mpfr_set_prec(r.backend().data(), std::max<mpfr_prec_t>(p, 53));
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);
  return r;
}

void append_note(std::string& note, const std::string& s) {
  if (s.empty()) return;
  if (!note.empty()) note += "; ";
  note += s;
}


// Entry (i, j) of A read as a symmetric matrix: A(i,j) ∩ A(j,i), or their hull if disjoint.
bool symmetric_entry(const dense_matrix<minterval>& A, std::size_t i, std::size_t j, mpfi_ptr out) {
  mpfi_intersect(out, mpfi_of(A(i, j)), mpfi_of(A(j, i)));
  if (mpfi_is_empty(out)) {
    mpfi_union(out, mpfi_of(A(i, j)), mpfi_of(A(j, i)));
    return false;
  }
  return true;
}

mp_enclosure make_enclosure(const dense_matrix<minterval>& A, mpfr_prec_t p) {
  mp_enclosure E;
  const std::size_t n = A.rows;
  E.n = n;
  E.prec = p;
  E.M = mp_array(n * (n + 1) / 2, p);
  E.d.n = n;
  E.d.mid.assign(n * n, 0.0);
  E.d.rad.assign(n * n, 0.0);
  mp_interval ent(p);
  mp_scalar a(p), b(p);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      if (!symmetric_entry(A, i, j, ent)) E.d.consistent = false;
      if (!mpfi_bounded_p(ent.x) || mpfi_nan_p(ent.x)) {
        E.d.finite = false;
        continue;
      }
      mpfr_ptr m = E.M[packed(i, j)];
      double rad;
      if (i == j) {
        mpfr_set(m, &ent.x->left, MPFR_RNDD);
        mpfr_sub(a, &ent.x->right, m, MPFR_RNDU);
        rad = mpfr_get_d(a, MPFR_RNDU);
      } else {
        mpfi_mid(m, ent.x);
        mpfr_sub(a, m, &ent.x->left, MPFR_RNDU);
        mpfr_sub(b, &ent.x->right, m, MPFR_RNDU);
        rad = std::max(mpfr_get_d(a, MPFR_RNDU), mpfr_get_d(b, MPFR_RNDU));
      }
      const double md = mpfr_get_d(m, MPFR_RNDN);
      if (!std::isfinite(md) || !(rad < inf)) E.d.finite = false;
      E.d.mid[i * n + j] = E.d.mid[j * n + i] = md;
      E.d.rad[i * n + j] = E.d.rad[j * n + i] = rad;
    }
  }
  return E;
}

// Rump's constant at precision p (u = 2^-p), rounded up into c:
//   (n+1)u/(1-(n+1)u) trace + 4 eta n (2(n+1) + maxdiag).  False if 3(n+1)u >= 1.
bool rump_constant_mp(mpfr_ptr c, std::size_t n, mpfr_prec_t p, mpfr_srcptr trace,
                      mpfr_srcptr maxdiag) {
  mp_scalar nu(80), den(80), g(80), tmp(80);
  mpfr_set_ui(nu, static_cast<unsigned long>(n + 1), MPFR_RNDN);  // exact
  mpfr_mul_2si(nu, nu, -static_cast<long>(p), MPFR_RNDN);          // exact
  mpfr_mul_ui(tmp, nu, 3, MPFR_RNDU);
  if (mpfr_cmp_ui(tmp, 1) >= 0) return false;
  mpfr_ui_sub(den, 1, nu, MPFR_RNDD);
  mpfr_div(g, nu, den, MPFR_RNDU);
  mpfr_mul(c, g, trace, MPFR_RNDU);
  mpfr_set_ui(tmp, static_cast<unsigned long>(2 * (n + 1)), MPFR_RNDU);
  mpfr_add(tmp, tmp, maxdiag, MPFR_RNDU);
  mpfr_mul_ui(tmp, tmp, static_cast<unsigned long>(n), MPFR_RNDU);
  mpfr_mul_2si(tmp, tmp, -1072, MPFR_RNDU);  // 4 eta = 2^-1072
  mpfr_add(c, c, tmp, MPFR_RNDU);
  return true;
}

// In-place round-to-nearest Cholesky of the packed lower triangle L (row-oriented recursion, sums in
// increasing k, a true division). True iff every pivot is finite and > 0 and no MPFR exception flag
// was raised.
bool cholesky_mp(mp_array& L, std::size_t n, progress_sink& progress, const std::string& stage,
                 std::string* why) {
  const mpfr_prec_t p = L.precision();
  mp_scalar s(p), tmp(p);
  mpfr_clear_flags();
  const std::size_t report_every = std::max<std::size_t>(1, n / 64);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % report_every == 0) progress.update(stage, static_cast<double>(i) / static_cast<double>(n));
    const std::size_t ri = packed(i, 0);
    for (std::size_t j = 0; j <= i; ++j) {
      const std::size_t rj = packed(j, 0);
      mpfr_set(s, L[ri + j], MPFR_RNDN);
      for (std::size_t k = 0; k < j; ++k) {
        mpfr_mul(tmp, L[ri + k], L[rj + k], MPFR_RNDN);
        mpfr_sub(s, s, tmp, MPFR_RNDN);
      }
      if (j < i) {
        mpfr_div(L[ri + j], s, L[rj + j], MPFR_RNDN);
      } else {
        if (!(mpfr_number_p(s.x) && mpfr_sgn(s.x) > 0)) {
          if (why) *why = "Cholesky of mid - sigma I broke down (a pivot <= 0 or not finite)";
          return false;
        }
        mpfr_sqrt(L[ri + i], s, MPFR_RNDN);
      }
    }
  }
  if (mpfr_underflow_p() || mpfr_overflow_p() || mpfr_nanflag_p() || mpfr_erangeflag_p()) {
    if (why) *why = "MPFR exception (underflow/overflow/NaN) during the Cholesky";
    return false;
  }
  return true;
}


// One shifted Cholesky at precision p: on success t (precision p) receives
// min_i (M_ii - ã_ii) - c - r rounded down, and lambda_min(X) > t for every X in the enclosure.
mp_test_result shifted_test_mp(const mp_enclosure& E, double r, mpfr_srcptr sigma, mp_array& work,
                               mpfr_ptr t, progress_sink& progress) {
  mp_test_result res;
  const std::size_t n = E.n;
  const mpfr_prec_t p = E.prec;
  if (!(r >= 0 && r < inf)) {
    res.note = "radius bound not finite";
    return res;
  }
  work.copy_from(E.M);
  mp_array diag(n, p);
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_sub(diag[i], E.M[packed(i, i)], sigma, MPFR_RNDN);
    mpfr_set(work[packed(i, i)], diag[i], MPFR_RNDN);
  }
  if (!cholesky_mp(work, n, progress, "lambda_min: cholesky " + std::to_string(p) + " bits",
                   &res.note)) {
    return res;
  }
  mp_scalar trace(p), maxd(p), dmin(p), d(p), c(80);
  mpfr_set_zero(trace, 1);
  mpfr_set_zero(maxd, 1);
  mpfr_set_inf(dmin, 1);
  for (std::size_t i = 0; i < n; ++i) {
    if (mpfr_sgn(diag[i]) <= 0) {
      res.note = "nonpositive shifted diagonal";
      return res;
    }
    mpfr_add(trace, trace, diag[i], MPFR_RNDU);
    mpfr_max(maxd, maxd, diag[i], MPFR_RNDU);
    mpfr_sub(d, E.M[packed(i, i)], diag[i], MPFR_RNDD);
    mpfr_min(dmin, dmin, d, MPFR_RNDD);
  }
  if (!rump_constant_mp(c, n, p, trace, maxd)) {
    res.note = "matrix too large for the constant";
    return res;
  }
  mpfr_sub(t, dmin, c, MPFR_RNDD);
  mpfr_sub_d(t, t, r, MPFR_RNDD);
  res.success = true;
  return res;
}

// First margin below an estimate sigma (binary64, no guarantee needed): c/16 for the shifted
// trace, plus the rounding of the shift itself, which scales with the entries, plus the estimate's
// residual.
double first_margin(const mp_enclosure& E, double sigma, double residual, long bits) {
  double tr = 0, maxdiag = 0;
  for (std::size_t i = 0; i < E.n; ++i) {
    const double d = E.d.mid[i * E.n + i];
    tr += std::max(0.0, d - sigma);
    maxdiag = std::max(maxdiag, std::fabs(d));
  }
  const double u = std::ldexp(1.0, -static_cast<int>(bits));
  return static_cast<double>(E.n + 1) * u * tr / 16 + 4 * u * (maxdiag + std::fabs(sigma)) +
         2 * residual;
}

// w = M v at precision p (packed symmetric M); estimate only.
void matvec_mp(const mp_enclosure& E, const mp_array& v, mp_array& w) {
  const std::size_t n = E.n;
  for (std::size_t i = 0; i < n; ++i) mpfr_set_zero(w[i], 1);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      mpfr_srcptr m = E.M[packed(i, j)];
      mpfr_fma(w[i], m, v[j], w[i], MPFR_RNDN);
      mpfr_fma(w[j], m, v[i], w[j], MPFR_RNDN);
    }
    mpfr_fma(w[i], E.M[packed(i, i)], v[i], w[i], MPFR_RNDN);
  }
}


// rho = v'Mv / v'v (precision p) and the residual norm; v is normalised to unit length first.
mp_rayleigh rayleigh_mp(const mp_enclosure& E, mp_array& v, mpfr_ptr rho,
                        std::vector<double>* r_out) {
  const std::size_t n = E.n;
  const mpfr_prec_t p = E.prec;
  mp_array w(n, p);
  mp_scalar nrm(p), tmp(p);
  mpfr_set_zero(nrm, 1);
  for (std::size_t i = 0; i < n; ++i) mpfr_fma(nrm, v[i], v[i], nrm, MPFR_RNDN);
  mpfr_sqrt(nrm, nrm, MPFR_RNDN);
  if (!(mpfr_number_p(nrm.x) && mpfr_sgn(nrm.x) > 0)) return {};
  for (std::size_t i = 0; i < n; ++i) mpfr_div(v[i], v[i], nrm, MPFR_RNDN);
  matvec_mp(E, v, w);
  mpfr_set_zero(rho, 1);
  for (std::size_t i = 0; i < n; ++i) mpfr_fma(rho, v[i], w[i], rho, MPFR_RNDN);
  double rr = 0;
  if (r_out) r_out->resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_mul(tmp, rho, v[i], MPFR_RNDN);
    mpfr_sub(tmp, w[i], tmp, MPFR_RNDN);
    const double d = mpfr_get_d(tmp, MPFR_RNDN);
    if (r_out) (*r_out)[i] = d;
    rr += d * d;
  }
  mp_rayleigh out;
  out.residual = std::sqrt(rr);
  return out;
}

// x <- (L L')^{-1} x with L packed lower (estimate only).
void cholesky_solve_mp(const mp_array& L, std::size_t n, mp_array& x) {
  const mpfr_prec_t p = L.precision();
  mp_scalar s(p), tmp(p);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t ri = packed(i, 0);
    mpfr_set(s, x[i], MPFR_RNDN);
    for (std::size_t k = 0; k < i; ++k) {
      mpfr_mul(tmp, L[ri + k], x[k], MPFR_RNDN);
      mpfr_sub(s, s, tmp, MPFR_RNDN);
    }
    mpfr_div(x[i], s, L[ri + i], MPFR_RNDN);
  }
  for (std::size_t ii = n; ii-- > 0;) {
    const std::size_t ri = packed(ii, 0);
    mpfr_div(x[ii], x[ii], L[ri + ii], MPFR_RNDN);
    for (std::size_t k = 0; k < ii; ++k) {
      mpfr_mul(s, L[ri + k], x[ii], MPFR_RNDN);
      mpfr_sub(x[k], x[k], s, MPFR_RNDN);
    }
  }
}

// For every symmetric X with X_ij in A(i,j) ∩ A(j,i): v'Xv / v'v <= result, evaluated in MPFI over
// the entries themselves (point v at precision p). Written to `up` rounded up; false if unbounded.
bool rayleigh_upper_mp(const dense_matrix<minterval>& A, const mp_array& v, mpfr_ptr up) {
  const std::size_t n = A.rows;
  const mpfr_prec_t p = v.precision();
  mp_interval total(p), acc(p), ent(p);
  mp_scalar den_lo(p), den_hi(p), num(p);
  mpfi_set_ui(total, 0);
  mpfr_set_zero(den_lo, 1);
  mpfr_set_zero(den_hi, 1);
  for (std::size_t i = 0; i < n; ++i) {
    mpfi_set_ui(acc, 0);
    for (std::size_t j = 0; j < i; ++j) {
      symmetric_entry(A, i, j, ent);
      mpfi_mul_fr(ent, ent, v[j]);
      mpfi_add(acc, acc, ent);
    }
    mpfi_mul_2ui(acc, acc, 1);
    symmetric_entry(A, i, i, ent);
    mpfi_mul_fr(ent, ent, v[i]);
    mpfi_add(acc, acc, ent);
    mpfi_mul_fr(acc, acc, v[i]);
    mpfi_add(total, total, acc);
    mpfr_fma(den_lo, v[i], v[i], den_lo, MPFR_RNDD);
    mpfr_fma(den_hi, v[i], v[i], den_hi, MPFR_RNDU);
  }
  mpfr_set(num, &total.x->right, MPFR_RNDU);
  if (!mpfr_number_p(num.x) || mpfr_sgn(den_lo.x) <= 0) return false;
  mpfr_div(up, num, mpfr_sgn(num.x) >= 0 ? den_lo.x : den_hi.x, MPFR_RNDU);
  return mpfr_number_p(up) != 0;
}


// LAPACK dsyevr on the binary64 image: the two smallest eigenvalues and the first eigenvector;
// the unit vector of the smallest diagonal entry if LAPACK fails.
binary64_estimate lapack_estimate(const symmetric_midrad& d) {
  binary64_estimate e;
  const lapack_int N = static_cast<lapack_int>(d.n), iu = d.n >= 2 ? 2 : 1;
  std::vector<double> a = d.mid, w(d.n), z(d.n * static_cast<std::size_t>(iu));
  std::vector<lapack_int> support(2 * static_cast<std::size_t>(iu));
  lapack_int found = 0;
  const lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', N, a.data(), N, 0.0, 0.0, 1,
                                         iu, 0.0, &found, w.data(), z.data(), N, support.data());
  if (info == 0 && found == iu && std::isfinite(w[0])) {
    e.value = w[0];
    e.vector.assign(z.begin(), z.begin() + static_cast<std::ptrdiff_t>(d.n));
    if (iu == 2 && std::isfinite(w[1])) e.gap = w[1] - w[0];
    return e;
  }
  std::size_t k = 0;
  for (std::size_t i = 1; i < d.n; ++i)
    if (d.mid[i * d.n + i] < d.mid[k * d.n + k]) k = i;
  e.vector.assign(d.n, 0.0);
  e.vector[k] = 1.0;
  return e;
}

// Inverse iteration in correction form, v <- v - (M_d - s I)^{-1} (M v - rho v): the residual at
// precision p, the correction through a binary64 Cholesky of the binary64 image M_d. Each step
// contracts the error by about max((lambda_1 - s)/gap, n u ||M|| / (lambda_1 - s)), so s sits at
// the geometric mean of the two scales. No guarantee is needed here (it only improves v); stops
// when the residual stalls or reaches rounding level. False if the binary64 factorisation fails.
bool refine_with_binary64_factor(const mp_enclosure& E, mp_array& v, mpfr_ptr rho, mp_rayleigh& ray,
                                 double gap, progress_sink& progress) {
  const std::size_t n = E.n;
  const double ud = 0x1p-53;
  double tr = 0, maxabs = 0;
  for (std::size_t i = 0; i < n; ++i) tr += std::fabs(E.d.mid[i * n + i]);
  for (double x : E.d.mid) maxabs = std::max(maxabs, std::fabs(x));
  const double c53 = static_cast<double>(n + 1) * ud * tr + 8 * ud * maxabs;
  double s = (gap > 0 && std::isfinite(gap)) ? std::max(4 * c53, std::sqrt(c53 * gap)) : 64 * c53;
  const double lam = mpfr_get_d(rho, MPFR_RNDN);
  std::vector<double> L;
  bool factored = false;
  for (int attempt = 0; attempt < 4 && !factored; ++attempt, s *= 16) {
    L = E.d.mid;
    for (std::size_t i = 0; i < n; ++i) L[i * n + i] -= lam - s;
    factored = cholesky_rn(L.data(), n);
  }
  if (!factored) return false;
  const int N = static_cast<int>(n);
  const double floor = 8 * static_cast<double>(n) * std::ldexp(maxabs, -static_cast<int>(E.prec));
  mp_array best(n, E.prec);
  best.copy_from(v);
  mp_scalar best_rho(E.prec);
  mpfr_set(best_rho, rho, MPFR_RNDN);
  mp_rayleigh best_ray = ray;
  std::vector<double> r;
  ray = rayleigh_mp(E, v, rho, &r);
  for (int it = 0; it < 60; ++it) {
    progress.update("lambda_min: eigenvector refinement", 0.05);
    if (ray.residual < best_ray.residual) {
      best.copy_from(v);
      mpfr_set(best_rho, rho, MPFR_RNDN);
      best_ray = ray;
    } else if (it > 0) {
      break;  // stalled
    }
    if (!(ray.residual > floor)) break;
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, N, L.data(), N, r.data(), 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, N, L.data(), N, r.data(), 1);
    for (std::size_t i = 0; i < n; ++i) mpfr_sub_d(v[i], v[i], r[i], MPFR_RNDN);
    const double prev = ray.residual;
    ray = rayleigh_mp(E, v, rho, &r);
    if (ray.residual > 0.9 * prev && ray.residual < best_ray.residual) {
      best.copy_from(v);
      mpfr_set(best_rho, rho, MPFR_RNDN);
      best_ray = ray;
      break;  // barely moving: not worth more steps
    }
  }
  v.copy_from(best);
  mpfr_set(rho, best_rho, MPFR_RNDN);
  ray = best_ray;
  return true;
}

void clamp_psd(lambda_min_bounds& out, bool known_psd, mpfr_prec_t p) {
  if (!known_psd) return;
  if (!out.lower_proved || mpfr_sgn(out.lower.backend().data()) < 0) {
    if (!out.lower_proved) append_note(out.note, "lower bound 0 from known_psd (not from the test)");
    out.lower = mreal_from(0.0, p);
    out.lower_proved = true;
  }
}

std::vector<double> to_double(const mp_array& v) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = mpfr_get_d(v[i], MPFR_RNDN);
  return out;
}

}  // namespace ntk::mp_detail
