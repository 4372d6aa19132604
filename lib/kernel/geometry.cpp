#include "kernel/geometry.hpp"

#include <cblas.h>
#include <gmp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "data/checks.hpp"
#include "data/errors.hpp"
#include "kernel/detail/interval_ops.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

using kernel_detail::meet;
using kernel_detail::set_from_mpz;
using kernel_detail::times_pow2;

// Pairs whose Gram-based δ (ε) has an upper bound below this are recomputed from ‖y_i ∓ y_j‖².
constexpr double refine_below = 0x1p-6;

int ceil_log2(std::size_t v) {
  int r = 0;
  while ((std::size_t(1) << r) < v) ++r;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Exact integer form: every stored value is 2^E times an integer of fewer than W bits.

struct integer_form {
  bool any_nonzero = false;
  int E = 0;  // exponent of the least significant bit over all nonzero values
  int W = 0;  // |x| < 2^(E + W) for every value
};

integer_form find_integer_form(const dataset& ds) {
  integer_form f;
  int lo = 0, hi = 0;
  for (double v : ds.x) {
    if (v == 0) continue;
    int e;
    const double m = std::frexp(std::fabs(v), &e);  // |v| = m 2^e, m in [1/2, 1)
    const auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));
    const int lsb = e - 53 + std::countr_zero(mant);
    if (!f.any_nonzero || lsb < lo) lo = lsb;
    if (!f.any_nonzero || e > hi) hi = e;
    f.any_nonzero = true;
  }
  f.E = lo;
  f.W = hi - lo;
  return f;
}

// The exact (unscaled) centred Gram matrix as a double matrix of integers, when it fits:
// true Gram of the centred rows y_i (before the scale s) = 2^two_e * gram(i,j) / (over_n2 ? N^2 : 1).
struct exact_double_gram {
  bool ok = false;
  std::vector<double> gram;  // n x n, upper triangle (i <= j) valid, exact integers < 2^53
  long two_e = 0;
  bool over_n2 = false;
};

exact_double_gram try_exact_double_gram(const dataset& ds, const preprocessing& pre, const integer_form& f) {
  exact_double_gram r;
  const std::size_t n = ds.n, d = ds.d;
  if (!f.any_nonzero || f.W > 53) return r;
  const int grow = pre.center ? ceil_log2(n) + 1 : 0;
  if (f.W + grow > 53) return r;
  std::vector<double> z(n * d);
  for (std::size_t t = 0; t < n * d; ++t) z[t] = std::ldexp(ds.x[t], -f.E);  // exact integers
  if (pre.center) {
    // Column sums are integers below n 2^W <= 2^53: exact in any order; so is n·M - σ.
    std::vector<double> sigma(d, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) sigma[k] += z[i * d + k];
    const double nn = static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) z[i * d + k] = nn * z[i * d + k] - sigma[k];
  }
  // Every partial sum of a Gram entry is bounded by max_i Σ_k z_ik² (Cauchy–Schwarz); if that is
  // below 2^53 all products and sums are exact integers, whatever order BLAS uses.
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t k = 0; k < d; ++k) s += z[i * d + k] * z[i * d + k];
    if (!(s <= 0x1p52)) return r;  // s is within a factor (1 + γ) of the true sum: < 2^53 holds
  }
  r.gram.assign(n * n, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(n), static_cast<int>(d), 1.0,
              z.data(), static_cast<int>(d), 0.0, r.gram.data(), static_cast<int>(n));
  r.ok = true;
  r.two_e = 2L * f.E;
  r.over_n2 = pre.center;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Correlations from exact integers a = ‖y_i‖², b = ‖y_j‖², c = <y_i, y_j> (common units):
