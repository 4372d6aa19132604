#include "kernel/row_geometry.hpp"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "data/checks.hpp"
#include "data/errors.hpp"
#include "kernel/pair_correlation.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

int ceil_log2(std::size_t v) {
  int r = 0;
  while ((std::size_t(1) << r) < v) ++r;
  return r;
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

}  // namespace

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

exact_integer_rows try_exact_integer_rows(const dataset& ds, const preprocessing& pre, const integer_form& f) {
  exact_integer_rows r;
  const std::size_t n = ds.n, d = ds.d;
  if (!f.any_nonzero || f.W > 53 || d >= (std::size_t(1) << 30)) return r;
  const int grow = pre.center ? ceil_log2(n) + 1 : 0;
  if (f.W + grow > 53) return r;
  r.z.resize(n * d);
  for (std::size_t t = 0; t < n * d; ++t) r.z[t] = std::ldexp(ds.x[t], -f.E);  // exact integers
  if (pre.center) {
    // Column sums are integers below n 2^W <= 2^53: exact in any order; so is n·M - σ.
    std::vector<double> sigma(d, 0.0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) sigma[k] += r.z[i * d + k];
    const double nn = static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) r.z[i * d + k] = nn * r.z[i * d + k] - sigma[k];
  }
  // Every partial sum of a Gram entry <z_i, z_j> is bounded by ‖z_i‖‖z_j‖ <= max_i ‖z_i‖²
  // (Cauchy–Schwarz); if that is <= 2^53, all products and partial sums are exact integers, whatever
  // order BLAS uses. The computed s is >= (1 - γ_d) times the true sum (nonnegative terms), and
  // γ_d < 2^-14 for d < 2^30, so s <= 2^53 - 2^40 = 2^53 (1 - 2^-13) implies true sum <= 2^53, and
  // then s itself is exact.
  r.sq.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t k = 0; k < d; ++k) s += r.z[i * d + k] * r.z[i * d + k];
    if (!(s <= 0x1.fffp52)) {
      r.z.clear();
      r.sq.clear();
      return r;
    }
    r.sq[i] = static_cast<std::int64_t>(s);
  }
  r.ok = true;
  r.two_e = 2L * f.E;
  r.over_n2 = pre.center;
  return r;
}

