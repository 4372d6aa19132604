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
#include "kernel/pair_correlation.hpp"
#include "kernel/row_geometry.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

using kernel_detail::centred_rows;
using kernel_detail::correlation_from_exact;
using kernel_detail::correlation_from_gram;
using kernel_detail::meet;
using kernel_detail::scaled_square;
using kernel_detail::set_from_mpz;

int ceil_log2(std::size_t v) {
  int r = 0;
  while ((std::size_t(1) << r) < v) ++r;
  return r;
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

// The exact Gram matrix of exact integer rows (row_geometry.hpp: BLAS forms it exactly).
void fill_from_integer_rows(exact_mpz_gram& out, const exact_integer_rows& in, std::size_t d) {
  const std::size_t n = out.n;
  std::vector<double> gram(n * n, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(n), static_cast<int>(d), 1.0,
              in.z.data(), static_cast<int>(d), 0.0, gram.data(), static_cast<int>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) mpz_set_d(out.g[i * n + j], gram[i * n + j]);
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
          if (j == i && i % 256 == 0) progress.update("gram", 0.8 * done / total);  // a cancellation point
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
// Storage.

template <class I>
void set_norms(geometry<I>& g, const std::vector<I>& sq, const preprocessing& pre) {
  g.uniform_norm = kernel_detail::norms_from_squares(sq, pre, g.d, g.norm, g.sqnorm);
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
// Double tier: the row geometry (row_geometry.hpp) and one BLAS Gram product.

void fill_double(geometry<dinterval>& g, const dataset& ds, const preprocessing& pre, progress_sink& progress) {
  const row_geometry rg = row_geometry_compute(ds, pre);
  g.method = rg.method;
  g.norm = rg.norm;
  g.sqnorm = rg.sqnorm;
  g.uniform_norm = rg.uniform_norm;
  const std::size_t n = ds.n;
  std::vector<double> gram(n * n, 0.0);
  rg.gram_block(0, n, 0, n, gram.data(), n, true);
  progress.update("gram", 0.7);
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 8)
  for (long i = 0; i < nn; ++i)
    for (std::size_t j = i + 1; j < n; ++j) store_pair(g, i, j, rg.pair(i, j, gram[i * n + j]));
}

// ---------------------------------------------------------------------------------------------
// Precise tier, exact GMP route.

template <class I>  // minterval or ddinterval
void fill_exact_mpz(geometry<I>& g, const exact_mpz_gram& eg, const dataset& ds,
                    const preprocessing& pre, progress_sink& progress) {
  const std::size_t n = ds.n;
  std::vector<I> sq(n);
  for (std::size_t i = 0; i < n; ++i) {
    I a;
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
    I ab_i, c_i, det_i;
#pragma omp for schedule(dynamic, 4)
    for (long i = 0; i < nn; ++i) {
      if (progress.stop_requested()) continue;  // the caller discards the result (base/progress.hpp)
      for (std::size_t j = i + 1; j < n; ++j) {
        mpz_srcptr c = eg.g[i * n + j];
        mpz_mul(ab, eg.g[i * n + i], eg.g[j * n + j]);
        mpz_mul(det, c, c);
        mpz_sub(det, ab, det);
        set_from_mpz(ab_i, ab);
        set_from_mpz(c_i, c);
        set_from_mpz(det_i, det);
        store_pair(g, i, j, correlation_from_exact<I>(ab_i, c_i, det_i, mpz_sgn(c), mpz_sgn(det) == 0));
      }
    }
    mpz_clear(ab);
    mpz_clear(det);
  }
}

// ---------------------------------------------------------------------------------------------
// Precise tier fallback (no exact Gram): interval dot products of the centred rows at the working
// precision, and the refinement of nearly (anti)parallel pairs (pair_correlation.hpp).
template <class I>  // minterval or ddinterval
void fill_interval(geometry<I>& g, const dataset& ds, const preprocessing& pre, progress_sink& progress) {
  using tr = interval_traits<I>;
  const std::size_t n = ds.n, d = ds.d;
  const std::vector<I> y = centred_rows<I>(ds, pre);
  std::vector<I> a(n), sa(n);
  dense_matrix<I> c(n, n);
  const long nn = static_cast<long>(n);
#pragma omp parallel for schedule(dynamic, 2)
  for (long i = 0; i < nn; ++i)
    for (std::size_t j = i; j < n; ++j) {
      I s = tr::point(0.0);
      for (std::size_t k = 0; k < d; ++k) s += y[i * d + k] * y[j * d + k];
      c(i, j) = s;
    }
  progress.update("gram", 0.7);
  for (std::size_t i = 0; i < n; ++i) {
    I s = tr::point(0.0);
    for (std::size_t k = 0; k < d; ++k) s = s + sqr(y[i * d + k]);
    a[i] = meet(intersect(s, 0.0, HUGE_VAL), intersect(c(i, i), 0.0, HUGE_VAL));
    sa[i] = sqrt_nonneg(a[i]);
  }
  std::vector<I> sq(n);
  for (std::size_t i = 0; i < n; ++i) sq[i] = scaled_square(a[i], 0, false, ds);
  set_norms(g, sq, pre);
#pragma omp parallel for schedule(dynamic, 4)
  for (long i = 0; i < nn; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      store_pair(g, i, j,
                 correlation_from_gram(c(i, j), a[i], a[j], sa[i], sa[j], ds.row(i), ds.row(j), &y[i * d],
                                       &y[j * d], d));
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
  if constexpr (interval_traits<I>::is_double_tier) {
    fill_double(g, ds, pre, progress);
  } else {
    const integer_form f = find_integer_form(ds);
    const exact_integer_rows er = try_exact_integer_rows(ds, pre, f);
    exact_mpz_gram mg(ds.n);
    bool exact = false;
    if (er.ok) {
      fill_from_integer_rows(mg, er, ds.d);
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
      fill_interval(g, ds, pre, progress);
    }
  }
  progress.update("gram", 1.0);
  return g;
}

template geometry<dinterval> geometry_compute<dinterval>(const dataset&, const preprocessing&, progress_sink&);
template geometry<minterval> geometry_compute<minterval>(const dataset&, const preprocessing&, progress_sink&);
template geometry<ddinterval> geometry_compute<ddinterval>(const dataset&, const preprocessing&, progress_sink&);

}  // namespace ntk
