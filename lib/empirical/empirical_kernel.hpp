// The empirical NTK Gram matrix of a concrete ReLU network on concrete rows (docs/math.md §1, §5), as an
// interval matrix over either tier, without ever forming the N x P Jacobian:
//
//     K̄ = J Jᵀ = Σ_{k=0}^{L-1} (F_k F_kᵀ [+ 1 1ᵀ]) ∘ (B_{k+1} B_{k+1}ᵀ)
//
// for the network exactly as stored (W_l of shape n_l x n_{l-1}, out x in; docs/math.md §1 writes the
// transpose), f(x) = W_L σ(… σ(W_1 x + b_1) …) + b_L with scalar output (n_L = 1; see
// network_select_output), F_0 = X̃ the exactly preprocessed rows, F_k = σ(G_k) the hidden features,
// B_L = 1, B_l = Σ_l ∘ (B_{l+1} W_{l+1}) the backward vectors (rows b_l(x_i)ᵀ), σ'(0) = 0.
// Biases: when the network has them, ∂f/∂b_l = b_l(x) adds B_l B_lᵀ for every l, which is the
// "+ 1 1ᵀ" inside each term (the features augmented by a constant 1). F_k F_kᵀ itself, as reported
// per layer, never includes it.
//
// Signs of pre-activations are decided rigorously: an enclosure that is not strictly positive or
// strictly negative is decided by an exact forward pass of that row (exact_forward.hpp, GMP
// integers, values in Q(√(t‖Y‖²))); exact zeros take σ'(0) = 0 and are counted.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "linalg/dense.hpp"
#include "network/network.hpp"

namespace ntk {

struct activation_counts {
  std::size_t undecided = 0;    // pre-activations whose sign could not be decided (0 for a certified result)
  std::size_t exact_zeros = 0;  // pre-activations proven exactly 0 (σ'(0) = 0 used)
  std::size_t refined = 0;      // pre-activations decided by the exact forward pass
  std::size_t rows_refined = 0; // rows for which the exact forward pass ran
};

template <class I>
struct empirical_parts {
  std::size_t n = 0;  // rows N
  std::size_t depth = 0;  // L
  // n x n, symmetric: entry (i,j) contains K̄_ij.
  dense_matrix<I> K;
  // k = 0..L-1: n x n, entry (i,j) contains (F_k F_kᵀ)_ij (no bias augmentation).
  std::vector<dense_matrix<I>> feature_gram;
  // k = 0..L-1: entry i contains ‖b_{k+1}(x_i)‖² (= 1 for k = L-1).
  std::vector<std::vector<I>> backward_sq;
  // k = 0..L-1: row i of F_k is proven exactly zero.
  std::vector<std::vector<char>> zero_feature_rows;
  // k = 0..L-1: columns of F_k not proven exactly zero (rank(F_kF_kᵀ) <= this).
  std::vector<std::size_t> live_feature_columns;
  activation_counts activations;
  std::string method;  // "entrywise" or "blas-midrad"
};

// The network with output j only (n_L = 1): W_L's row j and b_L[j]. Throws std::out_of_range if
// j >= n_L. The sha256 and source are kept (the caller records j).
network network_select_output(const network& net, std::size_t j);

// Contains the exactly preprocessed rows (n x d row-major): x̃_i = T(s·x_i − mean) of
// data/dataset.hpp, enclosed entrywise in I. Throws data_error for a zero row when normalising.
template <class I>
std::vector<I> preprocessed_rows(const dataset& data, const preprocessing& prep);

// Entrywise interval computation, any tier (minterval at the working precision): every enclosure
// contains its exact value. Cost ~ N·P + N²·Σ n_k interval operations: for tests and the precise
// tier. Requires n_L = 1 and n_0 = d (std::invalid_argument otherwise). OpenMP over rows.
template <class I>
empirical_parts<I> empirical_kernel(const network& net, const dataset& data, const preprocessing& prep,
                                    progress_sink& progress);

// The binary64 tier by BLAS: midpoints by dgemm/dsyrk, radii by a-priori bounds (float_error.hpp):
// a product X·Wᵀ with X ∈ [Xm ± Xr] has |X Wᵀ − fl(Xm Wᵀ)| ≤ (γ_q|Xm| + Xr)|W|ᵀ + q·η, the
// nonnegative product on the right bounded from a float32 sgemm of upward-rounded operands
// (its own γ_q of binary32 and a flush-to-zero-safe q·2^-126 term), or by Cauchy–Schwarz
// γ_q‖x_i‖‖w_j‖ when X is exact; Gram matrices take |MMᵀ − fl(Mm Mmᵀ)| ≤ γ_q a_i a_j + a_i c_j +
// c_i a_j + c_i c_j (a = ‖Mm_i‖, c = ‖Mr_i‖, upward). Every entry contains its exact value; same
// sign decisions and counts as the entrywise version.
empirical_parts<dinterval> empirical_kernel_fast(const network& net, const dataset& data,
                                                 const preprocessing& prep, progress_sink& progress);

extern template std::vector<dinterval> preprocessed_rows<dinterval>(const dataset&, const preprocessing&);
extern template std::vector<minterval> preprocessed_rows<minterval>(const dataset&, const preprocessing&);
extern template empirical_parts<dinterval> empirical_kernel<dinterval>(const network&, const dataset&,
                                                                       const preprocessing&, progress_sink&);
extern template empirical_parts<minterval> empirical_kernel<minterval>(const network&, const dataset&,
                                                                       const preprocessing&, progress_sink&);

}  // namespace ntk
