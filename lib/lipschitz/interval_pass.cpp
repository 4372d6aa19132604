// The interval building blocks of lipschitz/jacobian.hpp: midpoint-radius products, the interval
// forward pass and the sign decisions (interval, then exact rational).
#include "lipschitz/jacobian.hpp"

#include <gmpxx.h>

#include <algorithm>
#include <cmath>

#include "interval/rounding.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/float_error.hpp"
#include "lipschitz/jacobian_detail.hpp"

namespace ntk {

using namespace jacobian_detail;

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

}  // namespace ntk
