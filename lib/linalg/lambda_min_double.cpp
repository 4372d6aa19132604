// The binary64 tier: the binary64 backend of lambda_min_core.hpp (all but its search, which is in
// shift_search.cpp) and lambda_min_enclose / shifted_cholesky_bound / prove_lambda_min_greater for
// dinterval entries (dense radius access: symmetric_midrad).
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "interval/rounding.hpp"
#include "linalg/backend_binary64.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/lambda_min_lean.hpp"
#include "linalg/midrad.hpp"
#include "linalg/shift_search.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// x <- (L L')^{-1} x normalised, with the row-major lower factor L; empty if it broke down.
std::vector<double> inverse_iteration_step(const std::vector<double>& L, std::size_t n, std::vector<double> x) {
  factor_solve(L, n, x.data(), 1);
  double nrm = 0;
  for (double t : x) nrm += t * t;
  nrm = std::sqrt(nrm);
  if (!(nrm > 0) || !std::isfinite(nrm)) return {};
  for (double& t : x) t /= nrm;
  return x;
}

// rayleigh_float (midrad.hpp) with mid v by one BLAS product (threaded): an estimate only.
rayleigh_estimate rayleigh_blas(const std::vector<double>& mid, std::size_t n, const std::vector<double>& v) {
  std::vector<double> w(n);
  const int N = static_cast<int>(n);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, N, N, 1.0, mid.data(), N, v.data(), 1, 0.0, w.data(), 1);
  return rayleigh_of_product(v, w);
}

}  // namespace

mreal exact_mreal(double x) {
  mreal r;
  if (mpfr_get_prec(r.backend().data()) < 53) mpfr_set_prec(r.backend().data(), 53);
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);  // exact at >= 53 bits
  return r;
}

binary64_backend::binary64_backend(const symmetric_midrad& S, double r, upper_fn upper_of, bool dense_fallback,
                                   std::size_t block)
    : S_(S), r_(r), upper_of_(std::move(upper_of)), dense_(dense_fallback), block_(block) {
  for (std::size_t i = 0; i < S.n; ++i) maxdiag_ = std::max(maxdiag_, std::fabs(S.mid[i * S.n + i]));
}

double binary64_backend::constant_guess(double sigma) const { return rump_constant_estimate(S_, sigma) * ratio_; }

lm_core::estimate_info binary64_backend::estimate_hint(const lambda_min_hint& hint, progress_sink&) {
  lm_core::estimate_info e;
  vec_ = hint.vector;
  step_done_ = false;
  const rayleigh_estimate r = rayleigh_float(S_.mid.data(), S_.n, vec_);
  e.value = std::isfinite(hint.value) ? hint.value : r.rho;
  e.error = r.residual + std::fabs(e.value - r.rho);
  e.ok = std::isfinite(e.value);
  vec_residual_ = r.residual;
  gap_ = std::numeric_limits<double>::quiet_NaN();
  value_ = e.value;
  error_ = e.error;
  return e;
}

lm_core::estimate_info binary64_backend::estimate_dense(progress_sink& progress) {
  progress.update("lambda_min: eigen-estimate (dsyevr)", 0.15);
  lm_core::estimate_info e;
  e.dense = true;
  const std::size_t n = S_.n;
  // LAPACK works in the factor buffer (its pages are reused by the Cholesky that follows).
  F_ = S_.mid;
  valid_ = false;
  std::vector<double> w(n), z(n);
  lapack_int found = 0, support[2];
  const lapack_int N = static_cast<lapack_int>(n);
  const lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', N, F_.data(), N, 0.0, 0.0, 1, 1, 0.0,
                                         &found, w.data(), z.data(), N, support);
  if (info == 0 && found == 1 && std::isfinite(w[0])) {
    e.value = w[0];
    vec_ = z;
    e.error = vec_residual_ = rayleigh_float(S_.mid.data(), n, vec_).residual;
  } else {
    // LAPACK failed: the unit vector of the smallest diagonal entry.
    std::size_t k = 0;
    for (std::size_t i = 1; i < n; ++i)
      if (S_.mid[i * n + i] < S_.mid[k * n + k]) k = i;
    vec_.assign(n, 0.0);
    vec_[k] = 1.0;
    const rayleigh_estimate r = rayleigh_float(S_.mid.data(), n, vec_);
    e.value = r.rho;
    e.error = vec_residual_ = r.residual;
  }
  step_done_ = false;
  gap_ = std::numeric_limits<double>::quiet_NaN();
  e.ok = std::isfinite(e.value);
  value_ = e.value;
  error_ = e.error;
  return e;
}

