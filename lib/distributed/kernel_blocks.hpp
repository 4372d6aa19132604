// K^(L) computed straight into a 2-D block-cyclic layout: each process computes only the entries
// it owns, and only in the lower triangle (global row >= global column), which is all that a
// lower Cholesky (pdpotrf 'L') and the bounds of lambda_min_dist.hpp read.
//
// Entry code: the library's. For a pair of blocks (I, J) the rows of both blocks, in global order,
// form a small data set whose geometry (norms, correlations ρ, 1 - ρ, 1 + ρ) geometry_compute
// encloses exactly as the single-process path does (kernel/geometry.hpp: the same per-pair
// formulas; only the choice between the exact-integer and the bounded Gram route is made per
// block pair, and a block pair may get the exact route where the whole set would not); then the
// recursion of kernel/ntk.hpp (relu_map per layer, K̂^(l) = κ₁ + K̂^(l-1) κ₀ intersected with
// [-l, l]), the scale pair_scale and the convention factor, entry by entry. Centring is done
// beforehand, exactly (centre_exactly), so that the blocks need no global mean.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "distributed/block_cyclic.hpp"
#include "kernel/convention.hpp"

namespace ntk::distributed {

// The exactly centred rows as a data set without centring: row i becomes N x_i - Σ_j x_j (in units
// of a common power of two of the values, so every value is an exact integer) and the scale is
// divided by N, so that scale' · row'_i = scale · (x_i - mean) exactly. Returns false (and leaves
// out untouched) when that is not exact in binary64: a centred value or N · scale_den would need
// more than 53 bits (e.g. arbitrary decimals; pixel data always fit).
bool centre_exactly(const dataset& in, dataset& out);

// The local part of the interval matrix K^(L) · f (f the convention's factor) in midpoint-radius
// form, lower triangle only.
struct local_kernel {
  block_cyclic layout;
  // Column-major, layout.local_size() doubles. Entry (i, j) with i >= j global: the midpoint; on the
  // diagonal the LOWER endpoint (as linalg/midrad.hpp). Entries with i < j are 0 (not referenced).
  std::vector<double> mid;
  // Partial radius row sums over this process's entries, mirrored: for every owned (i, j), i > j,
  // rad_ij is added (rounding up) to rowsum[i] and to rowsum[j]. Length N. The true row sums of
  // the off-diagonal radius are the sums of these vectors over all processes.
  std::vector<double> rad_rowsum;
  double max_diag_rad = 0;   // max over owned diagonal entries of (upper - lower), rounded up
  bool finite = true;        // false: some owned entry has a non-finite endpoint
  std::size_t pairs = 0;     // entries computed
  std::vector<std::string> methods;  // geometry methods used (distinct)
};

// Computes the owned entries of K^(depth) of x (no centring here: pass the output of centre_exactly
// when centring is wanted) under prep.normalize, scaled by the convention's factor. Every owned
// lower-triangle entry (i, j) satisfies mid_ij - rad_ij <= K_ij <= mid_ij + rad_ij off the diagonal
// and mid_ii <= K_ii <= mid_ii + rad_ii on it, for the exact kernel of the exactly preprocessed
// rows. OpenMP over block pairs (BLAS is expected to run single-threaded meanwhile). Throws
// data_error as geometry_compute does (zero rows, non-finite values).
local_kernel compute_local_kernel(const dataset& x, const preprocessing& prep, int depth,
                                  kernel_convention convention, const block_cyclic& layout);

}  // namespace ntk::distributed
