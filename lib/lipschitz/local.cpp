#include "lipschitz/local.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "interval/rounding.hpp"
#include "linalg/float_error.hpp"
#include "linalg/spectral_norm.hpp"
#include "lipschitz/jacobian.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

inline dinterval relu(const dinterval& z) { return {std::max(z.lo, 0.0), std::max(z.hi, 0.0)}; }

// Upper bounds of the row norms ||w_i|| of W_1.
std::vector<double> row_norms_upper(const network& net) {
  const std::size_t m = net.rows(1), k = net.cols(1);
  std::vector<double> r(m);
  for (std::size_t i = 0; i < m; ++i) {
    double s = 0;
    for (std::size_t j = 0; j < k; ++j) s += net.W(1)[i * k + j] * net.W(1)[i * k + j];
    r[i] = round_up(std::sqrt(nonneg_sum_upper(s, k)));
  }
  return r;
}

// Hidden pre-activation enclosures over the ball (all layers 1..L-1, each a vector).
std::vector<std::vector<dinterval>> ball_hidden(const network& net, const network_abs& absw,
                                                const std::vector<double>& w1norm, const double* row, double num,
                                                double den, double eps, ball_norm norm) {
  const std::size_t n0 = net.widths[0], L = net.depth();
  const std::vector<dinterval> c = enclose_point(scaled_point{std::vector<double>(row, row + n0), num, den});
  std::vector<std::vector<dinterval>> pre;
  std::vector<dinterval> z;
  if (norm == ball_norm::linf) {
    std::vector<dinterval> box(n0);
    for (std::size_t j = 0; j < n0; ++j) box[j] = c[j] + dinterval(-eps, eps);
    z = layer_enclose(net, 1, box, absw.layer(1));
  } else {
    z = layer_enclose(net, 1, c, absw.layer(1));
    for (std::size_t i = 0; i < z.size(); ++i) {
      const double r = round_up(eps * w1norm[i]);  // |w_i'(x - c)| <= ||w_i|| eps
      z[i] = z[i] + dinterval(-r, r);
    }
  }
  for (std::size_t l = 1; l < L; ++l) {
    pre.push_back(z);
    if (l + 1 < L) {
      std::vector<dinterval> a(z.size());
      for (std::size_t i = 0; i < z.size(); ++i) a[i] = relu(z[i]);
      z = layer_enclose(net, l + 1, a, absw.layer(l + 1));
    }
  }
  return pre;
}

// Applies the slope range of neuron j: sign +1 keeps, -1 zeroes, 0 hulls with 0 (slope in [0, 1]).
inline void apply_slope(int sign, double& mid, double& rad) {
  if (sign > 0) return;
  if (sign < 0) {
    mid = rad = 0;
    return;
  }
  const dinterval e = interval_from_midrad(mid, rad);
  midrad_from_interval(dinterval(std::min(0.0, e.lo), std::max(0.0, e.hi)), mid, rad);
}

// Upper bound of sup ||J|| over the interval product W_L S_{L-1} ... S_1 W_1.
double interval_product_upper(const network& net, const network_abs& absw, const std::vector<std::vector<int>>& signs) {
  const std::size_t L = net.depth(), n0 = net.widths[0], nL = net.widths[L];
  std::vector<double> Pm, Pr, Qm, Qr;
  std::size_t rows, cols;
  if (nL <= n0) {  // P = W_L, then P <- (P S_l) W_l
    Pm = net.W(L);
    Pr.assign(Pm.size(), 0.0);
    rows = nL;
    cols = net.cols(L);
    for (std::size_t l = L - 1; l >= 1; --l) {
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) apply_slope(signs[l - 1][j], Pm[i * cols + j], Pr[i * cols + j]);
      const std::size_t nc = net.cols(l);
      Qm.assign(rows * nc, 0.0);
      Qr.assign(rows * nc, 0.0);
      midrad_operand A{Pm.data(), Pr.data(), nullptr, false};
      midrad_operand B{net.W(l).data(), nullptr, absw.layer(l), false};
      midrad_gemm(rows, nc, cols, A, B, Qm.data(), Qr.data());
      Pm.swap(Qm);
      Pr.swap(Qr);
      cols = nc;
    }
  } else {  // P = W_1, then P <- W_{l+1} (S_l P)
    Pm = net.W(1);
    Pr.assign(Pm.size(), 0.0);
    rows = net.rows(1);
    cols = n0;
    for (std::size_t l = 1; l < L; ++l) {
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) apply_slope(signs[l - 1][i], Pm[i * cols + j], Pr[i * cols + j]);
      const std::size_t nr = net.rows(l + 1);
      Qm.assign(nr * cols, 0.0);
      Qr.assign(nr * cols, 0.0);
      midrad_operand A{net.W(l + 1).data(), nullptr, absw.layer(l + 1), false};
      midrad_operand B{Pm.data(), Pr.data(), nullptr, false};
      midrad_gemm(nr, cols, rows, A, B, Qm.data(), Qr.data());
      Pm.swap(Qm);
      Pr.swap(Qr);
      rows = nr;
    }
  }
  for (double r : Pr)
    if (!std::isfinite(r)) return inf;
  // Every J in the product: J = Pm + E with |E| <= Pr entrywise, ||E|| <= || |E| || <= ||Pr||.
  const double a = spectral_norm_enclose(Pm, rows, cols).upper;
  const double b = spectral_norm_enclose(Pr, rows, cols).upper;
  return round_up(a + b);
}

