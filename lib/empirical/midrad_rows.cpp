// Midpoint-radius rows and their BLAS products and Gram matrices (midrad_rows.hpp), moved out of
// empirical_kernel_fast.cpp.
#include "empirical/midrad_rows.hpp"

#include <cblas.h>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "linalg/float_error.hpp"

namespace ntk::empirical_detail {

namespace {

float float_up(double x) {  // x >= 0; the smallest float >= x (inf beyond FLT_MAX)
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, HUGE_VALF);
  return f;
}

// Unit roundoff of binary32 and a flush-to-zero-safe underflow allowance per term.
constexpr double u32 = 0x1p-24;
constexpr double ftz32 = 0x1p-126;

}  // namespace

midrad_rows midrad_of(const std::vector<dinterval>& v, std::size_t rows, std::size_t cols) {
  midrad_rows x;
  x.rows = rows;
  x.cols = cols;
  x.m.resize(v.size());
  x.r.resize(v.size());
  x.exact = true;
  for (std::size_t t = 0; t < v.size(); ++t) {
    const double lo = v[t].lo, hi = v[t].hi;
    if (lo == hi) {
      x.m[t] = lo;
      x.r[t] = 0;
      continue;
    }
    const double m = 0.5 * lo + 0.5 * hi;
    x.m[t] = m;
    x.r[t] = std::max(round_up(hi - m), round_up(m - lo));
    x.exact = false;
  }
  return x;
}

// Upper bound of the Euclidean norm of the n values v[0], v[stride], ...
double norm_up(const double* v, std::size_t n, std::size_t stride) {
  double s = 0;
  for (std::size_t k = 0; k < n; ++k) s += v[k * stride] * v[k * stride];
  return round_up(std::sqrt(nonneg_sum_upper(s, n)));
}

// Y = X · op(W), op(W) = Wᵀ (W: p x q, trans) or W (W: q x p). Midpoint by dgemm, radius bound as
// documented in the header.
midrad_rows product(const midrad_rows& X, const double* W, std::size_t p, bool trans) {
  const std::size_t N = X.rows, q = X.cols;
  midrad_rows Y;
  Y.rows = N;
  Y.cols = p;
  Y.m.assign(N * p, 0.0);
  Y.r.assign(N * p, 0.0);
  const int iN = static_cast<int>(N), ip = static_cast<int>(p), iq = static_cast<int>(q);
  // op(W)[k][j]: trans ? W[j*q + k] : W[k*p + j]
  const int ldw = trans ? iq : ip;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, iN, ip, iq, 1.0, X.m.data(), iq, W, ldw,
              0.0, Y.m.data(), ip);
  const double g = gamma_up(q);
  // Nonzero count and norm of column j of op(W).
  std::vector<double> wn(p);
  std::vector<std::size_t> nz(p, 0);
  for (std::size_t j = 0; j < p; ++j) {
    wn[j] = trans ? norm_up(W + j * q, q, 1) : norm_up(W + j, q, p);
    for (std::size_t k = 0; k < q; ++k) nz[j] += (trans ? W[j * q + k] : W[k * p + j]) != 0;
  }
  // Cauchy–Schwarz: rad_ij = (γ_q‖Xm_i‖ + ‖Xr_i‖)‖W_j‖ + nz_j η. Used when the input radius is
  // negligible against the rounding term (‖Xr_i‖ <= γ_q‖Xm_i‖/64 for every row): then no second
  // product is needed, at the price of Cauchy–Schwarz in the rounding term (a small constant for
  // ReLU features). Otherwise the propagated radius needs the entrywise product below.
  std::vector<double> xn(N), xr(N, 0.0);
  bool small_radius = true;
  for (std::size_t i = 0; i < N; ++i) {
    xn[i] = norm_up(X.m.data() + i * q, q, 1);
    if (!X.exact) {
      xr[i] = norm_up(X.r.data() + i * q, q, 1);
      small_radius = small_radius && xr[i] <= g * xn[i] / 64;
    }
  }
  if (X.exact || small_radius) {
    const long NN = static_cast<long>(N);
#pragma omp parallel for schedule(static)
    for (long ii = 0; ii < NN; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      const double a = round_up(round_up(g * xn[i]) + xr[i]);
      for (std::size_t j = 0; j < p; ++j) {
        if (a == 0 || nz[j] == 0) continue;  // a zero row or column: every product is exactly 0
        Y.r[i * p + j] = round_up(round_up(a * wn[j]) + underflow_term(nz[j]));
      }
    }
    return Y;
  }
  // Z = γ|Xm| + Xr (upward), then Z|op(W)| bounded.
  std::vector<double> Z(N * q);
  for (std::size_t t = 0; t < N * q; ++t) Z[t] = round_up(round_up(g * std::fabs(X.m[t])) + X.r[t]);
  std::vector<char> zrow(N, 1);
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t k = 0; k < q && zrow[i]; ++k) zrow[i] = Z[i * q + k] == 0;
  bool ok = true;
  std::vector<float> Zf(N * q), Wf(p * q);
  for (std::size_t t = 0; t < N * q && ok; ++t) {
    Zf[t] = float_up(Z[t]);
    ok = std::isfinite(Zf[t]);
  }
  for (std::size_t t = 0; t < p * q && ok; ++t) {
    Wf[t] = float_up(std::fabs(W[t]));
    ok = std::isfinite(Wf[t]);
  }
  std::vector<float> Rf;
  if (ok) {
    Rf.assign(N * p, 0.0f);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, iN, ip, iq, 1.0f, Zf.data(), iq,
                Wf.data(), ldw, 0.0f, Rf.data(), ip);
    for (std::size_t t = 0; t < N * p && ok; ++t) ok = std::isfinite(Rf[t]);
  }
  const double qd = static_cast<double>(q);
  if (ok) {
    // Nonnegative float32 sum of q products, any order: true <= (s + q·2^-126)/(1 − γ32_q).
    const double g32 = round_up(qd * u32 / round_down(1.0 - qd * u32));
    const double den = round_down(1.0 - g32);
    const double tiny = round_up(qd * ftz32);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < p; ++j) {
        if (zrow[i] || nz[j] == 0) continue;
        const double s = round_up(static_cast<double>(Rf[i * p + j]) + tiny);
        Y.r[i * p + j] = round_up(round_up(s / den) + underflow_term(nz[j]));
      }
  } else {
    // Out of the binary32 range: the same bound with a binary64 product.
    std::vector<double> Wa(p * q), R(N * p);
    for (std::size_t t = 0; t < p * q; ++t) Wa[t] = std::fabs(W[t]);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, iN, ip, iq, 1.0, Z.data(), iq,
                Wa.data(), ldw, 0.0, R.data(), ip);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < p; ++j) {
        if (zrow[i] || nz[j] == 0) continue;
        Y.r[i * p + j] = round_up(nonneg_sum_upper(R[i * p + j], q) + underflow_term(nz[j]));
      }
  }
  return Y;
}

