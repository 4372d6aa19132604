// lambda_min_enclose / prove_lambda_min_greater for the MPFR tier (minterval entries).
//
// The theorem of verified_cholesky.hpp holds for any round-to-nearest arithmetic with unit roundoff
// u and correctly rounded +, -, *, /, sqrt: here MPFR at precision p, u = 2^-p. MPFR has no gradual
// underflow, so the factorisation is rejected when MPFR raises its underflow (or overflow, NaN,
// range) flag; otherwise every operation satisfied fl(x) = x(1 + d), |d| <= u, exactly, and the
// eta term (kept with binary64's eta, harmless) is not even needed.
//
// Storage: packed lower triangles of mpfr_t whose significands live in one contiguous buffer
// (MPFR's custom interface): about 3x faster than separately allocated values, and no per-entry
// allocation.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "interval/rounding.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/midrad.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// A fixed-size array of mpfr_t at one precision, significands in one buffer. Never mpfr_clear'd
// (custom-interface values must not be); moving keeps the buffers in place.
class mp_array {
 public:
  mp_array() = default;
  mp_array(std::size_t count, mpfr_prec_t prec) : prec_(prec), vals_(count) {
    const std::size_t bytes = mpfr_custom_get_size(prec);
    stride_ = (bytes + sizeof(mp_limb_t) - 1) / sizeof(mp_limb_t);
    limbs_.assign(count * stride_, 0);
    for (std::size_t k = 0; k < count; ++k) {
      void* sig = limbs_.data() + k * stride_;
      mpfr_custom_init(sig, prec);
      mpfr_custom_init_set(&vals_[k], MPFR_ZERO_KIND, 0, prec, sig);
    }
  }
  mp_array(const mp_array&) = delete;
  mp_array& operator=(const mp_array&) = delete;
  mp_array(mp_array&&) = default;
  mp_array& operator=(mp_array&&) = default;

  mpfr_ptr operator[](std::size_t k) { return &vals_[k]; }
  mpfr_srcptr operator[](std::size_t k) const { return &vals_[k]; }
  std::size_t size() const { return vals_.size(); }
  mpfr_prec_t precision() const { return prec_; }
  void copy_from(const mp_array& o) {
    for (std::size_t k = 0; k < vals_.size(); ++k) mpfr_set(&vals_[k], &o.vals_[k], MPFR_RNDN);
  }

 private:
  mpfr_prec_t prec_ = 0;
  std::size_t stride_ = 0;
  std::vector<__mpfr_struct> vals_;
  std::vector<mp_limb_t> limbs_;
};

inline std::size_t packed(std::size_t i, std::size_t j) { return i * (i + 1) / 2 + j; }  // j <= i

// RAII scalar at a given precision.
struct mp_scalar {
  mpfr_t x;
  explicit mp_scalar(mpfr_prec_t p) { mpfr_init2(x, p); }
  ~mp_scalar() { mpfr_clear(x); }
  mp_scalar(const mp_scalar&) = delete;
  mp_scalar& operator=(const mp_scalar&) = delete;
  operator mpfr_ptr() { return x; }
};

struct mp_interval {
  mpfi_t x;
  explicit mp_interval(mpfr_prec_t p) { mpfi_init2(x, p); }
  ~mp_interval() { mpfi_clear(x); }
  mp_interval(const mp_interval&) = delete;
  mp_interval& operator=(const mp_interval&) = delete;
  operator mpfi_ptr() { return x; }
};

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

// The symmetric enclosure at precision p: M = midpoints (diagonal at the lower endpoint) packed,
// plus its binary64 image (mid rounded to nearest, radii rounded up) for estimates and for r.
struct mp_enclosure {
  std::size_t n = 0;
  mpfr_prec_t prec = 0;
  mp_array M;
  symmetric_midrad d;  // d.mid = RN(M) (an estimate only); d.rad rigorous, as in midrad.hpp
};

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

