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

bool cholesky_rn(double* a, std::size_t n) {
  std::vector<double> col(cholesky_block);
  for (std::size_t k0 = 0; k0 < n; k0 += cholesky_block) {
    const std::size_t k1 = std::min(n, k0 + cholesky_block);
    // Panel = columns k0..k1-1, rows k0..n-1, already reduced by the earlier blocks. Right-looking
    // recursion inside the panel: every entry gets a_ij - sum_k l_ik l_jk, then one true division.
    for (std::size_t j = k0; j < k1; ++j) {
      const double d = a[j * n + j];
      if (!(d > 0.0 && d < inf)) return false;
      const double ljj = std::sqrt(d);
      a[j * n + j] = ljj;
      for (std::size_t i = j + 1; i < n; ++i) a[i * n + j] /= ljj;
      const std::size_t m = k1 - (j + 1);
      if (m == 0) continue;
      for (std::size_t q = 0; q < m; ++q) col[q] = a[(j + 1 + q) * n + j];
      for (std::size_t i = j + 1; i < n; ++i) {
        double* __restrict ri = a + i * n;
        const double lij = ri[j];
        const std::size_t qmax = std::min(m, i - j);
        double* __restrict dst = ri + j + 1;
        const double* __restrict src = col.data();
        for (std::size_t q = 0; q < qmax; ++q) dst[q] -= lij * src[q];
      }
    }
    if (k1 < n) {
      // Trailing update A22 -= L21 L21' (lower triangle): only reorders the sums of the recursion.
      cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, static_cast<int>(n - k1),
                  static_cast<int>(k1 - k0), -1.0, a + k1 * n + k0, static_cast<int>(n), 1.0,
                  a + k1 * n + k1, static_cast<int>(n));
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
