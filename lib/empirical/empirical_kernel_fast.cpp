// The binary64 tier of the empirical NTK by BLAS (empirical_kernel_fast in empirical_kernel.hpp):
// midpoints by dgemm/dsyrk, radii by a-priori bounds. The midpoint-radius products and Gram
// matrices are in midrad_rows.cpp; this file holds the first layer's near-exact products for rows
// of few-bit integers and the forward/backward passes.
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
#include "empirical/midrad_rows.hpp"
#include "linalg/float_error.hpp"

namespace ntk {

using empirical_detail::check_shapes;
using empirical_detail::exact_value;
using empirical_detail::gram_midrad;
using empirical_detail::midrad_of;
using empirical_detail::midrad_rows;
using empirical_detail::norm_up;
using empirical_detail::product;

namespace {

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
  empirical_detail::start_layer_terms(out, N, L, dinterval(0.0));
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
    empirical_detail::add_layer_term(
        out, k, q, net.has_biases, std::move(FG), BG,
        [&](std::size_t i, std::size_t t) { return F.m[i * q + t] == 0 && F.r[i * q + t] == 0; }, true);
  }
  return out;
}

}  // namespace ntk
