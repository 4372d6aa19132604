// The double tier's K^(L) computed panel by panel straight into a lean midpoint-radius store:
// no dense geometry, no dense interval matrix (docs/numerics.md, "Memory-lean double tier").
//
// Panels of rows [i0, i1) go to std::thread workers (largest first; no OpenMP team). A worker forms
// the Gram entries of its panel against rows [0, i1) by one single-threaded BLAS call
// (row_geometry::gram_block; OpenBLAS is set to one thread meanwhile, so that no idle BLAS thread
// spins against the workers), then encloses every entry (i, j), j <= i, by the library's entry
// code — row_geometry::pair (the same per-pair formulas as geometry_compute), khat_of_pair (the
// recursion of ntk_compute), the scale ‖x̃_i‖‖x̃_j‖ and the convention factor — and adds the radii
// to its own row sums. Memory: the store (n² + 2n doubles), the row geometry (O(n d)) and one panel
// of Gram values per worker.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "data/dataset.hpp"
#include "interval/interval.hpp"
#include "kernel/convention.hpp"
#include "linalg/dense.hpp"
#include "linalg/lambda_min_lean.hpp"

namespace ntk {

struct tile_options {
  unsigned threads = 0;     // workers for the entries; 0: std::thread::hardware_concurrency()
  std::size_t panel = 256;  // rows per panel (any value >= 1; need not divide n)
};

// The number of workers `threads` = 0 stands for (at least 1).
unsigned default_kernel_threads();

// The interval matrix K^(L)·f (f the convention's factor) of the exactly preprocessed rows in the
// lean midpoint-radius form of linalg/lambda_min_lean.hpp, without the off-diagonal radii themselves:
//   K_ii ∈ [mid_ii, mid_ii + diag_rad_i]   (the diagonal stored at its LOWER endpoint),
//   |K_ij - mid_ij| <= rad_ij (i != j) with  Σ_{j != i} rad_ij <= rad_rowsum_i,
// i.e. K ∈ X(store). store.S.rad stays empty.
struct kernel_midrad {
  lean_midrad store;
  std::string method;  // the Gram route (row_geometry.hpp)
};

// Computes the store for K^(depth) of ds under pre and the convention. Guarantee: every entry
// satisfies the inclusions above for the exact kernel (each entry is enclosed by the same
// validated arithmetic as ntk_compute on geometry_compute, and the midpoint/radius conversion is
// rounded outward). Throws as row_geometry_compute (data_error for non-finite values or vanishing
// rows; std::runtime_error when the floating-point environment is not binary64 round-to-nearest,
// checked in every worker too) and std::invalid_argument for a depth outside [1, ntk_max_depth].
// Progress: stage "kernel tiles".
kernel_midrad ntk_kernel_midrad(const dataset& ds, const preprocessing& pre, int depth, kernel_convention conv,
                                progress_sink& progress, const tile_options& opt = {});

// The same entries as a dense symmetric interval matrix (entry (i, j) is exactly the enclosure the
// store above is formed from): for tests and small n. Same guarantee and exceptions.
dense_matrix<dinterval> ntk_kernel_tiles_dense(const dataset& ds, const preprocessing& pre, int depth,
                                               kernel_convention conv, progress_sink& progress,
                                               const tile_options& opt = {});

}  // namespace ntk
