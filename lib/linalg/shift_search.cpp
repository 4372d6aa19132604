#include "linalg/shift_search.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "interval/rounding.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Deterministic start block (n x b, column-major): pseudo-random entries in [-1, 1].
std::vector<double> start_block(std::size_t n, std::size_t b) {
  std::vector<double> x(n * b);
  std::uint64_t s = 0x9e3779b97f4a7c15ull;
  for (double& t : x) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    t = static_cast<double>(s >> 11) * 0x1p-52 - 1.0;
  }
  return x;
}

// X <- (L L')^-1 X for the row-major lower factor L (= column-major upper U = L', L L' = U'U).
void apply_inverse(const std::vector<double>& L, std::size_t n, std::vector<double>& X, std::size_t b) {
  const int N = static_cast<int>(n), B = static_cast<int>(b);
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, N, B, 1.0, L.data(), N,
              X.data(), N);
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, N, B, 1.0, L.data(), N,
              X.data(), N);
}

bool all_finite(const std::vector<double>& v) {
  for (double t : v)
    if (!std::isfinite(t)) return false;
  return true;
}

struct ritz {
  double value = std::numeric_limits<double>::quiet_NaN();
  double error = inf;
  double gap = 0;
};

// Orthonormalises X (QR), then Rayleigh-Ritz on mid: X <- X Q ordered by Ritz value, W = mid X.
// Returns the smallest Ritz value with the error estimate min(||res||, ||res||^2 / gap).
bool rayleigh_ritz(const symmetric_midrad& S, std::vector<double>& X, std::size_t b, std::vector<double>& W,
                   ritz& out) {
  const std::size_t n = S.n;
  const int N = static_cast<int>(n), B = static_cast<int>(b);
  std::vector<double> tau(b), H(b * b), w(b), T(n * b);
  if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, N, B, X.data(), N, tau.data()) != 0) return false;
  if (LAPACKE_dorgqr(LAPACK_COL_MAJOR, N, B, B, X.data(), N, tau.data()) != 0) return false;
  W.assign(n * b, 0.0);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, B, N, 1.0, S.mid.data(), N, X.data(), N, 0.0,
              W.data(), N);
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, B, B, N, 1.0, X.data(), N, W.data(), N, 0.0, H.data(), B);
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = 0; j < i; ++j) H[i * b + j] = H[j * b + i] = 0.5 * (H[i * b + j] + H[j * b + i]);
  if (!all_finite(H)) return false;
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', B, H.data(), B, w.data()) != 0) return false;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, B, B, 1.0, X.data(), N, H.data(), B, 0.0, T.data(), N);
  X.swap(T);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, B, B, 1.0, W.data(), N, H.data(), B, 0.0, T.data(), N);
  W.swap(T);
  double rr = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = W[i] - w[0] * X[i];
    rr += d * d;
  }
  const double res = std::sqrt(rr);
  out.value = w[0];
  out.gap = b > 1 ? w[1] - w[0] : inf;
  out.error = res;
  if (out.gap > res) out.error = std::min(res, rr / (out.gap - res));
  return std::isfinite(out.value) && !std::isnan(out.error);
}

}  // namespace

double rump_constant_estimate(const symmetric_midrad& S, double sigma) {
  double tr = 0, mx = 0;
  for (std::size_t i = 0; i < S.n; ++i) {
    const double d = std::max(0.0, round_up(S.mid[i * S.n + i] - sigma));
    tr = round_up(tr + d);
    mx = std::max(mx, d);
  }
  return rump_constant_binary64(S.n, tr, mx);
}

