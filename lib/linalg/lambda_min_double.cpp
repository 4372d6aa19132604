// lambda_min_enclose / prove_lambda_min_greater for the binary64 tier (dinterval entries).
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "interval/rounding.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/lambda_min_lean.hpp"
#include "linalg/midrad.hpp"
#include "linalg/shift_search.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

mreal exact_mreal(double x) {
  mreal r;
  if (mpfr_get_prec(r.backend().data()) < 53) mpfr_set_prec(r.backend().data(), 53);
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);  // exact at >= 53 bits
  return r;
}

void append_note(std::string& note, const std::string& s) {
  if (s.empty()) return;
  if (!note.empty()) note += "; ";
  note += s;
}

// One step of inverse iteration with the Cholesky factor L (row-major lower triangle) of mid - sigma I.
std::vector<double> inverse_iteration_step(const std::vector<double>& L, std::size_t n,
                                           std::vector<double> x) {
  const int N = static_cast<int>(n);
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, N, L.data(), N, x.data(), 1);
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, N, L.data(), N, x.data(), 1);
  double nrm = 0;
  for (double t : x) nrm += t * t;
  nrm = std::sqrt(nrm);
  if (!(nrm > 0) || !std::isfinite(nrm)) return {};
  for (double& t : x) t /= nrm;
  return x;
}

struct estimate {
  double value = std::numeric_limits<double>::quiet_NaN();
  double error = 0;  // rough size of |value - lambda_min(mid)| (residual norm), for the margin
  std::vector<double> vector;
};

// LAPACK dsyevr (eigenvalue 1 and its vector) on S.mid, destroying the n*n buffer `work` (passed in
// so that the caller can reuse its pages for the Cholesky: fresh pages are expensive at n ~ 1000).
estimate estimate_from_lapack(const symmetric_midrad& S, std::vector<double>& work) {
  estimate e;
  const std::size_t n = S.n;
  work = S.mid;
  std::vector<double> w(n), z(n);
  lapack_int found = 0, support[2];
  const lapack_int N = static_cast<lapack_int>(n);
  const lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', N, work.data(), N, 0.0,
                                         0.0, 1, 1, 0.0, &found, w.data(), z.data(), N, support);
  if (info == 0 && found == 1 && std::isfinite(w[0])) {
    e.value = w[0];
    e.vector = z;
  } else {
    e.value = std::numeric_limits<double>::quiet_NaN();
  }
  if (std::isfinite(e.value)) {
    e.error = rayleigh_float(S.mid.data(), S.n, e.vector).residual;
  } else {
    // LAPACK failed: fall back to the unit vector of the smallest diagonal entry.
    std::size_t k = 0;
    for (std::size_t i = 1; i < S.n; ++i)
      if (S.mid[i * S.n + i] < S.mid[k * S.n + k]) k = i;
    e.vector.assign(S.n, 0.0);
    e.vector[k] = 1.0;
    const rayleigh_estimate r = rayleigh_float(S.mid.data(), S.n, e.vector);
    e.value = r.rho;
    e.error = r.residual;
  }
  return e;
}

estimate estimate_from_hint(const symmetric_midrad& S, const lambda_min_hint& hint) {
  estimate e;
  e.vector = hint.vector;
  const rayleigh_estimate r = rayleigh_float(S.mid.data(), S.n, e.vector);
  e.value = std::isfinite(hint.value) ? hint.value : r.rho;
  e.error = r.residual + std::fabs(e.value - r.rho);
  return e;
}

// Lower bound from an estimate: Cholesky of mid - sigma I with sigma a margin below the estimate.
// The typical perturbation of a Cholesky is far below the worst case c, so the first margin is c/16
// plus the estimate's own error; on failure it grows. `best` receives the first success (or the
// last failure's note); `factor` (n*n) the factor of the success.
void lapack_final_tests(const symmetric_midrad& S, double r, const estimate& est, shifted_cholesky_result& best,
                        std::vector<double>& factor, progress_sink& progress) {
  if (!std::isfinite(est.value)) return;
  const std::size_t n = S.n;
  const double c0 = rump_constant_estimate(S, est.value);
  // c0 scales with the shifted trace; the rounding of the shift itself scales with the entries.
  double maxdiag = 0;
  for (std::size_t i = 0; i < n; ++i) maxdiag = std::max(maxdiag, std::fabs(S.mid[i * n + i]));
  double margin = c0 / 16 + 2 * est.error + 4 * unit_roundoff * (maxdiag + std::fabs(est.value));
  for (int attempt = 0; attempt < 5; ++attempt) {
    progress.update("lambda_min: cholesky 53 bits", 0.2 + 0.1 * attempt);
    const double sigma = est.value - margin;
    shifted_cholesky_result res = shifted_cholesky_test(S, r, sigma, &factor);
    if (res.success) {
      best = res;
      return;
    }
    best.note = res.note;
    margin = margin * 8 + (attempt >= 2 ? std::fabs(est.value) * 0x1p-20 : 0.0);
  }
}

