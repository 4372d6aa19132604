// The binary64 tier of the empirical NTK by BLAS (empirical_kernel_fast in empirical_kernel.hpp):
// midpoints by dgemm/dsyrk, radii by a-priori bounds.
#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "data/errors.hpp"
#include "empirical/empirical_kernel.hpp"
#include "empirical/exact_forward.hpp"
#include "empirical/kernel_detail.hpp"
#include "linalg/float_error.hpp"

namespace ntk {

using empirical_detail::check_shapes;
using empirical_detail::exact_value;

// ---------------------------------------------------------------------------------------------
// BLAS midpoint-radius version (binary64 tier).

namespace {

struct midrad_rows {
  std::size_t rows = 0, cols = 0;
  std::vector<double> m, r;  // row-major
  bool exact = false;        // r == 0 everywhere
};

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

float float_up(double x) {  // x >= 0; the smallest float >= x (inf beyond FLT_MAX)
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, HUGE_VALF);
  return f;
}

// Unit roundoff of binary32 and a flush-to-zero-safe underflow allowance per term.
constexpr double u32 = 0x1p-24;
constexpr double ftz32 = 0x1p-126;

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

// Rows of the form x̃_i = c_i·Y_i with Y an integer matrix of few bits (pixel data and the like:
// the stored doubles are 2^E times integers; centring gives N·X_i − Σ_j X_j; normalising only
// changes c_i). Then the first layer's products are computed almost exactly (product_integer_rows).
struct integer_rows {
  bool ok = false;
  std::vector<double> Y;      // N x d integers, |Y| < 2^bits
  std::vector<dinterval> c;   // c_i > 0
  int bits = 0;
};

int bit_length(double v) {  // smallest b with |v| < 2^b (v an integer)
  int e = 0;
  std::frexp(std::fabs(v), &e);
  return v == 0 ? 0 : e;
}

integer_rows find_integer_rows(const dataset& x, const preprocessing& prep) {
  integer_rows r;
  const std::size_t n = x.n, d = x.d;
  bool any = false;
  int lo = 0, hi = 0;
  for (double v : x.x) {
    if (v == 0) continue;
    if (!std::isfinite(v)) return r;
    int e;
    const double m = std::frexp(std::fabs(v), &e);
    const auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));
    const int lsb = e - 53 + std::countr_zero(mant);
    if (!any || lsb < lo) lo = lsb;
    if (!any || e > hi) hi = e;
    any = true;
  }
  if (!any || hi - lo > 30) return r;
  const double nn = static_cast<double>(n);
  r.Y.resize(n * d);
  for (std::size_t t = 0; t < n * d; ++t) r.Y[t] = std::ldexp(x.x[t], -lo);  // exact, |.| < 2^30
  if (prep.center) {
    if (hi - lo + bit_length(nn) + 1 > 50) return r;
    std::vector<double> sigma(d, 0.0);  // exact: integers below 2^50
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) sigma[k] += r.Y[i * d + k];
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) r.Y[i * d + k] = nn * r.Y[i * d + k] - sigma[k];  // exact
  }
  double maxy = 0;
  for (double v : r.Y) maxy = std::max(maxy, std::fabs(v));
  r.bits = bit_length(maxy);
  if (r.bits > 30) return r;
  r.c.resize(n);
  if (prep.normalize == normalization::none) {
    dinterval c = dinterval(x.scale_num) / dinterval(x.scale_den) * dinterval(std::ldexp(1.0, lo));
    if (prep.center) c = c / dinterval(nn);
    for (auto& v : r.c) v = c;
  } else {
    const dinterval st = sqrt(dinterval(prep.normalize == normalization::sphere ? static_cast<double>(d) : 1.0));
    // ‖Y_i‖² is an integer; below 2^53 every partial sum is exact in binary64.
    const bool exact_sum = 2 * r.bits + bit_length(static_cast<double>(d)) <= 53;
    for (std::size_t i = 0; i < n; ++i) {
      dinterval a(0.0);
      if (exact_sum) {
        double s = 0;
        for (std::size_t k = 0; k < d; ++k) s += r.Y[i * d + k] * r.Y[i * d + k];
        a = dinterval(s);
      } else {
        for (std::size_t k = 0; k < d; ++k) a = a + sqr(dinterval(r.Y[i * d + k]));
      }
      if (!(a.hi > 0)) return r;  // a zero row: rejected elsewhere
      r.c[i] = st / sqrt(a);
    }
  }
  r.ok = true;
  return r;
}