row_geometry row_geometry_compute(const dataset& ds, const preprocessing& pre) {
  using tr = interval_traits<dinterval>;
  using namespace kernel_detail;
  require_binary64_environment();  // the outward widening assumes round-to-nearest
  row_geometry g;
  g.n = ds.n;
  g.d = ds.d;
  g.src_ = &ds;
  if (ds.x.size() != ds.n * ds.d) throw data_error(ds.source + ": internal size mismatch in the data");
  for (std::size_t t = 0; t < ds.x.size(); ++t)
    if (!std::isfinite(ds.x[t]))
      throw data_error(ds.source + ": row " + std::to_string(ds.first_row + t / ds.d + 1) + ", column " +
                       std::to_string(t % ds.d + 1) + ": value is not finite");
  if (ds.n == 0) return g;
  dataset_check_rows(ds, pre);  // zero rows after the preprocessing: data_error
  const std::size_t n = ds.n, d = ds.d;
  std::vector<dinterval> sq(n);
  g.ex_ = try_exact_integer_rows(ds, pre, find_integer_form(ds));
  if (g.ex_.ok) {
    g.method = "exact-integer";
    for (std::size_t i = 0; i < n; ++i)  // sq[i] <= 2^53 (try_exact_integer_rows): exact as a double
      sq[i] = scaled_square(dinterval(static_cast<double>(g.ex_.sq[i])), g.ex_.two_e, g.ex_.over_n2, ds);
    g.uniform_norm = norms_from_squares(sq, pre, d, g.norm, g.sqnorm);
    return g;
  }
  g.method = "bounded";
  const int e2 = rescale_exponent(ds);
  if (e2 != 0) {
    g.rescaled_ = ds;
    for (double& v : g.rescaled_.x) v = std::ldexp(v, -e2);  // exact (rescale_exponent checked it)
    g.is_rescaled_ = true;
  }
  const dataset& rows = g.rows();
  g.y_ = centred_rows<dinterval>(rows, pre);
  g.a_.resize(n);
  g.sa_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    dinterval s = tr::point(0.0);
    for (std::size_t k = 0; k < d; ++k) s = s + sqr(g.y_[i * d + k]);
    g.a_[i] = intersect(s, 0.0, HUGE_VAL);
    g.sa_[i] = sqrt_nonneg(g.a_[i]);
    sq[i] = scaled_square(g.a_[i], 2L * e2, false, rows);
  }
  g.uniform_norm = norms_from_squares(sq, pre, d, g.norm, g.sqnorm);
  // Midpoints and the norm bounds of the a-priori Gram error (see the header).
  g.ymid_.resize(n * d);
  g.nrm_.resize(n);
  g.rnrm_.resize(n);
  std::vector<double> rad(d);
  // γ_{d+8}: d - 1 additions per entry plus a few for blocked accumulation into C, with margin.
  g.gam_ = round_up(round_up((static_cast<double>(d) + 8) * unit_roundoff) /
                    round_down(1.0 - (static_cast<double>(d) + 8) * unit_roundoff));
  const double grow = round_up(1.0 + round_up(2.0 * g.gam_));
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0, q = 0;
    for (std::size_t k = 0; k < d; ++k) {
      const dinterval& v = g.y_[i * d + k];
      const double m = 0.5 * v.lo + 0.5 * v.hi;
      g.ymid_[i * d + k] = m;
      rad[k] = round_up(std::max(round_up(v.hi - m), round_up(m - v.lo)));
      s += m * m;
      q += rad[k] * rad[k];
    }
    // Sums of nonnegative terms: true value <= fl/(1 - γ_d) <= fl·(1 + 2γ_{d+8}) (plus underflow).
    g.nrm_[i] = round_up(std::sqrt(round_up(round_up(s * grow) + d * 0x1p-1074)));
    g.rnrm_[i] = round_up(std::sqrt(round_up(round_up(q * grow) + d * 0x1p-1074)));
  }
  g.under_ = round_up(2.0 * static_cast<double>(d) * 0x1p-1074);
  return g;
}

void row_geometry::gram_block(std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1, double* out,
                              std::size_t ld, bool upper_only) const {
  if (i1 <= i0 || j1 <= j0) return;
  const double* z = ex_.ok ? ex_.z.data() : ymid_.data();
  const int D = static_cast<int>(d), LD = static_cast<int>(ld);
  if (upper_only && i0 == j0 && i1 == j1)
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(i1 - i0), D, 1.0, z + i0 * d, D, 0.0,
                out, LD);
  else
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(i1 - i0), static_cast<int>(j1 - j0), D,
                1.0, z + i0 * d, D, z + j0 * d, D, 0.0, out, LD);
}

correlation<dinterval> row_geometry::pair(std::size_t i, std::size_t j, double gv) const {
  using namespace kernel_detail;
  if (ex_.ok) return correlation_exact_i64(ex_.sq[i], ex_.sq[j], static_cast<std::int64_t>(gv));
  const double ni = nrm_[i], nj = nrm_[j], qi = rnrm_[i], qj = rnrm_[j];
  double e = round_up(gam_ * round_up(ni * nj));
  e = round_up(e + round_up(ni * qj));
  e = round_up(e + round_up(qi * nj));
  e = round_up(e + round_up(qi * qj));
  e = round_up(e + under_);
  const double lo = round_down(gv - e), hi = round_up(gv + e);
  // Out of the double range (inf - inf): no finite bound, but never a NaN "enclosure".
  const dinterval c = lo <= hi ? dinterval(lo, hi) : dinterval(-HUGE_VAL, HUGE_VAL);
  const dataset& x = rows();
  return correlation_from_gram(c, a_[i], a_[j], sa_[i], sa_[j], x.row(i), x.row(j), &y_[i * d], &y_[j * d], d);
}

}  // namespace ntk