// ρ = c/√(ab); for c > 0, δ = (ab - c²)/(√(ab)(√(ab) + c)); for c < 0, ε = (ab - c²)/(√(ab)(√(ab) - c)).
// Inputs as enclosures: ab ∋ a·b, cc ∋ c, det ∋ ab - c², plus the exact sign of c and whether
// ab - c² is exactly zero.
template <class I>
correlation<I> correlation_from_exact(const I& ab, const I& cc, const I& det, int sign_c, bool det_zero) {
  using tr = interval_traits<I>;
  if (sign_c == 0) return {tr::point(0.0), tr::point(1.0), tr::point(1.0)};
  if (det_zero)
    return sign_c > 0 ? correlation<I>{tr::point(1.0), tr::point(0.0), tr::point(2.0)}
                      : correlation<I>{tr::point(-1.0), tr::point(2.0), tr::point(0.0)};
  const I sab = sqrt_nonneg(ab);
  const I det_nn = intersect(det, 0.0, HUGE_VAL);
  correlation<I> r;
  r.rho = cc / sab;
  if (sign_c > 0) {
    r.delta = det_nn / (sab * (sab + cc));
    r.eps = 1.0 + r.rho;
  } else {
    r.eps = det_nn / (sab * (sab - cc));
    r.delta = 1.0 - r.rho;
  }
  make_consistent(r);
  return r;
}

// Contains the integer v (|v| < 2^127).
dinterval dinterval_of_i128(__int128 v) {
  const double t = static_cast<double>(v);  // correctly rounded
  if (static_cast<__int128>(t) == v && std::fabs(t) < 0x1p126) return dinterval(t);
  return {round_down(t), round_up(t)};
}

correlation<dinterval> correlation_exact_i64(std::int64_t a, std::int64_t b, std::int64_t c) {
  const __int128 ab = static_cast<__int128>(a) * b;
  const __int128 det = ab - static_cast<__int128>(c) * c;
  return correlation_from_exact<dinterval>(dinterval_of_i128(ab), dinterval(static_cast<double>(c)),
                                           dinterval_of_i128(det), (c > 0) - (c < 0), det == 0);
}

// ---------------------------------------------------------------------------------------------
// GMP helpers for the precise tier.

class mpz_array {
 public:
  explicit mpz_array(std::size_t n) : v_(n) {
    for (auto& z : v_) mpz_init(&z);
  }
  ~mpz_array() {
    for (auto& z : v_) mpz_clear(&z);
  }
  mpz_array(const mpz_array&) = delete;
  mpz_array& operator=(const mpz_array&) = delete;
  mpz_ptr operator[](std::size_t i) { return &v_[i]; }
  mpz_srcptr operator[](std::size_t i) const { return &v_[i]; }

 private:
  std::vector<__mpz_struct> v_;
};

// Exact centred Gram matrix in GMP integers: true Gram of y = 2^two_e * g(i,j) / (over_n2 ? N² : 1).
struct exact_mpz_gram {
  std::size_t n = 0;
  mpz_array g;  // n x n, upper triangle valid
  long two_e = 0;
  bool over_n2 = false;
  explicit exact_mpz_gram(std::size_t n_) : n(n_), g(n_ * n_) {}
};

void fill_from_double_gram(exact_mpz_gram& out, const exact_double_gram& in) {
  const std::size_t n = out.n;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) mpz_set_d(out.g[i * n + j], in.gram[i * n + j]);
  out.two_e = in.two_e;
  out.over_n2 = in.over_n2;
}

