#include "lipschitz/jacobian.hpp"

#include <cblas.h>
#include <gmpxx.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <unordered_set>

#include "interval/rounding.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/float_error.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// C (m x n) = op(A) op(B) in plain float through BLAS (gemv for the vector shapes).
void float_gemm(std::size_t m, std::size_t n, std::size_t k, const double* A, bool ta, const double* B,
                bool tb, double* C) {
  const int M = static_cast<int>(m), N = static_cast<int>(n), K = static_cast<int>(k);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(C, C + m * n, 0.0);
    return;
  }
  if (n == 1) {  // op(B) is a k-vector stored contiguously either way
    if (!ta) cblas_dgemv(CblasRowMajor, CblasNoTrans, M, K, 1.0, A, K, B, 1, 0.0, C, 1);
    else cblas_dgemv(CblasRowMajor, CblasTrans, K, M, 1.0, A, M, B, 1, 0.0, C, 1);
    return;
  }
  if (m == 1) {  // C' = op(B)' a
    if (!tb) cblas_dgemv(CblasRowMajor, CblasTrans, K, N, 1.0, B, N, A, 1, 0.0, C, 1);
    else cblas_dgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0, B, K, A, 1, 0.0, C, 1);
    return;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0, A,
              ta ? M : K, B, tb ? K : N, 0.0, C, N);
}

std::vector<double> abs_copy(const double* x, std::size_t n) {
  std::vector<double> a(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = std::fabs(x[i]);
  return a;
}

inline void to_mr(const dinterval& x, double& mid, double& rad) {
  if (!(std::isfinite(x.lo) && std::isfinite(x.hi))) {
    mid = 0;
    rad = inf;
    return;
  }
  mid = 0.5 * x.lo + 0.5 * x.hi;
  rad = std::max(round_up(x.hi - mid), round_up(mid - x.lo));
  if (rad < 0) rad = 0;
}

inline dinterval from_mr(double mid, double rad) {
  if (!(std::isfinite(mid) && std::isfinite(rad))) return {-inf, inf};
  return {round_down(mid - rad), round_up(mid + rad)};
}

inline dinterval relu(const dinterval& z) { return {std::max(z.lo, 0.0), std::max(z.hi, 0.0)}; }

// Lower bound of sum_i mig(y_i)^2 (mig = distance of the interval from 0).
double mig_sq_sum_lower(const std::vector<dinterval>& y) {
  double s = 0;
  for (const dinterval& t : y) {
    double m = 0;
    if (t.lo > 0) m = t.lo;
    else if (t.hi < 0) m = -t.hi;
    if (m > 0) s = round_down(s + round_down(m * m));
  }
  return s;
}

// Upper bound of sum_i mag(y_i)^2.
double mag_sq_sum_upper(const std::vector<dinterval>& y) {
  double s = 0;
  for (const dinterval& t : y) {
    const double m = std::max(std::fabs(t.lo), std::fabs(t.hi));
    s = round_up(s + round_up(m * m));
  }
  return s;
}

}  // namespace

void midrad_from_interval(const dinterval& x, double& mid, double& rad) { to_mr(x, mid, rad); }
dinterval interval_from_midrad(double mid, double rad) { return from_mr(mid, rad); }

void midrad_gemm(std::size_t m, std::size_t n, std::size_t k, const midrad_operand& A, const midrad_operand& B,
                 double* C_mid, double* C_rad) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    std::fill(C_mid, C_mid + m * n, 0.0);
    std::fill(C_rad, C_rad + m * n, 0.0);
    return;
  }
  std::vector<double> absA_buf, absB_buf;
  const double* absA = A.abs_mid;
  if (!absA) {
    absA_buf = abs_copy(A.mid, m * k);
    absA = absA_buf.data();
  }
  const double* absB = B.abs_mid;
  if (!absB) {
    absB_buf = abs_copy(B.mid, k * n);
    absB = absB_buf.data();
  }
  float_gemm(m, n, k, A.mid, A.trans, B.mid, B.trans, C_mid);
  std::vector<double> S(m * n), T1, T2;
  float_gemm(m, n, k, absA, A.trans, absB, B.trans, S.data());
  if (B.rad) {  // |A.mid| B.rad
    T1.resize(m * n);
    float_gemm(m, n, k, absA, A.trans, B.rad, B.trans, T1.data());
  }
  if (A.rad) {  // A.rad (|B.mid| + B.rad), the sum rounded up
    std::vector<double> Bu;
    const double* bu = absB;
    if (B.rad) {
      Bu.resize(k * n);
      for (std::size_t t = 0; t < k * n; ++t) Bu[t] = round_up(absB[t] + B.rad[t]);
      bu = Bu.data();
    }
    T2.resize(m * n);
    float_gemm(m, n, k, A.rad, A.trans, bu, B.trans, T2.data());
  }
  // |A'B' - fl(Am Bm)| <= |Am Bm - fl(Am Bm)| + |Am| Br + Ar (|Bm| + Br)
  //                   <= gamma_k |Am||Bm| + k eta + |Am| Br + Ar (|Bm| + Br).
  const double g = gamma_up(k), neta = underflow_term(k);
  for (std::size_t t = 0; t < m * n; ++t) {
    double r = round_up(round_up(g * nonneg_sum_upper(S[t], k)) + neta);
    if (!T1.empty()) r = round_up(r + nonneg_sum_upper(T1[t], k));
    if (!T2.empty()) r = round_up(r + nonneg_sum_upper(T2[t], k));
    if (!(std::isfinite(r) && std::isfinite(C_mid[t]))) {
      C_mid[t] = 0;
      r = inf;
    }
    C_rad[t] = r;
  }
}

