#include "empirical/empirical_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "data/errors.hpp"
#include "empirical/exact_forward.hpp"
#include "empirical/kernel_detail.hpp"

namespace ntk {

network network_select_output(const network& net, std::size_t j) {
  const std::size_t L = net.depth();
  if (L == 0 || j >= net.widths[L]) throw std::out_of_range("network_select_output: output index out of range");
  network r = net;
  const std::size_t nin = net.cols(L);
  r.weights[L - 1].assign(net.W(L).begin() + static_cast<long>(j * nin), net.W(L).begin() + static_cast<long>((j + 1) * nin));
  if (net.has_biases) r.biases[L - 1] = {net.biases[L - 1][j]};
  r.widths[L] = 1;
  return r;
}

namespace {

template <class I>
I from_mpfi(mpfi_srcptr x);
template <>
dinterval from_mpfi<dinterval>(mpfi_srcptr x) {
  return {mpfr_get_d(&x->left, MPFR_RNDD), mpfr_get_d(&x->right, MPFR_RNDU)};
}
template <>
minterval from_mpfi<minterval>(mpfi_srcptr x) {
  minterval r;
  mpfi_set(mpfi_of(r), x);
  return r;
}

}  // namespace

namespace empirical_detail {

void check_shapes(const network& net, const dataset& data) {
  if (net.depth() < 1) throw std::invalid_argument("empirical kernel: the network has no layers");
  if (net.widths[0] != data.d)
    throw std::invalid_argument("empirical kernel: the network's input width " + std::to_string(net.widths[0]) +
                                " differs from the data's d = " + std::to_string(data.d));
  if (net.widths[net.depth()] != 1)
    throw std::invalid_argument("empirical kernel: the network has " + std::to_string(net.widths[net.depth()]) +
                                " outputs; select one (network_select_output)");
}

template <class I>
I exact_value(exact_forward& ex, std::size_t i, std::size_t l, std::size_t j) {
  mpfi_t t;
  mpfi_init2(t, std::max<long>(64, interval_traits<I>::precision_bits() + 8));
  ex.enclose(i, l, j, t);
  I r = from_mpfi<I>(t);
  mpfi_clear(t);
  return r;
}

template dinterval exact_value<dinterval>(exact_forward&, std::size_t, std::size_t, std::size_t);
template minterval exact_value<minterval>(exact_forward&, std::size_t, std::size_t, std::size_t);

}  // namespace empirical_detail

using empirical_detail::check_shapes;
using empirical_detail::exact_value;

template <class I>
std::vector<I> preprocessed_rows(const dataset& data, const preprocessing& prep) {
  using tr = interval_traits<I>;
  const std::size_t n = data.n, d = data.d;
  std::vector<I> y(n * d);
  const I s = tr::point(data.scale_num) / tr::point(data.scale_den);
  if (prep.center) {
    std::vector<I> sigma(d, tr::point(0.0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) sigma[k] = sigma[k] + tr::point(data.x[i * d + k]);
    const double nn = static_cast<double>(n);
    // y = s·(N x − Σ)/N, with N x exact in I when it is in double (it is an interval product anyway).
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) y[i * d + k] = (tr::point(data.x[i * d + k]) * nn - sigma[k]) * s / nn;
  } else {
    for (std::size_t t = 0; t < n * d; ++t) y[t] = tr::point(data.x[t]) * s;
  }
  if (prep.normalize == normalization::none) return y;
  const double target = prep.normalize == normalization::sphere ? static_cast<double>(d) : 1.0;
  const I st = sqrt_nonneg(tr::point(target));
  for (std::size_t i = 0; i < n; ++i) {
    I a = tr::point(0.0);
    bool all_zero = true;
    for (std::size_t k = 0; k < d; ++k) {
      a = a + sqr(y[i * d + k]);
      all_zero = all_zero && lower_d(y[i * d + k]) == 0 && upper_d(y[i * d + k]) == 0;
    }
    if (all_zero)
      throw data_error(data.source + ": row " + std::to_string(data.first_row + i + 1) +
                       " is zero after preprocessing; it cannot be normalised");
    const I f = st / sqrt_nonneg(a);
    for (std::size_t k = 0; k < d; ++k) y[i * d + k] = intersect(y[i * d + k] * f, -std::sqrt(target) * 2, std::sqrt(target) * 2);
  }
  return y;
}

// ---------------------------------------------------------------------------------------------
// Entrywise interval version.

template <class I>
empirical_parts<I> empirical_kernel(const network& net, const dataset& data, const preprocessing& prep,
                                    progress_sink& progress) {
  using tr = interval_traits<I>;
  check_shapes(net, data);
  const std::size_t N = data.n, L = net.depth();
  const long NN = static_cast<long>(N);
  empirical_parts<I> out;
  out.n = N;
  out.depth = L;
  out.method = "entrywise";
  empirical_detail::exact_forward ex(net, data, prep);

  // Forward: feats[k] = F_k (N x n_k), masks[l] = σ'(g_l) for l = 1..L-1.
  std::vector<std::vector<I>> feats(L);
  std::vector<std::vector<char>> masks(L);
  feats[0] = preprocessed_rows<I>(data, prep);
  for (std::size_t l = 1; l < L; ++l) {
    progress.update("empirical: layer " + std::to_string(l) + " forward", double(l) / (2.0 * L));
    const std::size_t nin = net.cols(l), nout = net.rows(l);
    const double* W = net.W(l).data();
    const double* b = net.b(l);
    const std::vector<I>& F = feats[l - 1];
    std::vector<I> G(N * nout);
#pragma omp parallel for schedule(dynamic, 4)
    for (long ii = 0; ii < NN; ++ii) {
      if (progress.stop_requested()) continue;  // the caller discards the result (base/progress.hpp)
      const auto i = static_cast<std::size_t>(ii);
      for (std::size_t j = 0; j < nout; ++j) {
        I acc = tr::point(b ? b[j] : 0.0);
        const double* w = W + j * nin;
        for (std::size_t k = 0; k < nin; ++k)
          if (w[k] != 0) acc = acc + F[i * nin + k] * w[k];
        G[i * nout + j] = acc;
      }
    }
    std::vector<char>& S = masks[l];
    S.assign(N * nout, 0);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < nout; ++j) {
        I& g = G[i * nout + j];
        if (!is_finite(g)) {
          ++out.activations.undecided;
          g = tr::nan();
          continue;
        }
        if (lower_d(g) > 0) {
          S[i * nout + j] = 1;
          g = intersect(g, 0.0, HUGE_VAL);
        } else if (upper_d(g) < 0) {
          g = tr::point(0.0);
        } else {
          ++out.activations.refined;
          const int sg = ex.sign(i, l, j);
          if (sg > 0) {
            S[i * nout + j] = 1;
            g = intersect(exact_value<I>(ex, i, l, j), 0.0, HUGE_VAL);
          } else {
            if (sg == 0) ++out.activations.exact_zeros;
            g = tr::point(0.0);
          }
        }
      }
    feats[l] = std::move(G);
  }
  out.activations.rows_refined = ex.rows_refined();