// The exact Gram matrix of the integer rows M = 2^-E x, split into slices of beta bits whose
// products BLAS forms exactly, then centred exactly: N²C = N²MMᵀ - N(u 1ᵀ + 1 uᵀ) + σᵀσ with
// σ = column sums of M and u = Mσ. Returns false if the exponent range is too wide to be worth it.
bool try_sliced_gram(exact_mpz_gram& out, const dataset& ds, const preprocessing& pre,
                     const integer_form& f, progress_sink& progress) {
  const std::size_t n = ds.n, d = ds.d;
  if (!f.any_nonzero || f.W > 1000) return false;
  const int beta = std::max(1, (53 - ceil_log2(std::max<std::size_t>(d, 1))) / 2);
  const int slices = (f.W + beta - 1) / beta;
  if (slices > 40) return false;
  // d (2^beta - 1)² < 2^53: every partial sum of a slice product is an exact integer.
  std::vector<std::vector<double>> A(slices, std::vector<double>(n * d));
  const double base = std::ldexp(1.0, beta);
  for (std::size_t t = 0; t < n * d; ++t) {
    const double m = std::ldexp(ds.x[t], -f.E);  // exact integer, |m| < 2^W
    const double am = std::fabs(m);
    for (int s = 0; s < slices; ++s) {
      const double part = std::fmod(std::floor(std::ldexp(am, -s * beta)), base);  // exact
      A[s][t] = m < 0 ? -part : part;
    }
  }
  std::vector<double> P(n * n);
  mpz_t tmp;
  mpz_init(tmp);
  int done = 0;
  const int total = slices * (slices + 1) / 2;
  for (int s = 0; s < slices; ++s) {
    for (int t = s; t < slices; ++t) {
      const int N = static_cast<int>(n), D = static_cast<int>(d);
      if (s == t)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, N, D, 1.0, A[s].data(), D, 0.0, P.data(), N);
      else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, N, D, 1.0, A[s].data(), D, A[t].data(), D,
                    0.0, P.data(), N);
      const unsigned long shift = static_cast<unsigned long>((s + t) * beta);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i; j < n; ++j) {
          double v = P[i * n + j];
          if (s != t) {
            mpz_set_d(tmp, P[j * n + i]);
            mpz_mul_2exp(tmp, tmp, shift);
            mpz_add(out.g[i * n + j], out.g[i * n + j], tmp);
          }
          mpz_set_d(tmp, v);
          mpz_mul_2exp(tmp, tmp, shift);
          mpz_add(out.g[i * n + j], out.g[i * n + j], tmp);
        }
      progress.update("gram", 0.8 * (++done) / total);
    }
  }
  if (pre.center) {
    mpz_array sigma(d), u(n);
    mpz_t ss, nn;
    mpz_init(ss);
    mpz_init_set_ui(nn, static_cast<unsigned long>(n));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) {
        mpz_set_d(tmp, std::ldexp(ds.x[i * d + k], -f.E));
        mpz_add(sigma[k], sigma[k], tmp);
      }
    for (std::size_t k = 0; k < d; ++k) mpz_addmul(ss, sigma[k], sigma[k]);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) {
        mpz_set_d(tmp, std::ldexp(ds.x[i * d + k], -f.E));
        mpz_addmul(u[i], tmp, sigma[k]);
      }
    mpz_t n2;
    mpz_init(n2);
    mpz_mul(n2, nn, nn);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i; j < n; ++j) {
        mpz_ptr g = out.g[i * n + j];
        mpz_mul(g, g, n2);
        mpz_add(tmp, u[i], u[j]);
        mpz_submul(g, tmp, nn);
        mpz_add(g, g, ss);
      }
    mpz_clear(n2);
    mpz_clear(ss);
    mpz_clear(nn);
  }
  mpz_clear(tmp);
  out.two_e = 2L * f.E;
  out.over_n2 = pre.center;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Norms.

// Contains s² · 2^two_e · a / (over_n2 ? N² : 1) for every a in a_units.
template <class I>
I scaled_square(const I& a_units, long two_e, bool over_n2, const dataset& ds) {
  I r = times_pow2(a_units, two_e);
  if (over_n2) {
    const double nn = static_cast<double>(ds.n);
    r = r / nn / nn;
  }
  const I s = interval_traits<I>::point(ds.scale_num) / interval_traits<I>::point(ds.scale_den);
  return r * sqr(s);
}

template <class I>
void set_norms(geometry<I>& g, const std::vector<I>& sq, const preprocessing& pre) {
  using tr = interval_traits<I>;
  const std::size_t n = g.n;
  g.norm.assign(n, tr::point(0.0));
  g.sqnorm.assign(n, tr::point(0.0));
  if (pre.normalize == normalization::none) {
    for (std::size_t i = 0; i < n; ++i) {
      g.sqnorm[i] = intersect(sq[i], 0.0, HUGE_VAL);
      g.norm[i] = sqrt_nonneg(g.sqnorm[i]);
    }
    g.uniform_norm = false;
    return;
  }
  const double target = pre.normalize == normalization::sphere ? static_cast<double>(g.d) : 1.0;
  for (std::size_t i = 0; i < n; ++i) {
    g.sqnorm[i] = tr::point(target);
    g.norm[i] = sqrt_nonneg(tr::point(target));
  }
  g.uniform_norm = true;
}