shift_search_result lambda_min_shift_search(const symmetric_midrad& S, double r, std::size_t block,
                                            progress_sink* progress) {
  shift_search_result out;
  const std::size_t n = S.n;
  if (!S.finite || n == 0) {
    out.note = "matrix has non-finite entries";
    return out;
  }
  const std::size_t b = std::max<std::size_t>(1, std::min(block, n));
  const double c0 = rump_constant_estimate(S, 0.0);
  if (!(c0 < inf)) {
    out.note = "matrix too large for the binary64 constant";
    return out;
  }
  double maxdiag = 0;
  for (std::size_t i = 0; i < n; ++i) maxdiag = std::max(maxdiag, std::fabs(S.mid[i * n + i]));

  // One n x n buffer (out.factor) for every test: after a successful test it holds that test's
  // factor, which steers the iteration; a failed test leaves it partial (valid = false), and the
  // last good shift is refactored when the iteration still needs it.
  std::vector<double>& F = out.factor;
  bool valid = false;
  auto test = [&](double sigma) {
    if (progress) progress->update("lambda_min: shift search 53 bits", 0.2);
    shifted_cholesky_result res = shifted_cholesky_test(S, r, sigma, &F);
    ++out.choleskys;
    valid = res.success;
    if (res.success) {
      out.factor_shift = sigma;
      if (!out.best.success || res.t > out.best.t) out.best = res;
    }
    return res;
  };

  // 1. A factor of the (slightly raised) midpoint.
  const shifted_cholesky_result first = test(-c0);
  if (!first.success) {
    out.note = "the midpoint is not numerically positive definite (" + first.note + ")";
    out.factor.clear();
    return out;
  }

  std::vector<double> X = start_block(n, b), W;
  ritz rz;
  const double final_err = c0 / 64;
  int refactors = 0;
  double prev_error = inf;
  for (int step = 0; step < 60; ++step) {
    apply_inverse(F, n, X, b);
    ++out.iterations;
    if (!all_finite(X) || !rayleigh_ritz(S, X, b, W, rz)) {
      out.note = "block inverse iteration broke down";
      break;
    }
    out.estimate = rz.value;
    out.error = rz.error;
    if (rz.error <= final_err) break;
    // 3. Refactor just below theta once it is known to ~1e-2 (at most twice), unless the present
    // factor gets there sooner: an iteration costs ~6 n^2 b flops against n^3/3 for a Cholesky.
    const double rate = std::clamp(prev_error > 0 && std::isfinite(prev_error) ? rz.error / prev_error : 0.9,
                                   1e-3, 0.99);
    prev_error = rz.error;
    const double needed = std::log(final_err / rz.error) / std::log(rate);
    const double budget = static_cast<double>(n) / (18.0 * static_cast<double>(b));
    const double close = std::max(4 * rz.error, 8 * c0);
    if (refactors < 2 && step >= 1 && needed > budget && rz.error <= 1e-2 * std::fabs(rz.value) &&
        rz.value - close > out.factor_shift) {
      const double previous = out.factor_shift;
      ++refactors;
      if (!test(rz.value - close).success && !test(previous).success) {
        out.note = "refactoring at a proved shift failed";
        break;
      }
    }
  }
  out.vector.assign(X.begin(), X.begin() + static_cast<std::ptrdiff_t>(n));
  if (!std::isfinite(out.estimate)) {
    if (!valid) out.factor.clear();
    return out;
  }
  out.converged = out.error <= final_err;

  // 4. The final test just below the estimate.
  double margin = c0 / 16 + 2 * std::min(out.error, std::fabs(out.estimate)) +
                  4 * unit_roundoff * (maxdiag + std::fabs(out.estimate));
  for (int attempt = 0; attempt < 5; ++attempt) {
    const double sigma = out.estimate - margin;
    if (out.best.success && sigma - c0 <= out.best.t) break;  // cannot beat what is proved
    if (test(sigma).success) break;
    margin = margin * 8 + (attempt >= 2 ? std::fabs(out.estimate) * 0x1p-20 : 0.0);
  }
  // Every final attempt failed: restore the factor of the best test (the same factorisation again).
  if (!valid && !test(out.best.sigma).success) {
    out.factor.clear();
    return out;
  }
  // Polish the vector with the factor (shifted just below lambda_1, so each solve shrinks the
  // other components by (lambda_1 - s)/(lambda_k - s)): its residual, which a later consumer of the
  // vector as a hint takes as the error, drops from ~sqrt(err * gap) to rounding level.
  if (out.vector.size() == n) {
    std::vector<double> x = out.vector;
    for (int k = 0; k < 2; ++k) {
      apply_inverse(F, n, x, 1);
      double nrm = 0;
      for (double t : x) nrm += t * t;
      nrm = std::sqrt(nrm);
      if (!(nrm > 0) || !std::isfinite(nrm)) return out;
      for (double& t : x) t /= nrm;
    }
    const rayleigh_estimate before = rayleigh_float(S.mid.data(), n, out.vector);
    const rayleigh_estimate after = rayleigh_float(S.mid.data(), n, x);
    if (after.residual < before.residual && std::isfinite(after.rho)) {
      out.vector.swap(x);
      out.estimate = after.rho;
      out.error = std::min(out.error, after.residual);
    }
  }
  return out;
}

}  // namespace ntk
