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

double symmetric_abs_norm_bound(const double* a, std::size_t lda, std::size_t m) {
  if (m == 0) return 0;
  // One pass over the lower triangle: squares of the strict lower part and of the diagonal, and
  // the absolute row sums of the full symmetric matrix (row i: a_ij, j <= i, and a_ki, k > i).
  // (One thread: the pass is memory-bound; a second thread did not help on the 2-core machine.)
  std::vector<double> rs(m, 0.0);
  double off = 0, dia = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const double* __restrict r = a + i * lda;
    double* __restrict s = rs.data();
    double q = 0, ti = 0;
#pragma omp simd reduction(+ : q, ti)
    for (std::size_t j = 0; j < i; ++j) {
      const double v = std::fabs(r[j]);
      q += v * v;
      ti += v;
      s[j] += v;
    }
    off += q;
    const double d = std::fabs(r[i]);
    dia += d * d;
    s[i] += ti + d;
  }
  // Every sum above is a round-to-nearest sum of nonnegative terms in some order (float_error.hpp).
  double rmax = 0;
  for (double t : rs) rmax = std::max(rmax, t);  // nonneg_sum_upper is nondecreasing in s
  if (!(rmax < inf) || !(off < inf) || !(dia < inf)) return inf;
  const double R = nonneg_sum_upper(rmax, m);  // rs[i] has m terms
  const double pairs = static_cast<double>(m) * static_cast<double>(m - 1) / 2;
  const double F2 = round_up(nonneg_sum_upper(dia, m) +
                             2.0 * nonneg_sum_upper(off, static_cast<std::size_t>(pairs)));
  const double F = next_up(std::sqrt(F2));  // sqrt is correctly rounded
  const double nu = std::min(F, R);
  return nu < inf ? nu : inf;
}

double blocked_cholesky_constant(std::size_t n, std::size_t block, double frob2_L, double sum_nu,
                                 double maxdiag, double unit, double eta) {
  if (block == 0 || !(frob2_L >= 0 && frob2_L < inf && sum_nu >= 0 && sum_nu < inf && maxdiag >= 0 &&
                      maxdiag < inf))
    return inf;
  if (!(unit > 0 && unit <= 0x1p-50 && eta > 0 && eta <= 0x1p-1070)) return inf;
  if (n > (std::size_t(1) << 40)) return inf;  // the underflow argument needs (M+1)(nb+2)unit < 1e-3
  if (!(round_up(3.0 * round_up(static_cast<double>(n + 2) * unit)) < 1.0)) return inf;
  const double ku = round_up(static_cast<double>(block + 2) * unit);  // >= (nb+2) unit
  if (!(ku < 0.5)) return inf;
  const double g = round_up(ku / round_down(1.0 - ku));  // >= gamma_{nb+2}
  const double c1 = round_up(g * round_up(frob2_L + sum_nu));
  const double inner = round_up(2.0 * static_cast<double>(n + 2) + maxdiag);
  const double c2 = round_up(round_up(static_cast<double>(n + 1) * round_up(4.0 * eta)) * inner);
  return round_up(c1 + c2);
}

bool cholesky_rn(double* a, std::size_t n, cholesky_stats* stats, std::size_t block) {
  // Two levels: outer steps of `block` columns (trailing update by dsyrk), inner blocks of
  // `inner` columns factored row by row (each row's entries stay in L1), then the rest of the
  // outer panel updated by dsyrk/dgemm. Every entry is a_ij - (its products, in some order), then
  // one true division.
  const std::size_t outer = std::max<std::size_t>(1, block);
  const std::size_t inner = std::min(outer, cholesky_block / 2);
  const int N = static_cast<int>(n);
  if (stats) {
    stats->block = std::min(outer, n);
    stats->steps = 0;
    stats->sum_nu = stats->frob2_L = 0;
    stats->nu.clear();
  }
  for (std::size_t k0 = 0; k0 < n; k0 += outer) {
    const std::size_t k1 = std::min(n, k0 + outer);
    if (stats) {  // nu_m for the trailing matrix at the start of this step
      if (stats->at_step) stats->at_step(k0, a);
      const double nu = symmetric_abs_norm_bound(a + k0 * n + k0, n, n - k0);
      stats->nu.push_back(nu);
      stats->sum_nu = round_up(stats->sum_nu + nu);
      ++stats->steps;
    }
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
    if (stats) {  // the columns k0..k1 of L are final: their share of ||L||_F^2
      double sq = 0;
      std::size_t count = 0;
      for (std::size_t i = k0; i < n; ++i) {
        const double* ri = a + i * n;
        const std::size_t je = std::min(k1, i + 1);
        for (std::size_t j = k0; j < je; ++j) sq += ri[j] * ri[j];
        count += je - k0;
      }
      stats->frob2_L = round_up(stats->frob2_L + nonneg_sum_upper(sq, count));
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
                                              std::vector<double>* factor, std::size_t block) {
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
  cholesky_stats stats;
  if (!cholesky_rn(a.data(), n, &stats, block)) {
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
  res.c_plain = rump_constant_binary64(n, trace, maxd);
  res.c_blocked = blocked_cholesky_constant(n, stats.block, stats.frob2_L, stats.sum_nu, maxd);
  res.blocked_used = res.c_blocked < res.c_plain;
  res.c = std::min(res.c_plain, res.c_blocked);
  if (!(res.c < inf)) {
    res.note = "matrix too large for the binary64 constant";
    return res;
  }
  res.t = round_down(round_down(dmin - res.c) - r);
  res.success = true;
  return res;
}

}  // namespace ntk
