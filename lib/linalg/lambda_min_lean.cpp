#include "linalg/lambda_min_lean.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "interval/rounding.hpp"

namespace ntk {
namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}  // namespace

double lean_offdiag_radius_bound(const lean_midrad& A) {
  double r = 0;
  for (double s : A.rad_rowsum) {
    if (!(s >= 0 && s < inf)) return inf;
    r = std::max(r, s);
  }
  return r;
}

double rayleigh_upper_lean(const lean_midrad& A, const std::vector<double>& v) {
  if (!A.S.finite || !A.S.rad.empty() || A.diag_rad.size() != A.S.n) return inf;
  // v'Xv/v'v = v'mid v/v'v + v'Dv/v'v + v'Ev/v'v with D diagonal in [0, diag_rad] and |E| <= R:
  // v'Dv <= max_i diag_rad_i v'v and v'Ev <= |v|'R|v| <= rho(R) v'v (R symmetric, nonnegative).
  const double mid_part = rayleigh_upper(A.S, v);  // S.rad empty: the midpoint alone
  double maxdr = 0;
  for (double t : A.diag_rad) {
    if (!(t >= 0 && t < inf)) return inf;
    maxdr = std::max(maxdr, t);
  }
  const double r = lean_offdiag_radius_bound(A);
  if (!(mid_part < inf) || !(r < inf)) return inf;
  return round_up(mid_part + round_up(r + maxdr));
}

lambda_min_bounds lambda_min_enclose_lean(const lean_midrad& A, bool known_psd, const lambda_min_hint* hint,
                                          progress_sink& progress, bool dense_fallback) {
  const double r = A.S.finite ? lean_offdiag_radius_bound(A) : inf;
  return lambda_min_enclose_midrad(
      A.S, r, [&A](const std::vector<double>& v) { return rayleigh_upper_lean(A, v); }, known_psd, hint, progress,
      dense_fallback);
}

}  // namespace ntk