template <class I>
void init_matrices(geometry<I>& g) {
  const std::size_t n = g.n;
  using tr = interval_traits<I>;
  g.rho = dense_matrix<I>(n, n, tr::point(1.0));
  g.delta = dense_matrix<I>(n, n, tr::point(0.0));
  g.eps = dense_matrix<I>(n, n, tr::point(2.0));
}

template <class I>
void store_pair(geometry<I>& g, std::size_t i, std::size_t j, const correlation<I>& c) {
  g.rho(i, j) = c.rho;
  g.delta(i, j) = c.delta;
  g.eps(i, j) = c.eps;
  g.rho(j, i) = c.rho;
  g.delta(j, i) = c.delta;
  g.eps(j, i) = c.eps;
}

// ---------------------------------------------------------------------------------------------
// Double tier, exact integer route.

void fill_exact_double(geometry<dinterval>& g, const exact_double_gram& eg, const dataset& ds,
                       const preprocessing& pre, progress_sink& progress) {
  const std::size_t n = ds.n;
  std::vector<dinterval> sq(n);
  for (std::size_t i = 0; i < n; ++i) sq[i] = scaled_square(dinterval(eg.gram[i * n + i]), eg.two_e, eg.over_n2, ds);
  set_norms(g, sq, pre);
  progress.update("gram", 0.9);
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 8)
  for (long i = 0; i < nn; ++i) {
    const auto a = static_cast<std::int64_t>(eg.gram[i * n + i]);
    for (std::size_t j = i + 1; j < n; ++j) {
      const auto b = static_cast<std::int64_t>(eg.gram[j * n + j]);
      const auto c = static_cast<std::int64_t>(eg.gram[i * n + j]);
      store_pair(g, i, j, correlation_exact_i64(a, b, c));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Precise tier, exact GMP route.

void fill_exact_mpz(geometry<minterval>& g, const exact_mpz_gram& eg, const dataset& ds,
                    const preprocessing& pre, progress_sink& progress) {
  const std::size_t n = ds.n;
  std::vector<minterval> sq(n);
  for (std::size_t i = 0; i < n; ++i) {
    minterval a;
    set_from_mpz(a, eg.g[i * n + i]);
    sq[i] = scaled_square(a, eg.two_e, eg.over_n2, ds);
  }
  set_norms(g, sq, pre);
  progress.update("gram", 0.9);
  const long nn = static_cast<long>(n);
#pragma omp parallel
  {
    mpz_t ab, det;
    mpz_init(ab);
    mpz_init(det);
    minterval ab_i, c_i, det_i;
#pragma omp for schedule(dynamic, 4)
    for (long i = 0; i < nn; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        mpz_srcptr c = eg.g[i * n + j];
        mpz_mul(ab, eg.g[i * n + i], eg.g[j * n + j]);
        mpz_mul(det, c, c);
        mpz_sub(det, ab, det);
        set_from_mpz(ab_i, ab);
        set_from_mpz(c_i, c);
        set_from_mpz(det_i, det);
        store_pair(g, i, j, correlation_from_exact<minterval>(ab_i, c_i, det_i, mpz_sgn(c), mpz_sgn(det) == 0));
      }
    }
    mpz_clear(ab);
    mpz_clear(det);
  }
}

// ---------------------------------------------------------------------------------------------
// General route (no exact Gram): enclosures of the centred rows y, a Gram enclosure, and the
// refinement of nearly (anti)parallel pairs.

// Enclosures of the centred rows (unscaled): y_ik ∋ x_ik - mean_k.
template <class I>
std::vector<I> centred_rows(const dataset& ds, const preprocessing& pre) {
  const std::size_t n = ds.n, d = ds.d;
  std::vector<I> y(n * d);
  using tr = interval_traits<I>;
  if (!pre.center) {
    for (std::size_t t = 0; t < n * d; ++t) y[t] = tr::point(ds.x[t]);
    return y;
  }
  std::vector<I> mean(d, tr::point(0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) mean[k] = mean[k] + tr::point(ds.x[i * d + k]);
  for (std::size_t k = 0; k < d; ++k) mean[k] = mean[k] / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) y[i * d + k] = tr::point(ds.x[i * d + k]) - mean[k];
  return y;
}

// Refines δ (nearly parallel, c > 0) or ε (nearly antiparallel, c < 0) of the pair through
//   ab - c² = a‖r‖² - <r, y_i>²,   r = y_j - t y_i,   for any real t,
// with t ≈ c/a, so that r is the part of y_j orthogonal to y_i and <r, y_i> ≈ 0: no cancellation
// in the difference. r is formed without the mean where possible: for t > 0,
// r = (x_j - x_i) + (1 - t) y_i (the mean cancels exactly in x_j - x_i); for t < 0,
// r = (y_j + y_i) - (1 + t) y_i. Then δ = (ab - c²)/(√(ab)(√(ab) + c)), ε = (ab - c²)/(√(ab)(√(ab) - c)).
// The error of ab - c² is then O(u √δ ab) rather than O(u ab), so θ ≈ √(2δ) is accurate to O(u)
// whatever the lengths of the two rows.
template <class I>
void refine_pair(correlation<I>& r, const double* xi, const double* xj, const I* yi, const I* yj,
                 std::size_t d, const I& a, const I& b, const I& c) {
  using tr = interval_traits<I>;
  const double am = 0.5 * (lower_d(a) + upper_d(a)), cm = 0.5 * (lower_d(c) + upper_d(c));
  const bool parallel = lower_d(c) > 0;
  if (!parallel && !(upper_d(c) < 0)) return;
  if (!(am > 0) || !std::isfinite(cm / am)) return;
  const double t = cm / am;  // any value is valid; this one makes <r, y_i> small
  const I f = parallel ? tr::point(1.0) - tr::point(t) : tr::point(-1.0) - tr::point(t);
  I R = tr::point(0.0), P = tr::point(0.0);
  for (std::size_t k = 0; k < d; ++k) {
    const I base = parallel ? tr::point(xj[k]) - tr::point(xi[k]) : yj[k] + yi[k];
    const I rk = base + f * yi[k];
    R = R + sqr(rk);
    P = P + rk * yi[k];
  }
  const I det = intersect(a * R - sqr(P), 0.0, HUGE_VAL);
  const I sab = sqrt_nonneg(a * b);
  if (parallel)
    r.delta = kernel_detail::meet(r.delta, det / (sab * (sab + c)));
  else
    r.eps = kernel_detail::meet(r.eps, det / (sab * (sab - c)));
  make_consistent(r);
}

// Gram enclosure, double tier: BLAS on the midpoints of y plus an a-priori bound.
//   |fl(ỹ_iᵀỹ_j) - ỹ_iᵀỹ_j| <= γ_{d+8} ‖ỹ_i‖‖ỹ_j‖ + 2d·2^-1074   (any order, FMA or not)
//   |ỹ_iᵀỹ_j - y_iᵀy_j| <= ‖ỹ_i‖‖r_j‖ + ‖r_i‖‖ỹ_j‖ + ‖r_i‖‖r_j‖   (r = componentwise radius)
void gram_enclosure(dense_matrix<dinterval>& c, const std::vector<dinterval>& y, std::size_t n, std::size_t d) {
  std::vector<double> mid(n * d), nrm(n), rnrm(n);
  std::vector<double> rad(n * d);
  for (std::size_t t = 0; t < n * d; ++t) {
    mid[t] = 0.5 * y[t].lo + 0.5 * y[t].hi;
    rad[t] = round_up(std::max(round_up(y[t].hi - mid[t]), round_up(mid[t] - y[t].lo)));
  }
  // γ_{d+8}: d - 1 additions per entry plus a few for blocked accumulation into C, with margin.
  const double gam = round_up(round_up((static_cast<double>(d) + 8) * unit_roundoff) /
                              round_down(1.0 - (static_cast<double>(d) + 8) * unit_roundoff));
  const double grow = round_up(1.0 + round_up(2.0 * gam));
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0, q = 0;
    for (std::size_t k = 0; k < d; ++k) {
      s += mid[i * d + k] * mid[i * d + k];
      q += rad[i * d + k] * rad[i * d + k];
    }
    // Sums of nonnegative terms: true value <= fl/(1 - γ_d) <= fl·(1 + 2γ_{d+8}) (plus underflow).
    nrm[i] = round_up(std::sqrt(round_up(round_up(s * grow) + d * 0x1p-1074)));
    rnrm[i] = round_up(std::sqrt(round_up(round_up(q * grow) + d * 0x1p-1074)));
  }
  std::vector<double> G(n * n, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(n), static_cast<int>(d), 1.0,
              mid.data(), static_cast<int>(d), 0.0, G.data(), static_cast<int>(n));
  const double under = round_up(2.0 * static_cast<double>(d) * 0x1p-1074);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) {
      const double ni = nrm[i], nj = nrm[j], qi = rnrm[i], qj = rnrm[j];
      double e = round_up(gam * round_up(ni * nj));
      e = round_up(e + round_up(ni * qj));
      e = round_up(e + round_up(qi * nj));
      e = round_up(e + round_up(qi * qj));
      e = round_up(e + under);
      const double g = G[i * n + j];
      const double lo = round_down(g - e), hi = round_up(g + e);
      // Out of the double range (inf - inf): no finite bound, but never a NaN "enclosure".
      c(i, j) = lo <= hi ? dinterval(lo, hi) : dinterval(-HUGE_VAL, HUGE_VAL);
    }
}