// G = diag(c)·Y·Wᵀ (W: p x q). W = W_hi + W_lo with W_hi on the grid 2^(e_max − β), β chosen so that
// every partial sum of Y·W_hiᵀ is an integer multiple of the grid below 2^53 (exact in any order);
// Y·W_loᵀ (|W_lo| <= half a grid step) carries the usual γ_q bound, by Cauchy–Schwarz.
// Returns false (and leaves Y untouched) when the integers are too wide for a useful β.
bool product_integer_rows(const integer_rows& ir, std::size_t N, std::size_t q, const double* W, std::size_t p,
                          midrad_rows& out) {
  int lq = 0;
  while ((std::size_t(1) << lq) < q) ++lq;
  const int beta = 53 - ir.bits - lq - 1;
  if (beta < 12) return false;
  double wmax = 0;
  for (std::size_t t = 0; t < p * q; ++t) wmax = std::max(wmax, std::fabs(W[t]));
  out.rows = N;
  out.cols = p;
  out.m.assign(N * p, 0.0);
  out.r.assign(N * p, 0.0);
  out.exact = false;
  if (wmax == 0) {
    out.exact = true;
    return true;
  }
  int emax;
  std::frexp(wmax, &emax);  // wmax < 2^emax
  const int g = emax - beta;
  std::vector<double> Whi(p * q), Wlo(p * q);
  // Scaling by 2^-g and back is exact (no overflow: |W 2^-g| < 2^beta; no underflow: the grid
  // values are integers times 2^g with |g| < 1000 checked here).
  if (g < -900 || g > 900) return false;
  const double up = std::ldexp(1.0, -g), down = std::ldexp(1.0, g);
  for (std::size_t t = 0; t < p * q; ++t) {
    Whi[t] = std::nearbyint(W[t] * up) * down;  // |Whi / 2^g| <= 2^beta
    Wlo[t] = W[t] - Whi[t];                     // exact
  }
  const int iN = static_cast<int>(N), ip = static_cast<int>(p), iq = static_cast<int>(q);
  std::vector<double> Phi(N * p), Plo(N * p);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, iN, ip, iq, 1.0, ir.Y.data(), iq, Whi.data(), iq, 0.0,
              Phi.data(), ip);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, iN, ip, iq, 1.0, ir.Y.data(), iq, Wlo.data(), iq, 0.0,
              Plo.data(), ip);
  const double gq = gamma_up(q);
  std::vector<double> yn(N), wn(p);
  std::vector<std::size_t> nz(p, 0);
  for (std::size_t i = 0; i < N; ++i) yn[i] = norm_up(ir.Y.data() + i * q, q, 1);
  for (std::size_t j = 0; j < p; ++j) {
    wn[j] = norm_up(Wlo.data() + j * q, q, 1);
    for (std::size_t k = 0; k < q; ++k) nz[j] += Wlo[j * q + k] != 0;
  }
  const long NN = static_cast<long>(N);
#pragma omp parallel for schedule(static)
  for (long ii = 0; ii < NN; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    for (std::size_t j = 0; j < p; ++j) {
      const std::size_t t = i * p + j;
      const double P = Phi[t] + Plo[t];
      double rP = round_up(unit_roundoff * std::fabs(P));
      if (yn[i] != 0 && nz[j] != 0)
        rP = round_up(rP + round_up(round_up(round_up(gq * yn[i]) * wn[j]) + underflow_term(nz[j])));
      const dinterval G = dinterval(round_down(P - rP), round_up(P + rP)) * ir.c[i];
      const double m = 0.5 * G.lo + 0.5 * G.hi;
      out.m[t] = m;
      out.r[t] = std::max(round_up(G.hi - m), round_up(m - G.lo));
    }
  }
  return true;
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

}  // namespace

