// Independent reference for the empirical NTK: the explicit Jacobian J (one column per parameter,
// per-parameter gradients by reverse accumulation, row by row) and K̄ = J Jᵀ by plain dot products
// — a different formula from the library's Hadamard sum of Gram matrices, written separately.
// Exact with T = mpq_class (rational rows); with T = ref_real at high precision for normalised rows.
#pragma once

#include <gmpxx.h>

#include <cmath>
#include <random>
#include <vector>

#include "../common/jacobi.hpp"
#include "data/dataset.hpp"
#include "network/network.hpp"

namespace emp_test {

template <class T>
T from_double(double v);
template <>
inline mpq_class from_double<mpq_class>(double v) {
  mpq_class q;
  mpq_set_d(q.get_mpq_t(), v);  // exact
  return q;
}
template <>
inline ntk_test::ref_real from_double<ntk_test::ref_real>(double v) {
  ntk_test::ref_real r;
  mpfr_set_prec(r.backend().data(), 2048);
  mpfr_set_d(r.backend().data(), v, MPFR_RNDN);
  return r;
}

template <class T>
T sqrt_of(const T& x);
template <>
inline ntk_test::ref_real sqrt_of<ntk_test::ref_real>(const ntk_test::ref_real& x) {
  ntk_test::ref_real r = x;
  mpfr_sqrt(r.backend().data(), x.backend().data(), MPFR_RNDN);
  return r;
}
template <>
inline mpq_class sqrt_of<mpq_class>(const mpq_class&) {
  throw std::logic_error("no exact square roots in Q");
}

// The preprocessed rows, row-major (n x d), computed by the textbook formulas.
template <class T>
std::vector<T> ref_rows(const ntk::dataset& x, const ntk::preprocessing& prep) {
  const std::size_t n = x.n, d = x.d;
  std::vector<T> y(n * d);
  const T s = from_double<T>(x.scale_num) / from_double<T>(x.scale_den);
  for (std::size_t t = 0; t < n * d; ++t) y[t] = from_double<T>(x.x[t]) * s;
  if (prep.center) {
    for (std::size_t k = 0; k < d; ++k) {
      T m = from_double<T>(0);
      for (std::size_t i = 0; i < n; ++i) m += y[i * d + k];
      m /= from_double<T>(static_cast<double>(n));
      for (std::size_t i = 0; i < n; ++i) y[i * d + k] -= m;
    }
  }
  if (prep.normalize != ntk::normalization::none) {
    const T target = from_double<T>(prep.normalize == ntk::normalization::sphere ? static_cast<double>(d) : 1.0);
    for (std::size_t i = 0; i < n; ++i) {
      T a = from_double<T>(0);
      for (std::size_t k = 0; k < d; ++k) a += y[i * d + k] * y[i * d + k];
      const T f = sqrt_of<T>(target / a);
      for (std::size_t k = 0; k < d; ++k) y[i * d + k] *= f;
    }
  }
  return y;
}

// The gradient of the scalar network output at row x with respect to every parameter, in the order
// W_1 (row-major), b_1, W_2, b_2, ... (biases only when present). σ'(0) = 0.
template <class T>
std::vector<T> gradient(const ntk::network& net, const T* x) {
  const std::size_t L = net.depth();
  std::vector<std::vector<T>> f(L), g(L + 1);  // f[l] = f_l (l = 0..L-1), g[l] = pre-activation of layer l
  f[0].assign(x, x + net.widths[0]);
  for (std::size_t l = 1; l <= L; ++l) {
    const std::size_t nin = net.cols(l), nout = net.rows(l);
    g[l].assign(nout, from_double<T>(0));
    for (std::size_t j = 0; j < nout; ++j) {
      T acc = from_double<T>(net.has_biases ? net.b(l)[j] : 0.0);
      for (std::size_t k = 0; k < nin; ++k) acc += from_double<T>(net.W(l)[j * nin + k]) * f[l - 1][k];
      g[l][j] = acc;
    }
    if (l < L) {
      f[l].resize(nout);
      for (std::size_t j = 0; j < nout; ++j) f[l][j] = g[l][j] > 0 ? g[l][j] : from_double<T>(0);
    }
  }
  // delta[l][j] = ∂f/∂g_l[j].
  std::vector<std::vector<T>> delta(L + 1);
  delta[L].assign(1, from_double<T>(1));
  for (std::size_t l = L - 1; l >= 1; --l) {
    const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
    delta[l].assign(nl, from_double<T>(0));
    for (std::size_t k = 0; k < nl; ++k) {
      if (!(g[l][k] > 0)) continue;
      T acc = from_double<T>(0);
      for (std::size_t j = 0; j < nup; ++j) acc += from_double<T>(net.W(l + 1)[j * nl + k]) * delta[l + 1][j];
      delta[l][k] = acc;
    }
    if (l == 1) break;
  }
  std::vector<T> grad;
  for (std::size_t l = 1; l <= L; ++l) {
    const std::size_t nin = net.cols(l), nout = net.rows(l);
    for (std::size_t j = 0; j < nout; ++j)
      for (std::size_t k = 0; k < nin; ++k) grad.push_back(delta[l][j] * f[l - 1][k]);
    if (net.has_biases)
      for (std::size_t j = 0; j < nout; ++j) grad.push_back(delta[l][j]);
  }
  return grad;
}

// The hidden features f_k(x) (k = 0..L-1) and the backward vectors b_l(x) = ∂f/∂g_l (l = 1..L) of
// one row, read off the explicit gradient: the weights of layer l have gradient b_l ⊗ f_{l-1}, so
// with a nonzero f_{l-1} entry m, b_l[j] = grad(W_l[j][m]) / f_{l-1}[m]; computed here directly by
// the same textbook recursion as gradient() (forward, then backward).
template <class T>
void features_and_backward(const ntk::network& net, const T* x, std::vector<std::vector<T>>& f,
                           std::vector<std::vector<T>>& delta) {
  const std::size_t L = net.depth();
  f.assign(L, {});
  std::vector<std::vector<T>> g(L + 1);
  f[0].assign(x, x + net.widths[0]);
  for (std::size_t l = 1; l < L; ++l) {
    const std::size_t nin = net.cols(l), nout = net.rows(l);
    g[l].assign(nout, from_double<T>(0));
    f[l].assign(nout, from_double<T>(0));
    for (std::size_t j = 0; j < nout; ++j) {
      T acc = from_double<T>(net.has_biases ? net.b(l)[j] : 0.0);
      for (std::size_t k = 0; k < nin; ++k) acc += from_double<T>(net.W(l)[j * nin + k]) * f[l - 1][k];
      g[l][j] = acc;
      f[l][j] = acc > 0 ? acc : from_double<T>(0);
    }
  }
  delta.assign(L + 1, {});
  delta[L].assign(1, from_double<T>(1));
  for (std::size_t l = L - 1; l >= 1; --l) {
    const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
    delta[l].assign(nl, from_double<T>(0));
    for (std::size_t k = 0; k < nl; ++k) {
      if (!(g[l][k] > 0)) continue;
      T acc = from_double<T>(0);
      for (std::size_t j = 0; j < nup; ++j) acc += from_double<T>(net.W(l + 1)[j * nl + k]) * delta[l + 1][j];
      delta[l][k] = acc;
    }
    if (l == 1) break;
  }
}

// K̄ = J Jᵀ, row-major n x n.
template <class T>
std::vector<T> reference_kernel(const ntk::network& net, const ntk::dataset& x, const ntk::preprocessing& prep) {
  const std::vector<T> rows = ref_rows<T>(x, prep);
  std::vector<std::vector<T>> J(x.n);
  for (std::size_t i = 0; i < x.n; ++i) J[i] = gradient<T>(net, rows.data() + i * x.d);
  std::vector<T> K(x.n * x.n);
  for (std::size_t i = 0; i < x.n; ++i)
    for (std::size_t j = 0; j < x.n; ++j) {
      T acc = from_double<T>(0);
      for (std::size_t p = 0; p < J[i].size(); ++p) acc += J[i][p] * J[j][p];
      K[i * x.n + j] = acc;
    }
  return K;
}

// A network with Gaussian weights of standard deviation sd[l] (std::normal_distribution: test data
// only; the claims are about the doubles whatever made them), optional Gaussian biases.
inline ntk::network random_test_network(const std::vector<std::size_t>& widths, std::uint64_t seed, bool biases,
                                        double scale = 1.0) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  ntk::network net;
  net.source = "test";
  net.widths = widths;
  net.has_biases = biases;
  for (std::size_t l = 1; l < widths.size(); ++l) {
    const double sd = scale * std::sqrt(2.0 / static_cast<double>(widths[l - 1]));
    std::vector<double> W(widths[l] * widths[l - 1]);
    for (double& w : W) w = sd * z(gen);
    net.weights.push_back(W);
    std::vector<double> b;
    if (biases) {
      b.resize(widths[l]);
      for (double& v : b) v = 0.3 * z(gen);
    }
    net.biases.push_back(b);
  }
  return net;
}

inline ntk::dataset random_test_data(std::size_t n, std::size_t d, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  ntk::dataset x;
  x.source = "test";
  x.sha256 = std::string(64, '0');
  x.n = n;
  x.d = d;
  x.x.resize(n * d);
  for (double& v : x.x) v = scale * z(gen);
  return x;
}

}  // namespace emp_test