std::vector<dinterval> enclose_point(const scaled_point& x) {
  std::vector<dinterval> out(x.v.size());
  if (x.is_plain()) {
    for (std::size_t j = 0; j < x.v.size(); ++j) out[j] = dinterval(x.v[j]);
  } else {
    for (std::size_t j = 0; j < x.v.size(); ++j) out[j] = dinterval(x.v[j]) * dinterval(x.num) / dinterval(x.den);
  }
  return out;
}

std::vector<dinterval> layer_enclose(const network& net, std::size_t l, const std::vector<dinterval>& a,
                                     const double* abs_w) {
  const std::size_t m = net.rows(l), k = net.cols(l);
  std::vector<double> am(k), ar(k), cm(m), cr(m);
  bool exact = true;
  for (std::size_t j = 0; j < k; ++j) {
    to_mr(a[j], am[j], ar[j]);
    if (ar[j] != 0) exact = false;
  }
  midrad_operand W{net.W(l).data(), nullptr, abs_w, false};
  midrad_operand X{am.data(), exact ? nullptr : ar.data(), nullptr, false};
  midrad_gemm(m, 1, k, W, X, cm.data(), cr.data());
  std::vector<dinterval> z(m);
  const double* b = net.b(l);
  for (std::size_t i = 0; i < m; ++i) {
    z[i] = from_mr(cm[i], cr[i]);
    if (b) z[i] = z[i] + dinterval(b[i]);
  }
  return z;
}

network_abs::network_abs(const network& net) {
  for (std::size_t l = 1; l <= net.depth(); ++l) w.push_back(abs_copy(net.W(l).data(), net.W(l).size()));
}

forward_bounds forward_enclose(const network& net, const std::vector<dinterval>& input, const network_abs* abs_w) {
  forward_bounds fb;
  std::vector<dinterval> a = input;
  const std::size_t L = net.depth();
  for (std::size_t l = 1; l <= L; ++l) {
    std::vector<dinterval> z = layer_enclose(net, l, a, abs_w ? abs_w->layer(l) : nullptr);
    if (l < L) {
      a.resize(z.size());
      for (std::size_t i = 0; i < z.size(); ++i) a[i] = relu(z[i]);
    }
    fb.pre.push_back(std::move(z));
  }
  return fb;
}

std::vector<int> hidden_signs(const network& net, const forward_bounds& fb) {
  std::vector<int> s;
  for (std::size_t l = 1; l < net.depth(); ++l)
    for (const dinterval& z : fb.pre[l - 1]) s.push_back(z.lo > 0 ? 1 : (z.hi < 0 ? -1 : 0));
  return s;
}

std::vector<int> exact_hidden_signs(const network& net, const scaled_point& x, std::size_t max_ops) {
  std::size_t ops = 0;
  for (std::size_t l = 1; l < net.depth(); ++l) ops += net.rows(l) * net.cols(l);
  if (ops > max_ops) return {};
  std::vector<mpq_class> a(x.v.size());
  mpq_class scale;
  mpq_set_d(scale.get_mpq_t(), x.num);
  mpq_class den;
  mpq_set_d(den.get_mpq_t(), x.den);
  scale /= den;
  for (std::size_t j = 0; j < a.size(); ++j) {
    mpq_set_d(a[j].get_mpq_t(), x.v[j]);  // exact
    a[j] *= scale;
  }
  std::vector<int> s;
  mpq_class w, t;
  for (std::size_t l = 1; l < net.depth(); ++l) {
    const std::size_t m = net.rows(l), k = net.cols(l);
    const double* W = net.W(l).data();
    const double* b = net.b(l);
    std::vector<mpq_class> z(m);
    for (std::size_t i = 0; i < m; ++i) {
      mpq_class acc(0);
      if (b) mpq_set_d(acc.get_mpq_t(), b[i]);
      for (std::size_t j = 0; j < k; ++j) {
        if (W[i * k + j] == 0 || sgn(a[j]) == 0) continue;
        mpq_set_d(w.get_mpq_t(), W[i * k + j]);
        t = w * a[j];
        acc += t;
      }
      const int sg = sgn(acc);
      s.push_back(sg > 0 ? 1 : (sg < 0 ? -1 : 0));
      z[i] = sg > 0 ? acc : mpq_class(0);
    }
    a.swap(z);
  }
  return s;
}

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

