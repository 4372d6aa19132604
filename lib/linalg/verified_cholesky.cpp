#include "linalg/verified_cholesky.hpp"

#include <cblas.h>

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "interval/rounding.hpp"
#include "linalg/float_error.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr std::size_t cholesky_block = 64;

}  // namespace

bool binary64_environment_ok() {
  if (std::fegetround() != FE_TONEAREST) return false;
#if defined(__x86_64__) || defined(__i386__)
  const unsigned csr = _mm_getcsr();
  if (csr & 0x8040u) return false;         // FTZ (bit 15) or DAZ (bit 6)
  if ((csr >> 13) & 3u) return false;       // SSE rounding control not "nearest"
#endif
  return true;
}

double rump_constant_binary64(std::size_t n, double trace, double maxdiag) {
  if (!(trace >= 0 && trace < inf && maxdiag >= 0 && maxdiag < inf)) return inf;
  const double nu = static_cast<double>(n + 1) * unit_roundoff;  // exact
  if (!(3.0 * static_cast<double>(n + 2) * unit_roundoff < 1.0)) return inf;
  const double g = round_up(nu / round_down(1.0 - 2.0 * nu));  // 2 nu exact; 1 - 2 nu exact too
  const double c1 = round_up(g * trace);
  const double inner = round_up(2.0 * static_cast<double>(n + 2) + maxdiag);
  const double four_eta_n1 = static_cast<double>(n + 1) * 0x1p-1072;  // exact (n < 2^50)
  const double c2 = round_up(four_eta_n1 * inner);
  return round_up(c1 + c2);
}

void require_binary64_environment() {
  if (!binary64_environment_ok())
    throw std::runtime_error(
        "the floating-point environment is not binary64 round-to-nearest with gradual underflow "
        "(flush-to-zero, denormals-are-zero or a directed rounding mode is set): no bound can be certified");
}

namespace {

// s - sum_{k < m} x_k y_k with four partial sums (an evaluation order the theorem allows).
inline double minus_dot(double s, const double* __restrict x, const double* __restrict y, std::size_t m) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t k = 0;
  for (; k + 4 <= m; k += 4) {
    s0 += x[k] * y[k];
    s1 += x[k + 1] * y[k + 1];
    s2 += x[k + 2] * y[k + 2];
    s3 += x[k + 3] * y[k + 3];
  }
  for (; k < m; ++k) s0 += x[k] * y[k];
  return s - ((s0 + s1) + (s2 + s3));
}

}  // namespace

bool cholesky_rn(double* a, std::size_t n) {
  // Two levels: outer panels of cholesky_block columns (trailing update by dsyrk), inner blocks of
  // `inner` columns factored row by row (each row's entries stay in L1; rows below the diagonal
  // block are independent and shared among threads), then the rest of the panel updated by
  // dsyrk/dgemm. Every entry is a_ij - (its products, in some order), then one true division.
  constexpr std::size_t outer = 4 * cholesky_block, inner = cholesky_block / 2;
  const int N = static_cast<int>(n);
  for (std::size_t k0 = 0; k0 < n; k0 += outer) {
    const std::size_t k1 = std::min(n, k0 + outer);
    for (std::size_t j0 = k0; j0 < k1; j0 += inner) {
      const std::size_t j1 = std::min(k1, j0 + inner);
      for (std::size_t i = j0; i < j1; ++i) {  // the diagonal block
        double* ri = a + i * n;
        for (std::size_t j = j0; j < i; ++j) {
          const double* rj = a + j * n;
          ri[j] = minus_dot(ri[j], ri + j0, rj + j0, j - j0) / rj[j];
        }
        const double d = minus_dot(ri[i], ri + j0, ri + j0, i - j0);
        if (!(d > 0.0 && d < inf)) return false;
        ri[i] = std::sqrt(d);
      }
      const long lo = static_cast<long>(j1), hi = static_cast<long>(n);
// (serial: an OpenMP team here competes with the BLAS threads)
      for (long ii = lo; ii < hi; ++ii) {  // the rows below it
        double* ri = a + static_cast<std::size_t>(ii) * n;
        for (std::size_t j = j0; j < j1; ++j) {
          const double* rj = a + j * n;
          ri[j] = minus_dot(ri[j], ri + j0, rj + j0, j - j0) / rj[j];
        }
      }
      if (j1 < k1) {  // the rest of the panel: A(j1:, j1:k1) -= L(j1:, j0:j1) L(j1:k1, j0:j1)'
        const int m = static_cast<int>(k1 - j1), kb = static_cast<int>(j1 - j0);
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, m, kb, -1.0, a + j1 * n + j0, N, 1.0,
                    a + j1 * n + j1, N);
        if (k1 < n)
          cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n - k1), m, kb, -1.0,
                      a + k1 * n + j0, N, a + j1 * n + j0, N, 1.0, a + k1 * n + j1, N);
      }
    }
    if (k1 < n) {
      // Trailing update A22 -= L21 L21' (lower triangle): only reorders the sums of the recursion.
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, static_cast<int>(n - k1),
                  static_cast<int>(k1 - k0), -1.0, a + k1 * n + k0, N, 1.0, a + k1 * n + k1, N);
    }
  }
  return true;
}

shifted_cholesky_result shifted_cholesky_test(const symmetric_midrad& S, double r, double sigma,
                                              std::vector<double>* factor) {
  shifted_cholesky_result res;
  res.sigma = sigma;
  const std::size_t n = S.n;
  if (!binary64_environment_ok()) {
    res.note = "floating-point environment is not round-to-nearest with gradual underflow";
    return res;
  }
  if (!S.finite) {
    res.note = "matrix has non-finite entries";
    return res;
  }
  if (!(r >= 0 && r < inf) || !std::isfinite(sigma)) {
    res.note = "radius bound or shift not finite";
    return res;
  }
  std::vector<double> local;
  std::vector<double>& a = factor ? *factor : local;
  a = S.mid;
  std::vector<double> diag(n);
  for (std::size_t i = 0; i < n; ++i) a[i * n + i] = diag[i] = S.mid[i * n + i] - sigma;
  if (!cholesky_rn(a.data(), n)) {
    res.note = "Cholesky of mid - sigma I broke down (a pivot <= 0 or not finite)";
    return res;
  }
  double trace = 0, maxd = 0, dmin = inf;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(diag[i] > 0)) {  // implied by success; checked because the proof needs it
      res.note = "nonpositive shifted diagonal";
      return res;
    }
    trace = round_up(trace + diag[i]);
    maxd = std::max(maxd, diag[i]);
    dmin = std::min(dmin, round_down(S.mid[i * n + i] - diag[i]));
  }
  res.c = rump_constant_binary64(n, trace, maxd);
  if (!(res.c < inf)) {
    res.note = "matrix too large for the binary64 constant";
    return res;
  }
  res.t = round_down(round_down(dmin - res.c) - r);
  res.success = true;
  return res;
}

}  // namespace ntk