// Gram matrix M Mᵀ of M ∈ [Mm ± Mr] as a dinterval matrix (both triangles).
dense_matrix<dinterval> gram_midrad(const midrad_rows& M) {
  const std::size_t N = M.rows, q = M.cols;
  std::vector<double> G(N * N, 0.0);
  const int iN = static_cast<int>(N), iq = static_cast<int>(q);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, iN, iq, 1.0, M.m.data(), iq, 0.0, G.data(), iN);
  std::vector<double> a(N), c(N);
  std::vector<std::size_t> nz(N, 0);
  for (std::size_t i = 0; i < N; ++i) {
    a[i] = norm_up(M.m.data() + i * q, q, 1);
    c[i] = M.exact ? 0.0 : norm_up(M.r.data() + i * q, q, 1);
    for (std::size_t k = 0; k < q; ++k) nz[i] += M.m[i * q + k] != 0;
  }
  const double g = gamma_up(q);
  dense_matrix<dinterval> out(N, N);
  const long NN = static_cast<long>(N);
#pragma omp parallel for schedule(static)
  for (long ii = 0; ii < NN; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    for (std::size_t j = i; j < N; ++j) {
      const double m = G[i * N + j];
      double r = 0;
      if ((a[i] != 0 || c[i] != 0) && (a[j] != 0 || c[j] != 0)) {
        r = round_up(round_up(g * a[i]) * a[j]);
        r = round_up(r + round_up(a[i] * c[j]));
        r = round_up(r + round_up(c[i] * a[j]));
        r = round_up(r + round_up(c[i] * c[j]));
        r = round_up(r + underflow_term(std::min(nz[i], nz[j])));
      }
      dinterval e{round_down(m - r), round_up(m + r)};
      if (r == 0) e = dinterval(m);
      if (i == j) e.lo = std::max(e.lo, 0.0);
      out(i, j) = e;
      out(j, i) = e;
    }
  }
  return out;
}

}  // namespace ntk::empirical_detail
