#include "distributed/bounds.hpp"

#include <cmath>
#include <limits>

#include "interval/rounding.hpp"
#include "linalg/float_error.hpp"

namespace ntk::distributed {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}

double cholesky_constant_reciprocal(std::size_t n, double trace, double maxdiag) {
  if (!(trace >= 0 && trace < inf && maxdiag >= 0 && maxdiag < inf)) return inf;
  const double nu = round_up(static_cast<double>(n + 1) * reciprocal_unit_roundoff);  // >= (n+1)u'
  if (!(round_up(3.0 * nu) < 1.0)) return inf;
  const double g = round_up(nu / round_down(1.0 - nu));
  const double c1 = round_up(g * trace);
  const double inner = round_up(2.0 * static_cast<double>(n + 1) + maxdiag);
  const double four_eta2_n = round_up(static_cast<double>(n) * 0x1p-1071);  // 4 · (2η) · n
  const double c2 = round_up(four_eta2_n * inner);
  return round_up(c1 + c2);
}

double rayleigh_upper_from_products(const std::vector<double>& v, const std::vector<double>& w,
                                    const std::vector<double>& b, double radius_rho) {
  const std::size_t n = v.size();
  if (n == 0 || w.size() != n || b.size() != n || !(radius_rho >= 0) || !(radius_rho < inf)) return inf;
  double vmax = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i]) || !std::isfinite(w[i]) || !(b[i] >= 0) || !(b[i] < inf)) return inf;
    vmax = std::max(vmax, std::fabs(v[i]));
  }
  if (!(vmax >= 1.0 && vmax < 2.0)) return inf;
  // s = fl(v'w), S1 = fl(|v|'|w|), S2 = fl(|v|'b), vv = fl(v'v), v1 = fl(||v||_1).
  double s = 0, S1 = 0, S2 = 0, vv = 0, v1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = std::fabs(v[i]);
    s += v[i] * w[i];
    S1 += a * std::fabs(w[i]);
    S2 += a * b[i];
    vv += v[i] * v[i];
    v1 += a;
  }
  // As linalg/midrad.cpp rayleigh_upper:
  //   |s - v'Mv| <= g (|v|'|w| + |v|'|M||v|) + n eta (1 + ||v||_1),  g = gamma_n,
  //   |v|'|M||v| <= (upper(S2) + n eta ||v||_1) / (1 - g).
  const double g = gamma_up(n);
  if (!(g < 0.25)) return inf;
  const double omg = round_down(1.0 - g);
  const double neta = underflow_term(n);
  const double v1_up = nonneg_sum_upper(v1, n);
  const double tail = round_up(neta * v1_up);
  const double S1u = nonneg_sum_upper(S1, n);
  const double S2u = round_up(round_up(nonneg_sum_upper(S2, n) + tail) / omg);
  const double err = round_up(round_up(g * round_up(S1u + S2u)) + round_up(neta + tail));
  const double den_hi = nonneg_sum_upper(vv, n);
  // |v|'Rad|v| <= ρ(Rad) v'v.
  const double radius_term = round_up(radius_rho * den_hi);
  const double num = round_up(round_up(s + err) + radius_term);
  const double den_lo = round_down(round_down(vv - neta) / round_up(1.0 + g));
  if (!(den_lo > 0.0) || !std::isfinite(num)) return inf;
  return num >= 0 ? round_up(num / den_lo) : round_up(num / den_hi);
}

rayleigh_estimate_d rayleigh_from_product(const std::vector<double>& v, const std::vector<double>& w) {
  rayleigh_estimate_d e;
  double vv = 0, vw = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    vv += v[i] * v[i];
    vw += v[i] * w[i];
  }
  e.rho = vw / vv;
  double r = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double t = w[i] - e.rho * v[i];
    r += t * t;
  }
  e.residual = std::sqrt(r / vv);
  return e;
}

}  // namespace ntk::distributed
