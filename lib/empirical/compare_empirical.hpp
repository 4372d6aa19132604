// What plain floating-point code makes of the empirical NTK K̄ = J Jᵀ, against the certified
// answer: the job behind `certify compare --network SPEC`.
//
// Three uncertified computations (no guarantee; what plain code computes on this machine):
//   "float64"           the formula of lib/empirical in binary64: rows preprocessed in double,
//                       forward pass (dgemm), backward vectors, K̄ = Σ_k (F_kF_kᵀ [+1]) ∘ (B_{k+1}B_{k+1}ᵀ),
//                       then all eigenvalues by LAPACK dsyevd;
//   "float32"           the same in binary32 throughout (sgemm, ssyevd);
//   "jacobian-float32"  the explicit Jacobian J (N x P, per-parameter gradients δ_l ⊗ f_{l-1}) in
//                       binary32 and K̄ = J Jᵀ by ssyrk, then ssyevd — only when N·P <= 5·10^7
//                       (otherwise skipped: eigenvalues_done = false).
// The reference: λ_min by empirical_lambda_min (with escalation), the entries by
// empirical_kernel_fast (binary64 tier). Counts and errors as defined in driver/compare.hpp.
#pragma once

#include <string>
#include <vector>

#include "driver/compare.hpp"
#include "empirical/empirical.hpp"

namespace ntk {

struct empirical_compare_outcome {
  empirical_outcome certified;
  double max_entry_width = 0;
  std::vector<float_report> floats;  // float64, float32, jacobian-float32
  std::string jacobian_note;         // why the Jacobian contraction was skipped, if it was
};

// job.layers and job.infinite_width are ignored (not computed). Throws as empirical_lambda_min.
empirical_compare_outcome compare_empirical_floats(const empirical_job& job, progress_sink& progress);

}  // namespace ntk