void clamp_psd(lambda_min_bounds& out, bool known_psd) {
  if (!known_psd) return;
  if (!out.lower_proved || mpfr_sgn(out.lower.backend().data()) < 0) {
    if (!out.lower_proved) append_note(out.note, "lower bound 0 from known_psd (not from the test)");
    out.lower = exact_mreal(0.0);
    out.lower_proved = true;
  }
}

}  // namespace

lambda_min_bounds lambda_min_enclose_midrad(const symmetric_midrad& S, double r,
                                            const std::function<double(const std::vector<double>&)>& upper_of,
                                            bool known_psd, const lambda_min_hint* hint, progress_sink& progress,
                                            bool dense_fallback) {
  const std::size_t n = S.n;
  lambda_min_bounds out;
  out.precision_bits = 53;
  out.lower = exact_mreal(-inf);
  out.upper = exact_mreal(inf);
  out.vector_upper = exact_mreal(inf);
  out.shift = exact_mreal(-inf);
  if (!S.finite || n == 0) {
    append_note(out.note, "matrix has non-finite entries");
    clamp_psd(out, known_psd);
    return out;
  }

  progress.update("lambda_min: eigen-estimate", 0.1);
  const bool use_hint = lambda_min_hint_usable(hint, n);
  std::vector<double> factor;
  estimate est;
  shifted_cholesky_result best;
  bool searched = false;
  if (!use_hint) {
    // Cholesky tests steered by block inverse iteration (shift_search.hpp); LAPACK's dense
    // eigensolver only when that search cannot start or does not converge.
    progress.update("lambda_min: shift search 53 bits", 0.2);
    shift_search_result sr = lambda_min_shift_search(S, r, 12, &progress);
    if (sr.best.success) best = sr.best;
    factor.swap(sr.factor);
    if (std::isfinite(sr.estimate)) {
      est.value = sr.estimate;
      est.error = sr.error;
      est.vector = std::move(sr.vector);
    }
    searched = sr.converged && best.success && std::isfinite(est.value);
    if (!searched && !sr.note.empty()) append_note(out.note, "shift search: " + sr.note);
    if (!searched && !dense_fallback) append_note(out.note, "no dense eigensolver fallback at this size");
  }
  if (!use_hint && !searched && dense_fallback) {
    shifted_cholesky_result kept = best;
    std::vector<double> kept_factor;
    kept_factor.swap(factor);
    factor.assign(n * n, 0.0);
    est = estimate_from_lapack(S, factor);
    best = shifted_cholesky_result{};
    lapack_final_tests(S, r, est, best, factor, progress);
    if (kept.success && (!best.success || kept.t > best.t)) {
      best = kept;
      factor.swap(kept_factor);
    }
  } else if (use_hint) {
    factor.assign(n * n, 0.0);
    est = estimate_from_hint(S, *hint);
    lapack_final_tests(S, r, est, best, factor, progress);
    if (!best.success && dense_fallback) {
      est = estimate_from_lapack(S, factor);  // the hint led to no proof: start again from LAPACK
      lapack_final_tests(S, r, est, best, factor, progress);
    }
  }
  out.estimate = est.value;
  if (best.success) {
    out.lower_proved = true;
    out.lower = exact_mreal(best.t);
    out.shift = exact_mreal(best.t);
  } else {
    append_note(out.note, "lower bound not proved: " + best.note);
  }

  // Upper bound: Rayleigh quotient of the estimate's vector, and of one inverse-iteration step on it
  // when a factor is at hand; the smaller bound wins (both are valid).
  progress.update("lambda_min: rayleigh quotient", 0.8);
  double up = est.vector.size() == n ? upper_of(est.vector) : inf;
  out.vector = est.vector;
  if (best.success && factor.size() == n * n && est.vector.size() == n) {
    std::vector<double> x = inverse_iteration_step(factor, n, est.vector);
    if (!x.empty()) {
      const double up2 = upper_of(x);
      if (up2 < up) {
        up = up2;
        out.vector = std::move(x);
      }
    }
  }
  if (up < inf) {
    out.upper = exact_mreal(up);
    out.vector_upper = out.upper;  // `vector` is the very vector behind `up`
    out.upper_proved = true;
  } else {
    append_note(out.note, "upper bound not proved (Rayleigh quotient not finite)");
  }
  clamp_psd(out, known_psd);
  progress.update("lambda_min: done", 1.0);
  return out;
}