struct mp_test_result {
  bool success = false;
  std::string note;
};

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
double first_margin(const mp_enclosure& E, double sigma, double residual) {
  double tr = 0, maxdiag = 0;
  for (std::size_t i = 0; i < E.n; ++i) {
    const double d = E.d.mid[i * E.n + i];
    tr += std::max(0.0, d - sigma);
    maxdiag = std::max(maxdiag, std::fabs(d));
  }
  const double u = std::ldexp(1.0, -static_cast<int>(E.prec));
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

struct mp_rayleigh {
  double residual = inf;  // ||Mv - rho v|| / ||v||
};

// rho = v'Mv / v'v (precision p) and the residual norm; v is normalised to unit length first.
mp_rayleigh rayleigh_mp(const mp_enclosure& E, mp_array& v, mpfr_ptr rho,
                        std::vector<double>* r_out = nullptr) {
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

struct binary64_estimate {
  std::vector<double> vector;
  double value = std::numeric_limits<double>::quiet_NaN();
  double gap = std::numeric_limits<double>::quiet_NaN();  // lambda_2 - lambda_1 estimate
};

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

}  // namespace

template <>
lambda_min_bounds lambda_min_enclose<minterval>(const dense_matrix<minterval>& A, bool known_psd,
                                                const lambda_min_hint* hint,
                                                progress_sink& progress) {
  if (A.rows != A.cols) throw std::invalid_argument("lambda_min_enclose: matrix is not square");
  if (A.rows == 0) throw std::invalid_argument("lambda_min_enclose: empty matrix");
  const std::size_t n = A.rows;
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  lambda_min_bounds out;
  out.precision_bits = p;
  out.lower = mreal_from(-inf, p);
  out.upper = mreal_from(inf, p);
  out.vector_upper = mreal_from(inf, p);
  out.shift = mreal_from(-inf, p);

  progress.update("lambda_min: midpoint-radius form", 0.0);
  const mp_enclosure E = make_enclosure(A, p);
  if (!E.d.consistent) append_note(out.note, "some A(i,j), A(j,i) were disjoint; their hull was used");
  if (!E.d.finite) {
    append_note(out.note, "matrix has non-finite entries");
    clamp_psd(out, known_psd, p);
    return out;
  }
  const double r = offdiag_radius_bound(E.d);

  // Starting vector: the hint, else LAPACK on the binary64 image of the midpoint.
  progress.update("lambda_min: eigen-estimate", 0.02);
  const bool use_hint = lambda_min_hint_usable(hint, n);
  binary64_estimate est;
  if (use_hint) {
    est.vector = hint->vector;
  } else {
    est = lapack_estimate(E.d);
  }
  mp_array v(n, p);
  for (std::size_t i = 0; i < n; ++i) mpfr_set_d(v[i], est.vector[i], MPFR_RNDN);
  mp_scalar rho(p), sigma(p), t(p), best_t(p), delta(p);
  mp_rayleigh ray = rayleigh_mp(E, v, rho);
  refine_with_binary64_factor(E, v, rho, ray, est.gap, progress);

  // First Cholesky: a margin covering the starting vector's residual. It proves a (loose) lower
  // bound and gives the factor for inverse iteration at full precision.
  mp_array work(n * (n + 1) / 2, p);
  bool have_factor = false;
  std::string why;
  mpfr_set_inf(best_t, -1);
  double margin = first_margin(E, mpfr_get_d(rho, MPFR_RNDN), ray.residual);
  for (int attempt = 0; attempt < 5 && !have_factor; ++attempt) {
    if (attempt == 2 && use_hint) {  // the hint did not work out: restart from LAPACK
      est = lapack_estimate(E.d);
      for (std::size_t i = 0; i < n; ++i) mpfr_set_d(v[i], est.vector[i], MPFR_RNDN);
      ray = rayleigh_mp(E, v, rho);
      refine_with_binary64_factor(E, v, rho, ray, est.gap, progress);
      margin = first_margin(E, mpfr_get_d(rho, MPFR_RNDN), ray.residual);
    }
    if (!std::isfinite(margin)) break;
    mpfr_set_d(delta, margin, MPFR_RNDU);
    mpfr_sub(sigma, rho, delta, MPFR_RNDN);
    const mp_test_result res = shifted_test_mp(E, r, sigma, work, t, progress);
    if (res.success) {
      have_factor = true;
      mpfr_set(best_t, t, MPFR_RNDD);
    } else {
      why = res.note;
      margin = margin * 16 + (attempt >= 2 ? std::fabs(mpfr_get_d(rho, MPFR_RNDN)) * 0x1p-20 : 0.0);
    }
  }

  mp_array v_ref(n, p);
  v_ref.copy_from(v);
  if (have_factor) {
    // Rounds of inverse iteration at precision p with the factor of the last successful test,
    // then a new test just below the improved estimate (which also gives a closer-shifted factor).
    // Only needed when the binary64-preconditioned refinement could not separate lambda_1 from
    // its neighbours (gaps below the binary64 resolution).
    mp_scalar rho2(p), rho3(p);
    mpfr_set(rho2, rho, MPFR_RNDN);
    mp_rayleigh ray2 = ray;
    double margin_last = margin;
    double maxabs = 0;
    for (double x : E.d.mid) maxabs = std::max(maxabs, std::fabs(x));
    const double floor = 8 * static_cast<double>(n) * std::ldexp(maxabs, -static_cast<int>(p));
    mp_array x(n, p);
    for (int round = 0; round < 3; ++round) {
      for (int it = 0; it < 40 && ray2.residual > floor; ++it) {
        x.copy_from(v_ref);
        cholesky_solve_mp(work, n, x);
        const mp_rayleigh ray3 = rayleigh_mp(E, x, rho3);
        if (!(ray3.residual < 0.9 * ray2.residual)) break;
        v_ref.copy_from(x);
        mpfr_set(rho2, rho3, MPFR_RNDN);
        ray2 = ray3;
      }
      double margin2 = first_margin(E, mpfr_get_d(rho2, MPFR_RNDN), ray2.residual);
      bool improved = false;
      for (int attempt = 0; attempt < 2 && margin2 < margin_last / 4; ++attempt, margin2 *= 16) {
        mpfr_set_d(delta, margin2, MPFR_RNDU);
        mpfr_sub(sigma, rho2, delta, MPFR_RNDN);
        const mp_test_result res = shifted_test_mp(E, r, sigma, work, t, progress);
        if (res.success) {
          if (mpfr_cmp(t, best_t) > 0) mpfr_set(best_t, t, MPFR_RNDD);
          margin_last = margin2;
          improved = true;
          break;
        }
      }
      if (!improved) break;  // (a failed test also spoilt the factor in `work`)
    }
    mpfr_set(rho, rho2, MPFR_RNDN);
  }
  out.estimate = mpfr_get_d(rho, MPFR_RNDN);
  if (have_factor) {
    out.lower_proved = true;
    out.lower = mreal_from(best_t, p, MPFR_RNDD);
    out.shift = mreal_from(best_t, p, MPFR_RNDD);
  } else {
    append_note(out.note, "lower bound not proved: " + why);
  }

  // Upper bound: MPFI Rayleigh quotient over the entries, for the refined and the starting vector.
  progress.update("lambda_min: rayleigh quotient", 0.95);
  mp_scalar up(p), up2(p);
  bool up_ok = rayleigh_upper_mp(A, v_ref, up);
  out.vector = to_double(v_ref);
  if (have_factor && rayleigh_upper_mp(A, v, up2) && (!up_ok || mpfr_cmp(up2, up) < 0)) {
    mpfr_set(up, up2, MPFR_RNDU);
    up_ok = true;
    out.vector = to_double(v);
  }
  if (up_ok) {
    out.upper = mreal_from(up, p, MPFR_RNDU);
    out.upper_proved = true;
    // The same bound for the binary64 rounding of the vector, which is all that leaves this function.
    mp_array vd(n, p);
    for (std::size_t k = 0; k < n; ++k) mpfr_set_d(vd[k], out.vector[k], MPFR_RNDN);  // exact, p >= 53
    mp_scalar upd(p);
    if (rayleigh_upper_mp(A, vd, upd)) out.vector_upper = mreal_from(upd, p, MPFR_RNDU);
  } else {
    append_note(out.note, "upper bound not proved (Rayleigh quotient not finite)");
  }
  clamp_psd(out, known_psd, p);
  progress.update("lambda_min: done", 1.0);
  return out;
}

template <>
shifted_cholesky_outcome shifted_cholesky_bound<minterval>(const dense_matrix<minterval>& A,
                                                           const mreal& sigma) {
  shifted_cholesky_outcome out;
  if (A.rows != A.cols || A.rows == 0) {
    out.note = "matrix empty or not square";
    return out;
  }
  const std::size_t n = A.rows;
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  const mp_enclosure E = make_enclosure(A, p);
  if (!E.d.finite) {
    out.note = "matrix has non-finite entries";
    return out;
  }
  mp_array work(n * (n + 1) / 2, p);
  mp_scalar t(p);
  null_progress quiet;
  const mp_test_result res =
      shifted_test_mp(E, offdiag_radius_bound(E.d), sigma.backend().data(), work, t, quiet);
  out.success = res.success;
  out.note = res.note;
  if (res.success) out.t = mreal_from(t, p, MPFR_RNDD);
  return out;
}

template <>
bool prove_lambda_min_greater<minterval>(const dense_matrix<minterval>& A, const mreal& t_in,
                                         std::string* why) {
  auto fail = [&](const std::string& s) {
    if (why) *why = s;
    return false;
  };
  if (A.rows != A.cols || A.rows == 0) return fail("matrix empty or not square");
  if (!mpfr_number_p(t_in.backend().data())) return fail("threshold not finite");
  const std::size_t n = A.rows;
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  const mp_enclosure E = make_enclosure(A, p);
  if (!E.d.finite) return fail("matrix has non-finite entries");
  const double r = offdiag_radius_bound(E.d);
  if (!(r < inf)) return fail("radius bound not finite");
  // sigma = t + r + c(t + r) + slack, all rounded up; c of the factored matrix is then below the
  // estimate since its diagonal is below M_ii - t - r.
  mp_scalar base(p), sigma(p), trace(p), maxd(p), d(p), c(80), t(p);
  mpfr_add_d(base, t_in.backend().data(), r, MPFR_RNDU);
  mpfr_set_zero(trace, 1);
  mpfr_set_zero(maxd, 1);
  double maxabs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_sub(d, E.M[packed(i, i)], base, MPFR_RNDU);
    if (mpfr_sgn(d.x) > 0) {
      mpfr_add(trace, trace, d, MPFR_RNDU);
      mpfr_max(maxd, maxd, d, MPFR_RNDU);
    }
    maxabs = std::max(maxabs, std::fabs(mpfr_get_d(E.M[packed(i, i)], MPFR_RNDU)));
  }
  if (!rump_constant_mp(c, n, p, trace, maxd)) return fail("matrix too large for the constant");
  mpfr_add(sigma, base, c, MPFR_RNDU);
  const double slack = 8 * std::ldexp(maxabs + std::fabs(mpfr_get_d(base, MPFR_RNDU)),
                                      -static_cast<int>(p));
  mpfr_add_d(sigma, sigma, slack, MPFR_RNDU);
  mp_array work(n * (n + 1) / 2, p);
  null_progress quiet;
  const mp_test_result res = shifted_test_mp(E, r, sigma, work, t, quiet);
  if (!res.success) return fail(res.note);
  if (mpfr_cmp(t, t_in.backend().data()) < 0) return fail("proved bound fell short of the threshold");
  return true;
}

}  // namespace ntk
