// Internal to lib/empirical (not installed): what the entrywise kernel (empirical_kernel.cpp) and
// the BLAS kernel (empirical_kernel_fast.cpp) share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "data/dataset.hpp"
#include "empirical/empirical_kernel.hpp"
#include "empirical/exact_forward.hpp"
#include "interval/dinterval.hpp"
#include "interval/minterval.hpp"
#include "network/network.hpp"

namespace ntk::empirical_detail {

// Throws std::invalid_argument unless the network has a layer, n_0 = d and n_L = 1.
void check_shapes(const network& net, const dataset& data);

// Contains the exact pre-activation g_l(x_i)_j, at about the precision of I.
template <class I>
I exact_value(exact_forward& ex, std::size_t i, std::size_t l, std::size_t j);
extern template dinterval exact_value<dinterval>(exact_forward&, std::size_t, std::size_t, std::size_t);
extern template minterval exact_value<minterval>(exact_forward&, std::size_t, std::size_t, std::size_t);

// Sizes out's per-layer members for L layers and sets K to the N x N matrix of `zero`.
template <class I>
void start_layer_terms(empirical_parts<I>& out, std::size_t N, std::size_t L, const I& zero) {
  out.K = dense_matrix<I>(N, N, zero);
  out.feature_gram.resize(L);
  out.backward_sq.resize(L);
  out.zero_feature_rows.resize(L);
  out.live_feature_columns.assign(L, 0);
}

// Adds layer k's term to out, for both kernels: zero_feature_rows[k] (the rows of F_k that are
// exactly 0), live_feature_columns[k] (the columns of F_k not exactly 0 in some row), backward_sq[k]
// (the diagonal of BG = B_{k+1} B_{k+1}ᵀ), K += (FG [+ 1 1ᵀ when the network has biases]) ∘ BG, and
// feature_gram[k] = FG (FG = F_k F_kᵀ). is_zero(i, t): entry (i, t) of F_k (q columns) is exactly 0.
// first_assigns: the binary64 tier's form, where layer 0's term is assigned rather than added to 0
// and entries of BG that are exactly 1 are not multiplied (the same enclosures: both steps are
// exact). out.K must be N x N (zero when !first_assigns).
template <class I, class IsZero>
void add_layer_term(empirical_parts<I>& out, std::size_t k, std::size_t q, bool biases, dense_matrix<I>&& FG,
                    const dense_matrix<I>& BG, IsZero is_zero, bool first_assigns) {
  const std::size_t N = FG.rows;
  out.zero_feature_rows[k].assign(N, 0);
  for (std::size_t i = 0; i < N; ++i) {
    bool z = true;
    for (std::size_t t = 0; t < q && z; ++t) z = is_zero(i, t);
    out.zero_feature_rows[k][i] = z;
  }
  std::vector<char> live(q, 0);
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t t = 0; t < q; ++t)
      if (!is_zero(i, t)) live[t] = 1;
  out.live_feature_columns[k] = static_cast<std::size_t>(std::count(live.begin(), live.end(), 1));
  out.backward_sq[k].resize(N);
  for (std::size_t i = 0; i < N; ++i) out.backward_sq[k][i] = BG(i, i);
  const long NN = static_cast<long>(N);
#pragma omp parallel for schedule(static)
  for (long ii = 0; ii < NN; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    for (std::size_t j = 0; j < N; ++j) {
      const I f = biases ? FG(i, j) + 1.0 : FG(i, j);
      if (first_assigns) {
        const I& bb = BG(i, j);
        const I t = (lower_d(bb) == 1.0 && upper_d(bb) == 1.0) ? f : f * bb;
        out.K(i, j) = k == 0 ? t : out.K(i, j) + t;
      } else {
        out.K(i, j) = out.K(i, j) + f * BG(i, j);
      }
    }
  }
  out.feature_gram[k] = std::move(FG);
}

}  // namespace ntk::empirical_detail