// ---------------------------------------------------------------------------------------------
namespace {

// Float forward pass: hidden activity mask and the first-layer pre-activations.
void float_pattern(const network& net, const double* x, std::vector<char>& mask, std::vector<double>& z1) {
  mask.clear();
  std::vector<double> a(x, x + net.widths[0]);
  for (std::size_t l = 1; l < net.depth(); ++l) {
    const std::vector<double> z = layer_float(net, l, a);
    for (double t : z) mask.push_back(t > 0);
    if (l == 1) z1 = z;
    a.resize(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) a[i] = std::max(z[i], 0.0);
  }
}

std::size_t mask_hash(const std::vector<char>& m) {
  std::size_t h = 1469598103934665603ull;
  for (char c : m) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

struct candidate {
  scaled_point x;
  double value = 0;  // float ||J||
  std::size_t hash = 0;
  std::string origin;
};

}  // namespace

jacobian_search_result jacobian_lower_search(const network& net, const std::vector<double>* data, std::size_t data_rows,
                                             double num, double den, const jacobian_search_options& opt) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  jacobian_search_result res;
  const std::size_t n0 = net.widths[0], nL = net.widths.back();
  std::mt19937_64 gen(opt.seed * 0x9E3779B97F4A7C15ull + 12345);
  std::normal_distribution<double> nd;

  const std::size_t keep = std::max<std::size_t>(4 * opt.certify_top, 16);
  std::vector<candidate> pool;  // the best float candidates, distinct activation patterns
  const network_abs absw(net);
  std::vector<char> mask;
  std::vector<double> z1;
  auto evaluate = [&](const std::vector<double>& xf, double& value) {
    float_pattern(net, xf.data(), mask, z1);
    value = top_singular_float(jacobian_float(net, mask), nL, n0, nullptr);
    ++res.evaluated;
    if (std::isfinite(value) && !(value <= res.float_best)) res.float_best = value;
    return mask_hash(mask);
  };
  auto offer = [&](scaled_point x, double value, std::size_t h, const std::string& origin) {
    if (!std::isfinite(value)) return;
    for (auto& c : pool)
      if (c.hash == h) {
        if (x.is_plain() && !c.x.is_plain()) return;  // keep data rows (exact) over search points
        return;
      }
    if (pool.size() >= keep) {
      auto worst = std::min_element(pool.begin(), pool.end(), [](auto& a, auto& b) { return a.value < b.value; });
      if (worst->value >= value) return;
      pool.erase(worst);
    }
    pool.push_back({std::move(x), value, h, origin});
  };