// Upper bound of sup ||J|| by a norm-wise split: J lies in {M + E : ||E||_2 <= rho} with M the
// product taken with slope 1/2 at the unstable neurons. From the output side, P = M + E (n_L x n_l):
//   P S_l = M S_mid + M Delta + E S_l,  Delta = diag(+-1/2 on unstable),  ||M Delta|| <= ||M_U|| / 2,
//   ||E S_l|| <= ||E||;  then (P S_l) W_l = M' W_l + E' W_l,  ||E' W_l|| <= ||E'|| ||W_l||,
// and the rounding of M' W_l (entrywise radius R) adds ||R|| to rho. Finally ||J|| <= ||M|| + rho.
// Used when n_L <= n_0 (the products stay n_L rows tall); +inf otherwise.
double norm_split_upper(const network& net, const network_abs& absw, const std::vector<double>& wnorm,
                        const std::vector<std::vector<int>>& signs) {
  const std::size_t L = net.depth(), n0 = net.widths[0], nL = net.widths[L];
  if (nL > n0) return inf;
  std::vector<double> M = net.W(L), Q, R;
  const std::size_t rows = nL;
  std::size_t cols = net.cols(L);
  double rho = 0;
  for (std::size_t l = L - 1; l >= 1; --l) {
    // ||M_U|| / 2 over the unstable columns, then the slopes: 1 (active), 0, 1/2 (unstable; exact).
    std::vector<double> MU;
    std::size_t nu = 0;
    for (std::size_t j = 0; j < cols; ++j)
      if (signs[l - 1][j] == 0) ++nu;
    if (nu > 0) {
      MU.reserve(rows * nu);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j)
          if (signs[l - 1][j] == 0) MU.push_back(M[i * cols + j]);
      const double mu = spectral_norm_enclose(MU, rows, nu).upper;
      rho = round_up(rho + round_up(0.5 * mu));
    }
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) {
        const int sg = signs[l - 1][j];
        if (sg < 0) M[i * cols + j] = 0;
        else if (sg == 0) M[i * cols + j] *= 0.5;  // exact unless subnormal: error <= eta each
      }
    // The halvings' underflow: an entrywise error <= eta on rows x nu entries, norm <= rows nu eta.
    if (nu > 0) rho = round_up(rho + round_up(static_cast<double>(rows * nu) * 0x1p-1074));
    const std::size_t nc = net.cols(l);
    Q.assign(rows * nc, 0.0);
    R.assign(rows * nc, 0.0);
    midrad_operand A{M.data(), nullptr, nullptr, false};
    midrad_operand B{net.W(l).data(), nullptr, absw.layer(l), false};
    midrad_gemm(rows, nc, cols, A, B, Q.data(), R.data());
    rho = round_up(round_up(rho * wnorm[l - 1]) + spectral_norm_enclose(R, rows, nc).upper);
    M.swap(Q);
    cols = nc;
    if (!std::isfinite(rho)) return inf;
  }
  return round_up(spectral_norm_enclose(M, rows, cols).upper + rho);
}

// Is the double point p provably in the ball around c = (num/den) row?
bool in_ball(const std::vector<double>& p, const double* row, double num, double den, double eps, ball_norm norm) {
  double ss = 0;
  for (std::size_t j = 0; j < p.size(); ++j) {
    const dinterval c = num == den ? dinterval(row[j]) : dinterval(row[j]) * dinterval(num) / dinterval(den);
    const dinterval d = dinterval(p[j]) - c;
    if (norm == ball_norm::linf) {
      if (d.hi > eps || -d.lo > eps) return false;
    } else {
      const double m = std::max(std::fabs(d.lo), std::fabs(d.hi));
      ss = round_up(ss + round_up(m * m));
    }
  }
  return norm == ball_norm::linf || ss <= round_down(eps * eps);
}

}  // namespace

void ball_preactivation_bounds(const network& net, const double* row, double num, double den, double eps,
                               ball_norm norm, std::vector<double>& lo, std::vector<double>& hi) {
  const network_abs absw(net);
  const auto pre = ball_hidden(net, absw, row_norms_upper(net), row, num, den, eps, norm);
  lo.clear();
  hi.clear();
  for (const auto& z : pre)
    for (const dinterval& t : z) {
      lo.push_back(t.lo);
      hi.push_back(t.hi);
    }
}

