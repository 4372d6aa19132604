// The geometry of the exactly preprocessed rows: norms and pairwise correlations as enclosures.
//
// The rows the kernel sees are x̃_i = T(s·x_i - mean_j s·x_j) (mean only with --center), where
// s = scale_num/scale_den and T rescales each row to norm √d (sphere), 1 (unit) or leaves it
// (none). Correlations are invariant under s and T, so they are computed from the centred Gram
// matrix of the stored doubles. How that Gram matrix is obtained (recorded in `method`):
//   "exact-integer"  all values are integer multiples of one power of two and the centred integer
//                    rows N·x_i - Σ_j x_j (or the rows themselves) have Gram entries below 2^53: one
//                    BLAS product is exact, and so is everything derived from it up to the final
//                    roundings of ρ, δ, ε (δ = (ab - c²)/(√(ab)(√(ab) + c)) with ab - c² exact).
//   "exact-sliced"   (precise tier) the rows are split into integer slices whose products BLAS
//                    computes exactly; the slices are summed, and the centring applied, in GMP
//                    integers. Same accuracy as above.
//   "bounded"        (double tier otherwise) the Gram matrix of the rounded centred rows from BLAS,
//                    widened by an a-priori bound (γ_d |y_i||y_j| plus the centring error); pairs
//                    with δ or ε below 2^-6 are recomputed from ab - c² = a‖r‖² - <r, y_i>² with
//                    r = y_j - t y_i the component orthogonal to y_i (for t > 0 formed from x_j - x_i,
//                    where the mean cancels): δ (ε) then has an error O(u√δ), so θ = O(√δ) stays
//                    accurate to O(u) even for rows of very different lengths.
//   "interval"       (precise tier, fallback for extreme exponent ranges) interval dot products of
//                    the centred rows at the working precision, with the same refinement.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "kernel/correlation.hpp"
#include "linalg/dense.hpp"

namespace ntk {

template <class I>
struct geometry {
  std::size_t n = 0;
  std::size_t d = 0;
  std::vector<I> norm;    // norm[i] contains ‖x̃_i‖ (sphere: exactly √d as an enclosure; unit: [1, 1])
  std::vector<I> sqnorm;  // sqnorm[i] contains ‖x̃_i‖² (sphere: [d, d]; unit: [1, 1])
  bool uniform_norm = false;  // sphere or unit: every row has the same, exactly known norm
  // n x n, symmetric, diagonal exactly ρ = 1, δ = 0, ε = 2. Off the diagonal rho(i,j) ⊂ [-1, 1]
  // contains ρ_ij = <x̃_i, x̃_j>/(‖x̃_i‖‖x̃_j‖), delta(i,j) ⊂ [0, 2] contains 1 - ρ_ij and
  // eps(i,j) ⊂ [0, 2] contains 1 + ρ_ij, tightened against each other (make_consistent).
  dense_matrix<I> rho, delta, eps;
  std::string method;  // how the Gram matrix was obtained, see above

  correlation<I> pair(std::size_t i, std::size_t j) const { return {rho(i, j), delta(i, j), eps(i, j)}; }
};

// Computes the geometry of ds under pre. I is dinterval (double tier), ddinterval (double-double
// tier, ~106 bits) or minterval (precise tier at the working precision set by
// set_working_precision_bits).
// Guarantee: every enclosure contains its exact value for the exactly transformed rows.
// Throws data_error (via dataset_check_rows) if a transformed row is zero, and data_error if a
// value is not finite; for dinterval, std::runtime_error when the floating-point environment is not
// binary64 round-to-nearest with gradual underflow (require_binary64_environment). n = 0 gives an empty geometry. Reports progress under the stage "gram".
// Threads: OpenMP over rows; BLAS for the Gram products.
template <class I>
geometry<I> geometry_compute(const dataset& ds, const preprocessing& pre, progress_sink& progress);

// Contains ‖x̃_i‖·‖x̃_j‖ (for i == j: ‖x̃_i‖², from sqnorm; for sphere/unit: d or 1 exactly).
template <class I>
I pair_scale(const geometry<I>& g, std::size_t i, std::size_t j) {
  if (i == j || g.uniform_norm) return g.sqnorm[i];
  return g.norm[i] * g.norm[j];
}

extern template geometry<dinterval> geometry_compute<dinterval>(const dataset&, const preprocessing&, progress_sink&);
extern template geometry<minterval> geometry_compute<minterval>(const dataset&, const preprocessing&, progress_sink&);
extern template geometry<ddinterval> geometry_compute<ddinterval>(const dataset&, const preprocessing&, progress_sink&);

}  // namespace ntk