empirical_parts<dinterval> empirical_kernel_fast(const network& net, const dataset& data, const preprocessing& prep,
                                                 progress_sink& progress) {
  check_shapes(net, data);
  const std::size_t N = data.n, L = net.depth();
  empirical_parts<dinterval> out;
  out.n = N;
  out.depth = L;
  out.method = "blas-midrad";
  empirical_detail::exact_forward ex(net, data, prep);

  std::vector<midrad_rows> feats(L);
  std::vector<std::vector<char>> masks(L);
  feats[0] = midrad_of(preprocessed_rows<dinterval>(data, prep), N, data.d);
  const integer_rows irows = L > 1 ? find_integer_rows(data, prep) : integer_rows{};
  for (std::size_t l = 1; l < L; ++l) {
    progress.update("empirical: layer " + std::to_string(l) + " forward", double(l) / (2.0 * L));
    const std::size_t nout = net.rows(l);
    midrad_rows G;
    if (!(l == 1 && irows.ok && product_integer_rows(irows, N, data.d, net.W(1).data(), nout, G)))
      G = product(feats[l - 1], net.W(l).data(), nout, true);
    const double* b = net.b(l);
    if (b) {
      for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < nout; ++j) {
          if (b[j] == 0) continue;
          const double s = G.m[i * nout + j] + b[j];
          // |fl(m + b) − (m + b)| <= u·|fl(m + b)| (round to nearest; sums are exact near underflow).
          G.r[i * nout + j] = round_up(G.r[i * nout + j] + round_up(unit_roundoff * std::fabs(s)));
          G.m[i * nout + j] = s;
        }
    }
    std::vector<char>& S = masks[l];
    S.assign(N * nout, 0);
    G.exact = true;
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < nout; ++j) {
        const std::size_t t = i * nout + j;
        const double m = G.m[t], r = G.r[t];
        if (!std::isfinite(m) || !std::isfinite(r)) {
          ++out.activations.undecided;
          G.m[t] = std::numeric_limits<double>::quiet_NaN();
          G.exact = false;
          continue;
        }
        if (m > r) {
          S[t] = 1;
        } else if (-m > r) {
          G.m[t] = 0;
          G.r[t] = 0;
        } else if (m == 0 && r == 0) {
          // Proven exactly zero by the enclosure itself.
          ++out.activations.exact_zeros;
        } else {
          ++out.activations.refined;
          const int sg = ex.sign(i, l, j);
          if (sg > 0) {
            S[t] = 1;
            const dinterval e = exact_value<dinterval>(ex, i, l, j);
            const double lo = std::max(e.lo, 0.0), hi = e.hi;
            const double mm = 0.5 * lo + 0.5 * hi;
            G.m[t] = mm;
            G.r[t] = std::max(round_up(hi - mm), round_up(mm - lo));
          } else {
            if (sg == 0) ++out.activations.exact_zeros;
            G.m[t] = 0;
            G.r[t] = 0;
          }
        }
        if (G.r[t] != 0) G.exact = false;
      }
    feats[l] = std::move(G);
  }
  out.activations.rows_refined = ex.rows_refined();

  // Backward.
  std::vector<midrad_rows> back(L + 1);
  back[L].rows = N;
  back[L].cols = 1;
  back[L].m.assign(N, 1.0);
  back[L].r.assign(N, 0.0);
  back[L].exact = true;
  for (std::size_t l = L - 1; l >= 1; --l) {
    progress.update("empirical: layer " + std::to_string(l) + " backward", 0.5);
    const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
    midrad_rows B;
    if (l == L - 1) {
      // B_L = 1: B_{L-1} = Σ ∘ (1 · W_L), exact.
      B.rows = N;
      B.cols = nl;
      B.m.resize(N * nl);
      B.r.assign(N * nl, 0.0);
      const double* w = net.W(L).data();
      for (std::size_t i = 0; i < N; ++i)
        for (std::size_t k = 0; k < nl; ++k) B.m[i * nl + k] = w[k];
    } else {
      B = product(back[l + 1], net.W(l + 1).data(), nl, false);
      (void)nup;
    }
    const std::vector<char>& S = masks[l];
    B.exact = true;
    for (std::size_t t = 0; t < N * nl; ++t) {
      if (!S[t]) {
        B.m[t] = 0;
        B.r[t] = 0;
      }
      if (B.r[t] != 0) B.exact = false;
    }
    back[l] = std::move(B);
    if (l == 1) break;
  }

  // Gram matrices and K̄.
  out.K = dense_matrix<dinterval>(N, N, dinterval(0.0));
  out.feature_gram.resize(L);
  out.backward_sq.resize(L);
  out.zero_feature_rows.resize(L);
  out.live_feature_columns.assign(L, 0);
  const long NN = static_cast<long>(N);
  for (std::size_t k = 0; k < L; ++k) {
    progress.update("empirical: gram " + std::to_string(k), 0.5 + 0.5 * double(k) / L);
    const midrad_rows& F = feats[k];
    dense_matrix<dinterval> FG = gram_midrad(F);
    dense_matrix<dinterval> BG;
    if (k + 1 == L) {
      BG = dense_matrix<dinterval>(N, N, dinterval(1.0));
    } else {
      BG = gram_midrad(back[k + 1]);
    }
    const std::size_t q = F.cols;
    out.zero_feature_rows[k].assign(N, 0);
    for (std::size_t i = 0; i < N; ++i) {
      bool z = true;
      for (std::size_t t = 0; t < q && z; ++t) z = F.m[i * q + t] == 0 && F.r[i * q + t] == 0;
      out.zero_feature_rows[k][i] = z;
    }
    std::vector<char> live(q, 0);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t t = 0; t < q; ++t)
        if (!(F.m[i * q + t] == 0 && F.r[i * q + t] == 0)) live[t] = 1;
    out.live_feature_columns[k] = static_cast<std::size_t>(std::count(live.begin(), live.end(), 1));
    out.backward_sq[k].resize(N);
    for (std::size_t i = 0; i < N; ++i) out.backward_sq[k][i] = BG(i, i);
#pragma omp parallel for schedule(static)
    for (long ii = 0; ii < NN; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      for (std::size_t j = 0; j < N; ++j) {
        const dinterval f = net.has_biases ? FG(i, j) + 1.0 : FG(i, j);
        const dinterval& bb = BG(i, j);
        const dinterval t = (bb.lo == 1.0 && bb.hi == 1.0) ? f : f * bb;
        out.K(i, j) = k == 0 ? t : out.K(i, j) + t;
      }
    }
    out.feature_gram[k] = std::move(FG);
  }
  return out;
}

}  // namespace ntk