local_result local_lipschitz(const network& net, const std::vector<double>& x, std::size_t rows, double num,
                             double den, const local_options& opt, progress_sink& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  local_result res;
  const std::size_t n0 = net.widths[0], L = net.depth();
  const network_abs absw(net);
  const std::vector<double> w1norm = row_norms_upper(net);
  std::vector<double> wnorm;
  for (std::size_t l = 1; l <= L; ++l) wnorm.push_back(spectral_norm_enclose(net.W(l), net.rows(l), net.cols(l)).upper);
  std::mt19937_64 gen(opt.seed * 0x9E3779B97F4A7C15ull + 777);
  std::uniform_int_distribution<int> coin(0, 1);
  for (std::size_t r = 0; r < rows; ++r) {
    progress.update("local bounds", static_cast<double>(r) / static_cast<double>(rows));
    const double* row = x.data() + r * n0;
    local_point pt;
    pt.index = r;
    const auto pre = ball_hidden(net, absw, w1norm, row, num, den, opt.radius, opt.norm);
    std::vector<std::vector<int>> signs(pre.size());
    std::vector<double> alpha, beta;
    for (std::size_t l = 0; l < pre.size(); ++l)
      for (const dinterval& z : pre[l]) {
        const int s = z.lo > 0 ? 1 : (z.hi < 0 ? -1 : 0);
        signs[l].push_back(s);
        if (s == 0) ++pt.unstable;
        alpha.push_back(s > 0 ? 1.0 : 0.0);
        beta.push_back(s < 0 ? 0.0 : 1.0);
      }
    pt.stable = pt.unstable == 0;
    if (pt.stable) ++res.all_stable;
    // Upper bounds.
    pt.interval_upper = interval_product_upper(net, absw, signs);
    pt.upper = pt.interval_upper;
    pt.upper_method = "interval-product";
    if (!pt.stable) {
      pt.split_upper = norm_split_upper(net, absw, wnorm, signs);
      if (pt.split_upper < pt.upper) {
        pt.upper = pt.split_upper;
        pt.upper_method = "norm-split";
      }
    }
    if (opt.slope_upper && !pt.stable) {
      pt.slope_upper = opt.slope_upper(alpha, beta);
      if (pt.slope_upper < pt.upper) {
        pt.upper = pt.slope_upper;
        pt.upper_method = "lipsdp-neuron";
      }
    }
    if (opt.global_upper < pt.upper) {
      pt.upper = opt.global_upper;
      pt.upper_method = "global";
    }
    // Lower bounds: the row itself, then a few points of the ball.
    const scaled_point centre{std::vector<double>(row, row + n0), num, den};
    const point_lower at_row = jacobian_lower_at(net, centre, 4000000, &absw);
    if (at_row.status == point_status::certified) pt.lower = at_row.lower;
    std::vector<double> cf(n0);
    for (std::size_t j = 0; j < n0; ++j) cf[j] = row[j] * num / den;
    {
      std::vector<char> mask;
      // float ||J|| at the row: from the float pattern
      std::vector<double> a(cf), z;
      for (std::size_t l = 1; l < L; ++l) {
        z = layer_float(net, l, a);
        for (double t : z) mask.push_back(t > 0);
        a.resize(z.size());
        for (std::size_t i = 0; i < z.size(); ++i) a[i] = std::max(z[i], 0.0);
      }
      pt.float_at_row = top_singular_float(jacobian_float(net, mask), net.widths[L], n0, nullptr);
    }
    if (!pt.stable && opt.extra_points > 0 && opt.radius > 0) {
      // Directions: switch on the unstable first-layer neurons that are off at the row, switch off
      // those that are on, and random sign patterns.
      std::vector<std::vector<double>> dirs;
      std::vector<double> on(n0, 0.0), off(n0, 0.0);
      const std::vector<double> z1 = layer_float(net, 1, cf);
      for (std::size_t i = 0; i < signs[0].size(); ++i) {
        if (signs[0][i] != 0) continue;
        std::vector<double>& d = z1[i] <= 0 ? on : off;
        const double s = z1[i] <= 0 ? 1.0 : -1.0;
        for (std::size_t j = 0; j < n0; ++j) d[j] += s * net.W(1)[i * n0 + j];
      }
      dirs.push_back(on);
      dirs.push_back(off);
      while (dirs.size() < opt.extra_points) {
        std::vector<double> d(n0);
        for (auto& t : d) t = coin(gen) ? 1.0 : -1.0;
        dirs.push_back(d);
      }
      dirs.resize(opt.extra_points);
      for (const auto& d : dirs) {
        std::vector<double> p(cf);
        if (opt.norm == ball_norm::linf) {
          for (std::size_t j = 0; j < n0; ++j) p[j] += 0.999 * opt.radius * (d[j] > 0 ? 1.0 : (d[j] < 0 ? -1.0 : 0.0));
        } else {
          double nn = 0;
          for (double t : d) nn += t * t;
          if (!(nn > 0)) continue;
          const double f = 0.999 * opt.radius / std::sqrt(nn);
          for (std::size_t j = 0; j < n0; ++j) p[j] += f * d[j];
        }
        if (!in_ball(p, row, num, den, opt.radius, opt.norm)) continue;
        const point_lower pl = jacobian_lower_at(net, scaled_point{p, 1.0, 1.0}, 4000000, &absw);
        if (pl.status == point_status::certified) pt.lower = std::max(pt.lower, pl.lower);
      }
    }
    res.points.push_back(pt);
  }
  progress.update("local bounds", 1.0);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace ntk
