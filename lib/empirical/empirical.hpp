// Certified λ_min of the empirical NTK K̄ = JJᵀ of a concrete ReLU network on concrete rows
// (docs/math.md §1, §5), with the per-layer decomposition bounds and the infinite-width prediction.
//
// Library entry point: empirical_lambda_min(job, progress). Typical use (e.g. a Figure-2 style
// experiment):
//     ntk::empirical_job job;
//     job.net = &net;                 // n_L = 1 (network_select_output for one output of many)
//     job.data = &data; job.prep = {};  // rows and their exact preprocessing
//     job.beta_sq = ntk::init_beta_sq(net);   // known initialisation scales, or leave empty
//     ntk::empirical_outcome out = ntk::empirical_lambda_min(job, progress);
//     // out.lambda.lower <= λ_min(K̄) <= out.lambda.upper, certified when out.lambda.certified
//
// Guarantees (every enclosure below contains its exact value for the network's doubles and the
// exactly preprocessed rows):
//   lambda      λ_min(K̄), with escalation from the binary64 tier (BLAS midpoint-radius,
//               empirical_kernel_fast) to MPFI at 128, 256, … bits (entrywise, empirical_kernel)
//               until the relative width meets rtol; exact zeros proven structurally (identical
//               rows, proportional rows without biases, a zero Jacobian row, N > P).
//   layers[k]   λ_min(F_kF_kᵀ) and min_i ‖b_{k+1}(x_i)‖², k = 0..L-1 (enclosures wider than rtol
//               are recomputed in MPFI when that is cheap: max_layer_mpfi_operations).
//   schur       Jlb = Σ_k λ_min(F_kF_kᵀ)·min_i‖b_{k+1}(x_i)‖² (a lower bound of λ_min(K̄) by Schur;
//               with biases still valid since the bias terms only add PSD matrices); `holds` says
//               whether Jlb <= λ_min(K̄) was decided from the enclosures.
//   diagonal_min min_i K̄_ii (Jub, an upper bound of λ_min(K̄)).
//   infinite    (only when beta_sq is given, no biases) λ_min of the limit matrix
//               (∏_{l<L} n_l/2)·Σ_l (∏_{m≠l} β_m²)·G^(l)∘Ġ^(l+1)∘…∘Ġ^(L) of docs/math.md §5 for these
//               widths and β, and the relative Frobenius distance of K̄ to it (float, from midpoints).
//   activations pre-activations decided exactly (σ'(0) = 0 for exact zeros); `undecided` must be 0
//               for `lambda.certified`.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "base/progress.hpp"
#include "empirical/empirical_kernel.hpp"
#include "interval/minterval.hpp"
#include "network/network.hpp"

namespace ntk {

// β_l² as an exact fraction num/den, l = 1..L.
struct beta_square {
  double num = 1, den = 1;
};

// The initialisation scales of a `random:...&init=he|lecun|normal` network (β_l² = 2/n_{l-1},
// 1/n_{l-1}, 1), read from net.source; nullopt for any other source (a file: β is not known).
std::optional<std::vector<beta_square>> init_beta_sq(const network& net);

struct empirical_job {
  const network* net = nullptr;  // n_L must be 1
  const dataset* data = nullptr;
  preprocessing prep;
  precision_policy precision;
  double rtol = 1e-6;
  bool layers = true;            // per-layer Gram λ_min, backward norms, Schur bound
  bool infinite_width = true;    // the limit matrix, when beta_sq is known
  std::optional<std::vector<beta_square>> beta_sq;
  // The MPFI tier is skipped when its estimated cost (interval operations) exceeds this.
  double max_mpfi_operations = 4e8;
  // Per-layer Gram enclosures wider than rtol are recomputed in MPFI only below this cost.
  double max_layer_mpfi_operations = 3e7;
};

enum class bound_verdict { holds, fails, undecided };
const char* bound_verdict_name(bound_verdict v);

struct mbound {
  mreal lower, upper;
};

struct empirical_layer {
  std::size_t k = 0;
  mbound gram_lambda_min;     // λ_min(F_kF_kᵀ)
  bool gram_certified = false;
  std::string gram_note;      // e.g. "exactly 0: n_k < N"
  mbound backward_min_sq;     // min_i ‖b_{k+1}(x_i)‖²
  mbound term;                // gram_lambda_min · backward_min_sq (the layer's share of Jlb)
};

struct empirical_infinite {
  bool computed = false;
  std::string note;           // why not computed
  mbound lambda_min;
  bool lambda_certified = false;
  double relative_frobenius_distance = 0;  // ‖K̄ − K∞‖_F / ‖K∞‖_F from midpoints (float)
};

struct empirical_outcome {
  ntk_outcome lambda;         // λ_min(K̄); float64_lambda_min is the midpoint-matrix estimate
  std::vector<empirical_layer> layers;
  bool layers_computed = false;
  mbound schur;
  bound_verdict schur_holds = bound_verdict::undecided;
  mbound diagonal_min;
  bound_verdict diagonal_holds = bound_verdict::undecided;
  empirical_infinite infinite;
  activation_counts activations;
  std::string method;         // method of the kernel that gave the reported enclosure
  std::size_t parameters = 0; // P = number of weights (and biases)
  double kernel_seconds = 0;  // building K̄ in the binary64 tier
  double layers_seconds = 0, infinite_seconds = 0;
};

// See the header comment. Throws std::invalid_argument when n_L != 1 or n_0 != d, data_error for
// rows that are zero after preprocessing (their angles, and a normalisation, are undefined).
empirical_outcome empirical_lambda_min(const empirical_job& job, progress_sink& progress);

}  // namespace ntk