// Gram enclosure, precise tier fallback: interval dot products at the working precision.
void gram_enclosure(dense_matrix<minterval>& c, const std::vector<minterval>& y, std::size_t n, std::size_t d) {
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 2)
  for (long i = 0; i < nn; ++i)
    for (std::size_t j = i; j < n; ++j) {
      minterval s = 0;
      for (std::size_t k = 0; k < d; ++k) s += y[i * d + k] * y[j * d + k];
      c(i, j) = s;
    }
}

// An exponent e such that the rows 2^-e·x have their largest magnitude near 1, when |e| > 100 and
// 2^-e·v is exact for every value v (no overflow, no loss of bits to underflow); 0 otherwise.
// Correlations do not change under this rescaling and norms scale by 2^e exactly, so rows near
// 1e±200 keep finite Gram products instead of inf - inf (which would be NaN, not an enclosure).
int rescale_exponent(const dataset& ds) {
  double m = 0;
  for (double v : ds.x) m = std::max(m, std::fabs(v));
  if (!(m > 0) || !std::isfinite(m)) return 0;
  const int e = std::ilogb(m);
  if (e > -100 && e < 100) return 0;
  for (double v : ds.x)
    if (std::ldexp(std::ldexp(v, -e), e) != v) return 0;
  return e;
}