  // Backward: back[l] = B_l (N x n_l), l = 1..L; B_L = 1.
  std::vector<std::vector<I>> back(L + 1);
  back[L].assign(N, tr::point(1.0));
  for (std::size_t l = L - 1; l >= 1; --l) {
    progress.update("empirical: layer " + std::to_string(l) + " backward", 0.5);
    const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
    const double* W = net.W(l + 1).data();  // nup x nl
    const std::vector<I>& Bu = back[l + 1];
    const std::vector<char>& S = masks[l];
    std::vector<I> B(N * nl, tr::point(0.0));
#pragma omp parallel for schedule(dynamic, 4)
    for (long ii = 0; ii < NN; ++ii) {
      if (progress.stop_requested()) continue;  // the caller discards the result (base/progress.hpp)
      const auto i = static_cast<std::size_t>(ii);
      for (std::size_t k = 0; k < nl; ++k) {
        if (!S[i * nl + k]) continue;
        I acc = tr::point(0.0);
        for (std::size_t j = 0; j < nup; ++j)
          if (W[j * nl + k] != 0) acc = acc + Bu[i * nup + j] * W[j * nl + k];
        B[i * nl + k] = acc;
      }
    }
    back[l] = std::move(B);
    if (l == 1) break;
  }

  // Gram matrices and K̄.
  auto gram = [&](const std::vector<I>& M, std::size_t q) {
    dense_matrix<I> g(N, N);
#pragma omp parallel for schedule(dynamic, 4)
    for (long ii = 0; ii < NN; ++ii) {
      if (progress.stop_requested()) continue;  // the caller discards the result (base/progress.hpp)
      const auto i = static_cast<std::size_t>(ii);
      for (std::size_t j = i; j < N; ++j) {
        I acc = tr::point(0.0);
        if (i == j) {
          for (std::size_t t = 0; t < q; ++t) acc = acc + sqr(M[i * q + t]);
        } else {
          for (std::size_t t = 0; t < q; ++t) acc = acc + M[i * q + t] * M[j * q + t];
        }
        g(i, j) = acc;
      }
    }
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < i; ++j) g(i, j) = g(j, i);
    return g;
  };
  empirical_detail::start_layer_terms(out, N, L, tr::point(0.0));
  for (std::size_t k = 0; k < L; ++k) {
    progress.update("empirical: gram " + std::to_string(k), 0.5 + 0.5 * double(k) / L);
    const std::size_t q = net.widths[k];
    dense_matrix<I> FG = gram(feats[k], q);
    dense_matrix<I> BG = gram(back[k + 1], net.widths[k + 1]);
    const std::vector<I>& F = feats[k];
    empirical_detail::add_layer_term(
        out, k, q, net.has_biases, std::move(FG), BG,
        [&](std::size_t i, std::size_t t) { return lower_d(F[i * q + t]) == 0 && upper_d(F[i * q + t]) == 0; }, false);
  }
  return out;
}
template std::vector<dinterval> preprocessed_rows<dinterval>(const dataset&, const preprocessing&);
template std::vector<minterval> preprocessed_rows<minterval>(const dataset&, const preprocessing&);
template empirical_parts<dinterval> empirical_kernel<dinterval>(const network&, const dataset&, const preprocessing&,
                                                                progress_sink&);
template empirical_parts<minterval> empirical_kernel<minterval>(const network&, const dataset&, const preprocessing&,
                                                                progress_sink&);
}  // namespace ntk