  // Data rows.
  double scale = 1.0;
  std::vector<double> xf(n0);
  if (data && data_rows > 0) {
    double ss = 0;
    const std::size_t rows = std::min(data_rows, opt.max_data_rows);
    for (std::size_t i = 0; i < rows; ++i) {
      const double* r = data->data() + i * n0;
      for (std::size_t j = 0; j < n0; ++j) {
        xf[j] = r[j] * num / den;
        ss += xf[j] * xf[j];
      }
      double v;
      const std::size_t h = evaluate(xf, v);
      offer(scaled_point{std::vector<double>(r, r + n0), num, den}, v, h, "data row " + std::to_string(i));
    }
    scale = std::sqrt(ss / static_cast<double>(rows * n0));
    if (!(scale > 0)) scale = 1.0;
  }
  // Random points.
  for (std::size_t p = 0; p < opt.random_points; ++p) {
    for (auto& t : xf) t = scale * nd(gen);
    double v;
    const std::size_t h = evaluate(xf, v);
    offer(scaled_point{xf, 1.0, 1.0}, v, h, "random");
  }
  // Climbing search.
  if (opt.time_limit > 0 && !pool.empty()) {
    std::sort(pool.begin(), pool.end(), [](auto& a, auto& b) { return a.value > b.value; });
    const std::size_t starts = std::min<std::size_t>(4, pool.size());
    std::vector<std::vector<double>> start_points;
    for (std::size_t s = 0; s < starts; ++s) {
      std::vector<double> p(n0);
      for (std::size_t j = 0; j < n0; ++j) p[j] = pool[s].x.v[j] * pool[s].x.num / pool[s].x.den;
      start_points.push_back(p);
    }
    // Row norms of W_1 for the hyperplane jumps.
    std::vector<double> wn2(net.rows(1), 0.0);
    for (std::size_t i = 0; i < net.rows(1); ++i)
      for (std::size_t j = 0; j < n0; ++j) wn2[i] += net.W(1)[i * n0 + j] * net.W(1)[i * n0 + j];
    std::size_t s = 0;
    std::uniform_real_distribution<double> ud(0.0, 1.0);
    while (std::chrono::duration<double>(clock::now() - t0).count() < opt.time_limit) {
      std::vector<double> x = start_points[s % starts];
      ++s;
      double val;
      evaluate(x, val);
      double sigma = 0.05;
      double xs = 0;
      for (double t : x) xs += t * t;
      xs = std::sqrt(xs / static_cast<double>(n0));
      if (!(xs > 0)) xs = scale;
      int fails = 0;
      while (fails < 60 && std::chrono::duration<double>(clock::now() - t0).count() < opt.time_limit) {
        std::vector<double> y = x;
        float_pattern(net, x.data(), mask, z1);
        if (ud(gen) < 0.5) {
          for (auto& t : y) t += sigma * xs * nd(gen);
        } else {
          // Jump across one of the nearest first-layer hyperplanes w_i x + b_i = 0.
          std::vector<std::pair<double, std::size_t>> dist;
          for (std::size_t i = 0; i < z1.size(); ++i)
            if (wn2[i] > 0) dist.push_back({std::fabs(z1[i]) / std::sqrt(wn2[i]), i});
          if (dist.empty()) continue;
          const std::size_t near = std::min<std::size_t>(8, dist.size());
          std::partial_sort(dist.begin(), dist.begin() + near, dist.end());
          const std::size_t i = dist[static_cast<std::size_t>(ud(gen) * near) % near].second;
          const double c = z1[i] * (1.0 + 1e-3) / wn2[i] + (z1[i] >= 0 ? 1e-9 : -1e-9) * xs;
          for (std::size_t j = 0; j < n0; ++j) y[j] -= c * net.W(1)[i * n0 + j];
        }
        double v;
        const std::size_t h = evaluate(y, v);
        if (std::isfinite(v) && v > val * (1 + 1e-12)) {
          x = y;
          val = v;
          offer(scaled_point{y, 1.0, 1.0}, v, h, "search");
          sigma = std::min(1.0, sigma * 1.5);
          fails = 0;
        } else {
          sigma = std::max(1e-4, sigma * 0.85);
          ++fails;
        }
      }
      if (val > pool.front().value) start_points[(s - 1) % starts] = x;
    }
  }
  // Certify the best candidates.
  std::sort(pool.begin(), pool.end(), [](auto& a, auto& b) { return a.value > b.value; });
  std::size_t done = 0;
  for (const candidate& c : pool) {
    if (done >= opt.certify_top) break;
    const point_lower pl = jacobian_lower_at(net, c.x, opt.max_exact_ops, &absw);
    if (pl.refined_exactly) ++res.exact_refinements;
    if (pl.status == point_status::certified) {
      ++res.certified;
      ++done;
      if (pl.lower > res.lower) {
        res.lower = pl.lower;
        res.float_at_best = pl.float_norm;
        res.best_origin = c.origin;
      }
      continue;
    }
    if (pl.status == point_status::zero_preactivation) ++res.skipped_zero;
    else ++res.skipped_undecided;
    // The signs are not proven: a pair ratio along the float top singular vector still bounds.
    std::vector<double> xp(n0);
    for (std::size_t j = 0; j < n0; ++j) xp[j] = c.x.v[j] * c.x.num / c.x.den;
    float_pattern(net, xp.data(), mask, z1);
    std::vector<double> v;
    const double fv = top_singular_float(jacobian_float(net, mask), nL, n0, &v);
    if (v.empty()) continue;
    double xn = 0, vn = 0;
    for (std::size_t j = 0; j < n0; ++j) {
      xn += xp[j] * xp[j];
      vn += v[j] * v[j];
    }
    const double t = 1e-4 * std::max(1.0, std::sqrt(xn)) / std::sqrt(vn);
    std::vector<double> yp(n0);
    for (std::size_t j = 0; j < n0; ++j) yp[j] = xp[j] + t * v[j];
    const double r = pair_ratio_lower(net, scaled_point{xp, 1.0, 1.0}, scaled_point{yp, 1.0, 1.0});
    res.pair_lower = std::max(res.pair_lower, r);
    if (r > res.lower) {
      res.lower = r;
      res.float_at_best = fv;
      res.best_origin = "pair";
    }
  }
  res.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return res;
}

}  // namespace ntk