// True when every component of r is a valid interval (no NaN endpoint, lower <= upper).
template <class I>
bool correlation_valid(const correlation<I>& r) {
  return lower_d(r.rho) <= upper_d(r.rho) && lower_d(r.delta) <= upper_d(r.delta) &&
         lower_d(r.eps) <= upper_d(r.eps);
}

template <class I>
void fill_general(geometry<I>& g, const dataset& ds_in, const preprocessing& pre, progress_sink& progress) {
  using tr = interval_traits<I>;
  const int e2 = rescale_exponent(ds_in);
  dataset rescaled;
  if (e2 != 0) {
    rescaled = ds_in;
    for (double& v : rescaled.x) v = std::ldexp(v, -e2);  // exact (rescale_exponent checked it)
  }
  const dataset& ds = e2 != 0 ? rescaled : ds_in;
  const std::size_t n = ds.n, d = ds.d;
  const std::vector<I> y = centred_rows<I>(ds, pre);
  std::vector<I> a(n, tr::point(0.0)), sa(n);
  for (std::size_t i = 0; i < n; ++i) {
    I s = tr::point(0.0);
    for (std::size_t k = 0; k < d; ++k) s = s + sqr(y[i * d + k]);
    a[i] = intersect(s, 0.0, HUGE_VAL);
  }
  dense_matrix<I> c(n, n);
  gram_enclosure(c, y, n, d);
  progress.update("gram", 0.7);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = meet(a[i], intersect(c(i, i), 0.0, HUGE_VAL));
    sa[i] = sqrt_nonneg(a[i]);
  }
  std::vector<I> sq(n);
  for (std::size_t i = 0; i < n; ++i) sq[i] = scaled_square(a[i], 2L * e2, false, ds);
  set_norms(g, sq, pre);
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 4)
  for (long i = 0; i < nn; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      correlation<I> r;
      r.rho = c(i, j) / (sa[i] * sa[j]);
      r.delta = 1.0 - r.rho;
      r.eps = 1.0 + r.rho;
      make_consistent(r);
      const bool rd = upper_d(r.delta) < refine_below, re = upper_d(r.eps) < refine_below;
      if (rd || re) refine_pair(r, ds.row(i), ds.row(j), &y[i * d], &y[j * d], d, a[i], a[j], c(i, j));
      if (!correlation_valid(r)) {
        // Only when the Gram enclosure left the double range: fall back to what is always true.
        r.rho = hull(tr::point(-1.0), tr::point(1.0));
        r.delta = r.eps = hull(tr::point(0.0), tr::point(2.0));
      }
      store_pair(g, i, j, r);
    }
}

}  // namespace