template <>
lambda_min_bounds lambda_min_enclose<dinterval>(const dense_matrix<dinterval>& A, bool known_psd,
                                                const lambda_min_hint* hint,
                                                progress_sink& progress) {
  if (A.rows != A.cols) throw std::invalid_argument("lambda_min_enclose: matrix is not square");
  if (A.rows == 0) throw std::invalid_argument("lambda_min_enclose: empty matrix");
  progress.update("lambda_min: midpoint-radius form", 0.0);
  const symmetric_midrad S = to_midrad(A);
  double r = inf;
  if (S.finite) {
    // One Collatz step (the max row sum) when that is already negligible next to the Cholesky
    // constant, eight otherwise: each step reads the whole radius matrix.
    r = offdiag_radius_bound(S, 1);
    if (!(r <= rump_constant_estimate(S, 0.0) / 16)) r = std::min(r, offdiag_radius_bound(S));
  }
  lambda_min_bounds out = lambda_min_enclose_midrad(
      S, r, [&S](const std::vector<double>& v) { return rayleigh_upper(S, v); }, known_psd, hint, progress, true);
  if (!S.consistent) {
    const std::string was = out.note;
    out.note = "some A(i,j), A(j,i) were disjoint; their hull was used";
    append_note(out.note, was);
  }
  return out;
}

template <>
shifted_cholesky_outcome shifted_cholesky_bound<dinterval>(const dense_matrix<dinterval>& A,
                                                           const mreal& sigma) {
  shifted_cholesky_outcome out;
  if (A.rows != A.cols || A.rows == 0) {
    out.note = "matrix empty or not square";
    return out;
  }
  const symmetric_midrad S = to_midrad(A);
  const shifted_cholesky_result res =
      shifted_cholesky_test(S, offdiag_radius_bound(S), mpfr_get_d(sigma.backend().data(), MPFR_RNDN));
  out.success = res.success;
  out.note = res.note;
  if (res.success) out.t = exact_mreal(res.t);
  return out;
}

template <>
bool prove_lambda_min_greater<dinterval>(const dense_matrix<dinterval>& A, const mreal& t_in,
                                         std::string* why) {
  auto fail = [&](const std::string& s) {
    if (why) *why = s;
    return false;
  };
  if (A.rows != A.cols || A.rows == 0) return fail("matrix empty or not square");
  const double t = mpfr_get_d(t_in.backend().data(), MPFR_RNDU);  // proving > t_d >= t suffices
  if (!std::isfinite(t)) return fail("threshold not finite");
  const symmetric_midrad S = to_midrad(A);
  if (!S.finite) return fail("matrix has non-finite entries");
  const double r = offdiag_radius_bound(S);
  if (!(r < inf)) return fail("radius bound not finite");
  // The factored matrix has ã_ii <= mid_ii - t - r (+ rounding), so c(Ã) <= constant_estimate.
  const double base = round_up(t + r);
  double c0 = rump_constant_estimate(S, base);
  double maxabs = 0;
  for (std::size_t i = 0; i < S.n; ++i) maxabs = std::max(maxabs, std::fabs(S.mid[i * S.n + i]));
  const double slack = round_up(8 * unit_roundoff * round_up(maxabs + std::fabs(base)));
  const double sigma = round_up(round_up(base + c0) + slack);
  const shifted_cholesky_result res = shifted_cholesky_test(S, r, sigma);
  if (!res.success) return fail(res.note);
  if (!(res.t >= t)) return fail("proved bound fell short of the threshold");
  return true;
}

bool lambda_min_hint_usable(const lambda_min_hint* hint, std::size_t n) {
  if (!hint || hint->vector.size() != n) return false;
  bool nonzero = false;
  for (double t : hint->vector) {
    if (!std::isfinite(t)) return false;
    nonzero = nonzero || t != 0;
  }
  return nonzero;
}

}  // namespace ntk
