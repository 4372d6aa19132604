#include "linalg/spectral_norm.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "interval/interval.hpp"
#include "interval/rounding.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/float_error.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/midrad.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

bool all_finite(const std::vector<double>& W) {
  for (double x : W)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

double spectral_norm_upper_cheap(const std::vector<double>& W, std::size_t rows, std::size_t cols) {
  if (W.size() != rows * cols || !all_finite(W)) return inf;
  if (std::all_of(W.begin(), W.end(), [](double x) { return x == 0.0; })) return 0.0;
  std::vector<double> colsum(cols, 0.0);
  double ninf = 0, frob = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    double rs = 0;
    for (std::size_t j = 0; j < cols; ++j) {
      const double a = std::fabs(W[i * cols + j]);
      rs = round_up(rs + a);
      colsum[j] = round_up(colsum[j] + a);
      frob = round_up(frob + round_up(a * a));
    }
    ninf = std::max(ninf, rs);
  }
  double n1 = 0;
  for (double s : colsum) n1 = std::max(n1, s);
  const double geo = round_up(std::sqrt(round_up(n1 * ninf)));
  return std::min(geo, round_up(std::sqrt(frob)));
}

double spectral_norm_lower(const std::vector<double>& W, std::size_t rows, std::size_t cols,
                           const std::vector<double>& v) {
  if (W.size() != rows * cols || v.size() != cols || !all_finite(W) || !all_finite(v)) return 0.0;
  // y = W v: |fl(y_i) - y_i| <= gamma_cols (|W||v|)_i + cols eta, and (|W||v|)_i <= upper(a_i).
  const double g = gamma_up(cols);
  const double neta = underflow_term(cols);
  double num = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    double y = 0, a = 0;
    for (std::size_t j = 0; j < cols; ++j) {
      y += W[i * cols + j] * v[j];
      a += std::fabs(W[i * cols + j]) * std::fabs(v[j]);
    }
    const double err = round_up(round_up(g * nonneg_sum_upper(a, cols)) + neta);
    const double low = round_down(std::fabs(y) - err);  // |y_i| >= low
    if (low > 0) num = round_down(num + round_down(low * low));
  }
  double vv = 0;
  for (double t : v) vv += t * t;
  const double den = nonneg_sum_upper(vv, cols);
  if (!(num > 0) || !(den > 0) || !std::isfinite(den)) return 0.0;
  return std::max(0.0, round_down(std::sqrt(round_down(num / den))));
}

spectral_norm_bounds spectral_norm_enclose(const std::vector<double>& W, std::size_t rows,
                                           std::size_t cols) {
  spectral_norm_bounds out;
  if (rows == 0 || cols == 0) {
    out.upper = 0;
    return out;
  }
  if (W.size() != rows * cols || !all_finite(W)) {
    out.note = "matrix has non-finite entries or the wrong size";
    return out;
  }
  out.upper = spectral_norm_upper_cheap(W, rows, cols);
  // G = W'W (k = cols, inner m = rows) or WW' (k = rows, inner m = cols), whichever is smaller.
  const bool gram_of_columns = cols <= rows;
  const std::size_t k = gram_of_columns ? cols : rows, m = gram_of_columns ? rows : cols;
  const int K = static_cast<int>(k), M = static_cast<int>(m);
  std::vector<double> G(k * k, 0.0), Gabs(k * k, 0.0), absW(W.size());
  for (std::size_t t = 0; t < W.size(); ++t) absW[t] = std::fabs(W[t]);
  const CBLAS_TRANSPOSE tr = gram_of_columns ? CblasTrans : CblasNoTrans;
  const int ld = static_cast<int>(cols);
  cblas_dsyrk(CblasRowMajor, CblasLower, tr, K, M, 1.0, W.data(), ld, 0.0, G.data(), K);
  cblas_dsyrk(CblasRowMajor, CblasLower, tr, K, M, 1.0, absW.data(), ld, 0.0, Gabs.data(), K);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      G[j * k + i] = G[i * k + j];
      Gabs[j * k + i] = Gabs[i * k + j];
    }
  // |fl(G_ij) - G_ij| <= gamma_m (|W|'|W|)_ij + m eta.
  const double g = gamma_up(m), neta = underflow_term(m);
  std::vector<double> rad(k * k);
  for (std::size_t t = 0; t < k * k; ++t)
    rad[t] = round_up(round_up(g * nonneg_sum_upper(Gabs[t], m)) + neta);

  std::vector<double> u;
  const double lam = float_eig_largest(G, k, &u);
  if (!std::isfinite(lam) || u.size() != k) {
    out.note = "LAPACK estimate failed";
    return out;
  }
  out.estimate = std::sqrt(std::max(lam, 0.0));
  // Lower bound from the top singular vector.
  std::vector<double> v;
  if (gram_of_columns) {
    v = u;
  } else {
    v.assign(cols, 0.0);  // v = W'u, a right singular vector when u is a left one
    cblas_dgemv(CblasRowMajor, CblasTrans, static_cast<int>(rows), static_cast<int>(cols), 1.0,
                W.data(), ld, u.data(), 1, 0.0, v.data(), 1);
  }
  out.lower = spectral_norm_lower(W, rows, cols, v);
  out.right_vector = v;
  if (lam <= 0) {  // W is (numerically) zero: the cheap bound is as good as any
    out.note = "estimate is not positive";
    return out;
  }
  // Upper bound: prove alpha2 I - [G] positive definite with one Cholesky. The margin covers the
  // test's constant c ~ (k+1)u tr(alpha2 I - G), the Gram radius and the estimate's error.
  const double r = spectral_radius_upper(rad.data(), k, false);
  double trG = 0;
  for (std::size_t i = 0; i < k; ++i) trG += G[i * k + i];
  double margin = 4 * (static_cast<double>(k + 1) * unit_roundoff *
                           std::max(0.0, static_cast<double>(k) * lam - trG) + r) +
                  0x1p-40 * lam;
  dense_matrix<dinterval> A(k, k);
  for (int attempt = 0; attempt < 5; ++attempt, margin *= 16) {
    const double alpha2 = round_up(lam + margin);
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) {
        const dinterval gij(round_down(G[i * k + j] - rad[i * k + j]),
                            round_up(G[i * k + j] + rad[i * k + j]));
        A(i, j) = (i == j) ? dinterval(alpha2) - gij : -gij;
      }
    std::string why;
    if (prove_lambda_min_greater(A, mreal(0), &why)) {
      const double up = round_up(std::sqrt(alpha2));
      if (up <= out.upper) {
        out.upper = up;
        out.upper_from_cholesky = true;
      }
      out.note.clear();
      return out;
    }
    out.note = "Cholesky certificate failed: " + why;
  }
  return out;
}

}  // namespace ntk