template <class I>
geometry<I> geometry_compute(const dataset& ds, const preprocessing& pre, progress_sink& progress) {
  // The double tier's outward widening assumes round-to-nearest with gradual underflow.
  if constexpr (interval_traits<I>::is_double_tier) require_binary64_environment();
  geometry<I> g;
  g.n = ds.n;
  g.d = ds.d;
  if (ds.x.size() != ds.n * ds.d) throw data_error(ds.source + ": internal size mismatch in the data");
  for (std::size_t t = 0; t < ds.x.size(); ++t)
    if (!std::isfinite(ds.x[t]))
      throw data_error(ds.source + ": row " + std::to_string(ds.first_row + t / ds.d + 1) + ", column " +
                       std::to_string(t % ds.d + 1) + ": value is not finite");
  if (ds.n == 0) return g;
  dataset_check_rows(ds, pre);  // zero rows after the preprocessing: data_error
  progress.update("gram", 0.0);
  init_matrices(g);
  const integer_form f = find_integer_form(ds);
  const exact_double_gram eg = try_exact_double_gram(ds, pre, f);
  if constexpr (interval_traits<I>::is_double_tier) {
    if (eg.ok) {
      g.method = "exact-integer";
      fill_exact_double(g, eg, ds, pre, progress);
    } else {
      g.method = "bounded";
      fill_general(g, ds, pre, progress);
    }
  } else {
    exact_mpz_gram mg(ds.n);
    bool exact = false;
    if (eg.ok) {
      fill_from_double_gram(mg, eg);
      g.method = "exact-integer";
      exact = true;
    } else if (try_sliced_gram(mg, ds, pre, f, progress)) {
      g.method = "exact-sliced";
      exact = true;
    }
    if (exact) {
      fill_exact_mpz(g, mg, ds, pre, progress);
    } else {
      g.method = "interval";
      fill_general(g, ds, pre, progress);
    }
  }
  progress.update("gram", 1.0);
  return g;
}

template geometry<dinterval> geometry_compute<dinterval>(const dataset&, const preprocessing&, progress_sink&);
template geometry<minterval> geometry_compute<minterval>(const dataset&, const preprocessing&, progress_sink&);

}  // namespace ntk