lm_core::factor_outcome binary64_backend::try_factor(double sigma, std::string&, progress_sink& progress) {
  progress.update("lambda_min: cholesky 53 bits", 0.5);
  const shifted_cholesky_result res = shifted_cholesky_test(S_, r_, sigma, &F_);
  ++choleskys_;
  valid_ = res.success;
  step_done_ = false;
  lm_core::factor_outcome out;
  out.ok = res.success;
  out.note = res.note;
  out.breakdown = !res.success && res.note.find("broke down") != std::string::npos;
  if (res.success) {
    factor_shift_ = sigma;
    if (res.c_plain > 0 && res.c <= res.c_plain) ratio_ = res.c / res.c_plain;
    if (!best_res_.success || res.t > best_res_.t) best_res_ = res;
    out.t = exact_mreal(res.t);
    out.t_down = res.t;
  }
  return out;
}

lm_core::estimate_info binary64_backend::iterate(progress_sink&) {
  lm_core::estimate_info e;
  const std::size_t n = S_.n;
  if (!valid_ || vec_.size() != n) return e;
  // The factor is shifted just below lambda_1, so each solve shrinks the other components by
  // (lambda_1 - s)/(lambda_k - s): the residual drops to rounding level, usually in one step (the
  // second is skipped once the vector is settled).
  std::vector<double> x = vec_;
  // The residual of vec_ is known from the estimator that produced it (or the last iterate).
  if (std::isnan(vec_residual_)) vec_residual_ = rayleigh_blas(S_.mid, n, vec_).residual;
  for (int k = 0; k < 2 && !settled(); ++k) {
    factor_solve(F_, n, x.data(), 1);
    double nrm = 0;
    for (double t : x) nrm += t * t;
    nrm = std::sqrt(nrm);
    if (!(nrm > 0) || !std::isfinite(nrm)) break;
    for (double& t : x) t /= nrm;
    const rayleigh_estimate after = rayleigh_blas(S_.mid, n, x);
    if (after.residual < vec_residual_ && std::isfinite(after.rho)) {
      vec_ = x;
      vec_residual_ = after.residual;
      value_ = after.rho;
      error_ = std::min(error_, after.residual);
      step_done_ = false;
    }
  }
  e.ok = std::isfinite(value_);
  e.value = value_;
  e.error = error_;
  return e;
}

int binary64_backend::candidates() {
  if (vec_.size() != S_.n) return 0;
  if (!step_done_) {
    step_ = valid_ && !settled() ? inverse_iteration_step(F_, S_.n, vec_) : std::vector<double>{};
    step_done_ = true;
  }
  return step_.empty() ? 1 : 2;
}

bool binary64_backend::settled() const {
  // Rayleigh quotient error <= ||res||^2 / gap (gap: the distance to the rest of the spectrum,
  // estimated by the search's Ritz values): another step would lower the upper bound by less.
  if (!(gap_ > 0) || !std::isfinite(vec_residual_)) return false;
  return vec_residual_ * vec_residual_ / gap_ <= constant_guess(value_) / 1024;
}

mreal binary64_backend::candidate_upper(int k) {
  const std::vector<double>& v = k == 0 ? vec_ : step_;
  return exact_mreal(upper_of_ ? upper_of_(v) : inf);
}

void binary64_backend::export_vector(int k, lambda_min_bounds& out) {
  out.vector = k == 0 ? vec_ : step_;
  out.vector_upper = out.upper;  // `vector` is the very vector behind `upper`
}

lambda_min_bounds lambda_min_enclose_midrad(const symmetric_midrad& S, double r,
                                            const std::function<double(const std::vector<double>&)>& upper_of,
                                            bool known_psd, const lambda_min_hint* hint, progress_sink& progress,
                                            bool dense_fallback) {
  binary64_backend be(S, r, upper_of, dense_fallback);
  lm_core::driver<binary64_backend> d(be, progress);
  return d.run(known_psd, hint);
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
    lm_core::append_note(out.note, was);
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
