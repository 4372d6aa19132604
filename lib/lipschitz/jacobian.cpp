// The Jacobian bounds of lipschitz/jacobian.hpp at one point and for pairs of points.
#include "lipschitz/jacobian.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "interval/rounding.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/float_error.hpp"
#include "lipschitz/jacobian_detail.hpp"

namespace ntk {

using namespace jacobian_detail;

std::vector<double> layer_float(const network& net, std::size_t l, const std::vector<double>& a) {
  const std::size_t m = net.rows(l), k = net.cols(l);
  std::vector<double> z(m, 0.0);
  float_gemm(m, 1, k, net.W(l).data(), false, a.data(), false, z.data());
  if (const double* b = net.b(l))
    for (std::size_t i = 0; i < m; ++i) z[i] += b[i];
  return z;
}

std::vector<double> jacobian_float(const network& net, const std::vector<char>& mask) {
  const std::size_t L = net.depth(), n0 = net.widths[0], nL = net.widths[L];
  std::vector<double> P, Q;
  // Offsets of each hidden layer in the concatenated mask.
  std::vector<std::size_t> off(L + 1, 0);
  for (std::size_t l = 1; l < L; ++l) off[l + 1] = off[l] + net.rows(l);
  if (nL <= n0) {  // left to right: P = W_L, then P <- (P D_l) W_l
    P = net.W(L);
    std::size_t cols = net.cols(L);
    for (std::size_t l = L - 1; l >= 1; --l) {
      for (std::size_t i = 0; i < nL; ++i)
        for (std::size_t j = 0; j < cols; ++j)
          if (!mask[off[l] + j]) P[i * cols + j] = 0;
      const std::size_t nc = net.cols(l);
      Q.assign(nL * nc, 0.0);
      float_gemm(nL, nc, cols, P.data(), false, net.W(l).data(), false, Q.data());
      P.swap(Q);
      cols = nc;
    }
  } else {  // right to left: P = W_1, then P <- W_{l+1} (D_l P)
    P = net.W(1);
    std::size_t rows = net.rows(1);
    for (std::size_t l = 1; l < L; ++l) {
      for (std::size_t i = 0; i < rows; ++i)
        if (!mask[off[l] + i])
          for (std::size_t j = 0; j < n0; ++j) P[i * n0 + j] = 0;
      const std::size_t nr = net.rows(l + 1);
      Q.assign(nr * n0, 0.0);
      float_gemm(nr, n0, rows, net.W(l + 1).data(), false, P.data(), false, Q.data());
      P.swap(Q);
      rows = nr;
    }
  }
  return P;
}

double top_singular_float(const std::vector<double>& J, std::size_t rows, std::size_t cols,
                          std::vector<double>* right_vector) {
  if (rows == 0 || cols == 0) return 0;
  const bool small_rows = rows <= cols;
  const std::size_t k = small_rows ? rows : cols, m = small_rows ? cols : rows;
  std::vector<double> G(k * k, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasLower, small_rows ? CblasNoTrans : CblasTrans, static_cast<int>(k),
              static_cast<int>(m), 1.0, J.data(), static_cast<int>(cols), 0.0, G.data(), static_cast<int>(k));
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < i; ++j) G[j * k + i] = G[i * k + j];
  std::vector<double> u;
  const double lam = float_eig_largest(G, k, &u);
  if (!std::isfinite(lam) || u.size() != k) {
    if (right_vector) right_vector->clear();
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (right_vector) {
    if (small_rows) {
      right_vector->assign(cols, 0.0);
      float_gemm(cols, 1, rows, J.data(), true, u.data(), false, right_vector->data());
    } else {
      *right_vector = u;
    }
  }
  return std::sqrt(std::max(lam, 0.0));
}

double masked_jacobian_lower(const network& net, const std::vector<char>& mask, const std::vector<double>& v,
                             const network_abs* abs_w) {
  const std::size_t L = net.depth();
  if (v.size() != net.widths[0]) return 0;
  double vv = 0;
  for (double t : v) {
    if (!std::isfinite(t)) return 0;
    vv += t * t;
  }
  if (!(vv > 0)) return 0;
  std::vector<double> um = v, ur;  // ur empty: exact
  std::size_t off = 0;
  std::vector<dinterval> y;
  for (std::size_t l = 1; l <= L; ++l) {
    const std::size_t m = net.rows(l), k = net.cols(l);
    std::vector<double> cm(m), cr(m);
    midrad_operand W{net.W(l).data(), nullptr, abs_w ? abs_w->layer(l) : nullptr, false};
    midrad_operand X{um.data(), ur.empty() ? nullptr : ur.data(), nullptr, false};
    midrad_gemm(m, 1, k, W, X, cm.data(), cr.data());
    if (l < L) {
      for (std::size_t i = 0; i < m; ++i)
        if (!mask[off + i]) cm[i] = cr[i] = 0;  // D_l is exactly 0 there
      off += m;
      um.swap(cm);
      ur.swap(cr);
    } else {
      y.resize(m);
      for (std::size_t i = 0; i < m; ++i) y[i] = from_mr(cm[i], cr[i]);
    }
  }
  const double num = mig_sq_sum_lower(y);
  const double den = nonneg_sum_upper(vv, v.size());
  if (!(num > 0) || !(den > 0) || !std::isfinite(den)) return 0;
  return std::max(0.0, round_down(std::sqrt(round_down(num / den))));
}

point_lower jacobian_lower_at(const network& net, const scaled_point& x, std::size_t max_exact_ops,
                              const network_abs* abs_w) {
  point_lower out;
  const forward_bounds fb = forward_enclose(net, enclose_point(x), abs_w);
  std::vector<int> s = hidden_signs(net, fb);
  if (std::find(s.begin(), s.end(), 0) != s.end()) {
    s = exact_hidden_signs(net, x, max_exact_ops);
    if (s.empty()) {
      out.status = point_status::undecided;
      return out;
    }
    out.refined_exactly = true;
    if (std::find(s.begin(), s.end(), 0) != s.end()) {
      out.status = point_status::zero_preactivation;
      return out;
    }
  }
  std::vector<char> mask(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) mask[i] = s[i] > 0;
  const std::vector<double> J = jacobian_float(net, mask);
  std::vector<double> v;
  out.float_norm = top_singular_float(J, net.widths.back(), net.widths[0], &v);
  out.lower = v.empty() ? 0.0 : masked_jacobian_lower(net, mask, v, abs_w);
  out.status = point_status::certified;
  out.mask = std::move(mask);
  return out;
}

double pair_ratio_lower(const network& net, const scaled_point& x, const scaled_point& y) {
  if (x.v.size() != net.widths[0] || y.v.size() != net.widths[0]) return 0;
  const std::vector<dinterval> ex = enclose_point(x), ey = enclose_point(y);
  const forward_bounds fx = forward_enclose(net, ex), fy = forward_enclose(net, ey);
  const auto& ox = fx.pre.back();
  const auto& oy = fy.pre.back();
  std::vector<dinterval> d(ox.size()), dx(ex.size());
  for (std::size_t i = 0; i < ox.size(); ++i) d[i] = ox[i] - oy[i];
  for (std::size_t j = 0; j < ex.size(); ++j) dx[j] = ex[j] - ey[j];
  const double num = mig_sq_sum_lower(d), den = mag_sq_sum_upper(dx);
  if (!(num > 0) || !(den > 0) || !std::isfinite(den)) return 0;
  return std::max(0.0, round_down(std::sqrt(round_down(num / den))));
}

}  // namespace ntk
