#include "linalg/precise_factor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "interval/rounding.hpp"

namespace ntk::mp_detail {
namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

// hi = RN(m), lo = RN(m - hi); m - hi is exact at m's precision (|m - hi| <= ulp_53(m)/2).
dw to_dw(mpfr_srcptr m, mpfr_ptr scratch) {
  dw x;
  x.hi = mpfr_get_d(m, MPFR_RNDN);
  mpfr_sub_d(scratch, m, x.hi, MPFR_RNDN);
  x.lo = mpfr_get_d(scratch, MPFR_RNDN);
  return x;
}
}  // namespace

bool precise_factor::dw_fits(double sigma, double allowed) const {
  if (E_.prec > 160 || !std::isfinite(sigma) || !(allowed > 0 && allowed < inf)) return false;
  double tr = 0;
  for (std::size_t i = 0; i < E_.n; ++i) tr += std::max(0.0, E_.d.mid[i * E_.n + i] - sigma);
  const double c = static_cast<double>(E_.n + 1) * dw_unit_roundoff * tr;
  return c <= allowed;
}

void precise_factor::build_dw_midpoint() {
  if (mid_dw_.n == E_.n && !mid_dw_.a.empty()) return;
  const std::size_t n = E_.n;
  mid_dw_ = dw_packed(n);
  mp_scalar scratch(E_.prec);
  std::vector<double> rowsum(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i; ++j) {
      const dw x = to_dw(E_.M[packed(i, j)], scratch);
      mid_dw_(i, j) = x;
      if (j < i) {
        const double e = round_up(round_up(dw_rounding_relative * std::fabs(x.hi)) + 0x1p-1074);
        rowsum[i] = round_up(rowsum[i] + e);
        rowsum[j] = round_up(rowsum[j] + e);
      }
    }
  }
  double extra = 0;
  for (double s : rowsum) extra = std::max(extra, s);
  r_dw_ = round_up(r_ + extra);
}

mp_test_result precise_factor::test(mpfr_srcptr sigma, mpfr_ptr t, progress_sink& progress, bool use_dw) {
  const std::size_t n = E_.n;
  const mpfr_prec_t p = E_.prec;
  if (!use_dw) {
    if (work_.size() != n * (n + 1) / 2) work_ = mp_array(n * (n + 1) / 2, p);
    factor_dw_ = false;
    return shifted_test_mp(E_, r_, sigma, work_, t, progress);
  }
  mp_test_result res;
  progress.update("lambda_min: cholesky double-word", 0.5);
  build_dw_midpoint();
  if (!(r_dw_ >= 0 && r_dw_ < inf)) {
    res.note = "radius bound not finite";
    return res;
  }
  mp_scalar scratch(p), d(p), dmin(p);
  const dw s = to_dw(sigma, scratch);
  factor_dw_mat_ = mid_dw_;
  factor_dw_ = true;
  for (std::size_t i = 0; i < n; ++i) factor_dw_mat_(i, i) = dw_sub(mid_dw_(i, i), s);
  std::vector<dw> diag(n);
  for (std::size_t i = 0; i < n; ++i) diag[i] = factor_dw_mat_(i, i);
  if (!cholesky_dw(factor_dw_mat_, &res.note)) return res;
  double trace = 0;
  mpfr_set_inf(dmin, 1);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(diag[i].hi > 0)) {
      res.note = "nonpositive shifted diagonal";
      return res;
    }
    trace = round_up(trace + round_up(diag[i].hi + diag[i].lo));
    mpfr_sub_d(d, E_.M[packed(i, i)], diag[i].hi, MPFR_RNDD);
    mpfr_sub_d(d, d, diag[i].lo, MPFR_RNDD);
    mpfr_min(dmin, dmin, d, MPFR_RNDD);
  }
  const double c = dw_cholesky_constant(n, trace);
  if (!(c < inf)) {
    res.note = "matrix too large for the double-word constant";
    return res;
  }
  mpfr_sub_d(t, dmin, c, MPFR_RNDD);
  mpfr_sub_d(t, t, r_dw_, MPFR_RNDD);
  res.success = true;
  return res;
}

void precise_factor::solve(mp_array& x) {
  const std::size_t n = E_.n;
  if (!factor_dw_) {
    cholesky_solve_mp(work_, n, x);
    return;
  }
  mp_scalar scratch(x.precision());
  std::vector<dw> y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = to_dw(x[i], scratch);
  cholesky_solve_dw(factor_dw_mat_, y);
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_set_d(x[i], y[i].hi, MPFR_RNDN);
    mpfr_add_d(x[i], x[i], y[i].lo, MPFR_RNDN);
  }
}

}  // namespace ntk::mp_detail
