// Independent references for the Lipschitz tests: exact rational (GMP) forward passes, masked
// Jacobian products and their spectral norms through the MPFR Jacobi reference of tests/common.
// Written separately from lib/lipschitz (no shared numerical code).
#pragma once

#include <gmpxx.h>
#include <mpfr.h>

#include <cstddef>
#include <random>
#include <stdexcept>
#include <vector>

#include "../common/jacobi.hpp"
#include "network/network.hpp"

namespace lip_test {

using qvec = std::vector<mpq_class>;

inline mpq_class q(double x) {
  mpq_class r;
  mpq_set_d(r.get_mpq_t(), x);  // exact
  return r;
}

// Exact pre-activations z_l (l = 1..L) of net at the rational point x.
inline std::vector<qvec> exact_forward(const ntk::network& net, const qvec& x) {
  std::vector<qvec> pre;
  qvec a = x;
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    const std::size_t m = net.rows(l), k = net.cols(l);
    qvec z(m);
    for (std::size_t i = 0; i < m; ++i) {
      mpq_class s = net.b(l) ? q(net.b(l)[i]) : mpq_class(0);
      for (std::size_t j = 0; j < k; ++j) s += q(net.W(l)[i * k + j]) * a[j];
      z[i] = s;
    }
    pre.push_back(z);
    a.assign(m, mpq_class(0));
    for (std::size_t i = 0; i < m; ++i)
      if (sgn(z[i]) > 0) a[i] = z[i];
  }
  return pre;
}

// The exact masked product W_L D_{L-1} ... D_1 W_1 (n_L x n_0), mask over hidden neurons in order.
inline qvec exact_masked_product(const ntk::network& net, const std::vector<char>& mask) {
  const std::size_t n0 = net.widths[0];
  qvec P(net.rows(1) * n0);
  for (std::size_t t = 0; t < P.size(); ++t) P[t] = q(net.W(1)[t]);
  std::size_t rows = net.rows(1), off = 0;
  for (std::size_t l = 2; l <= net.depth(); ++l) {
    for (std::size_t i = 0; i < rows; ++i)
      if (!mask[off + i])
        for (std::size_t j = 0; j < n0; ++j) P[i * n0 + j] = 0;
    off += rows;
    const std::size_t m = net.rows(l);
    qvec Q(m * n0);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n0; ++j) {
        mpq_class s(0);
        for (std::size_t t = 0; t < rows; ++t) s += q(net.W(l)[i * rows + t]) * P[t * n0 + j];
        Q[i * n0 + j] = s;
      }
    P.swap(Q);
    rows = m;
  }
  return P;
}

// Enclosure [lo, hi] of ||P||_2^2 for the exact rational rows x cols matrix P (dyadic entries),
// from the Jacobi reference on the smaller Gram matrix.
struct norm_sq_enclosure {
  ntk_test::ref_real lo, hi;
};
inline norm_sq_enclosure exact_norm_sq(const qvec& P, std::size_t rows, std::size_t cols) {
  const bool gram_rows = rows <= cols;
  const std::size_t n = gram_rows ? rows : cols, m = gram_rows ? cols : rows;
  std::vector<ntk_test::ref_real> g(n * n);
  std::vector<mpfr_srcptr> gp(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      mpq_class s(0);
      for (std::size_t t = 0; t < m; ++t)
        s += gram_rows ? P[i * cols + t] * P[j * cols + t] : P[t * cols + i] * P[t * cols + j];
      mpfr_ptr x = g[i * n + j].backend().data();
      mpfr_set_prec(x, 4000);
      if (mpfr_set_q(x, s.get_mpq_t(), MPFR_RNDN) != 0) throw std::runtime_error("Gram entry not exact at 4000 bits");
      gp[i * n + j] = x;
    }
  norm_sq_enclosure e;
  bool zero = true;
  for (auto& x : P) if (sgn(x) != 0) zero = false;
  if (zero) {
    mpfr_set_prec(e.lo.backend().data(), 64);
    mpfr_set_prec(e.hi.backend().data(), 64);
    mpfr_set_zero(e.lo.backend().data(), 1);
    mpfr_set_zero(e.hi.backend().data(), 1);
    return e;
  }
  const ntk_test::reference_spectrum s = ntk_test::jacobi_eigenvalues(gp, n, 256);
  e.lo = ntk_test::reference_lower(s, n - 1);
  e.hi = ntk_test::reference_upper(s, n - 1);
  return e;
}

// a <= b^2 ? (b a double >= 0; exact comparison in MPFR)
inline bool sq_ge(double b, const ntk_test::ref_real& a) {
  mpfr_t t;
  mpfr_init2(t, 120);
  mpfr_set_d(t, b, MPFR_RNDN);
  mpfr_sqr(t, t, MPFR_RNDN);  // exact at 120 bits
  const bool r = mpfr_cmp(t, a.backend().data()) >= 0;
  mpfr_clear(t);
  return r;
}
inline bool sq_le(double b, const ntk_test::ref_real& a) {
  mpfr_t t;
  mpfr_init2(t, 120);
  mpfr_set_d(t, b, MPFR_RNDN);
  mpfr_sqr(t, t, MPFR_RNDN);
  const bool r = mpfr_cmp(t, a.backend().data()) <= 0;
  mpfr_clear(t);
  return r;
}

// A network with Gaussian weights N(0, 1/n_{l-1}) rounded to doubles; biases N(0, bias_scale^2)
// when bias_scale > 0.
inline ntk::network random_net(const std::vector<std::size_t>& widths, std::mt19937_64& gen, double bias_scale = 0) {
  std::normal_distribution<double> nd;
  ntk::network net;
  net.source = "test";
  net.widths = widths;
  net.has_biases = bias_scale > 0;
  for (std::size_t l = 1; l < widths.size(); ++l) {
    std::vector<double> w(widths[l] * widths[l - 1]);
    for (auto& t : w) t = nd(gen) / std::sqrt(static_cast<double>(widths[l - 1]));
    net.weights.push_back(w);
    std::vector<double> b;
    if (bias_scale > 0) {
      b.resize(widths[l]);
      for (auto& t : b) t = bias_scale * nd(gen);
    }
    net.biases.push_back(b);
  }
  return net;
}

}  // namespace lip_test
