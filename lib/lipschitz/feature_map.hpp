// Lipschitz ratios of the infinite-width feature maps on a data set (docs/math.md §6, last item).
//
// For the exactly preprocessed rows x̃_1..x̃_N (lib/kernel/geometry.hpp) and the paper-convention
// kernels of docs/math.md §2, with D_ij = ‖x̃_i − x̃_j‖² and layer l = 1..L:
//
//   NNGP ratio   r_l   = max_{i≠j, D_ij>0} (G^(l)_ii + G^(l)_jj − 2G^(l)_ij) / D_ij
//                (the squared Lipschitz ratio of the NNGP feature map on the data; docs/math.md §6 says
//                 r_l ≤ 1, i.e. the map is 1-Lipschitz)
//   NTK ratio    k_l   = max_{i≠j, D_ij>0} (K^(l)_ii + K^(l)_jj − 2K^(l)_ij) / D_ij
//                (unbounded near the diagonal: the NTK feature map is not Lipschitz)
//   NTK Hölder-½ h_l   = max_{i≠j, D_ij>0} (K^(l)_ii + K^(l)_jj − 2K^(l)_ij) / √D_ij
//
// How the enclosures stay tight near the diagonal (where every ratio is a quotient of two small
// numbers). With n_i = ‖x̃_i‖, s = n_i n_j, q = (n_i − n_j)² and δ^(l) = 1 − ρ^(l) (the kernel's
// correlation complement, kept relatively accurate by relu_map):
//   D        = q + 2s δ^(1); for --normalize none also s_data² Σ_k (x_ik − x_jk)² from the stored
//              doubles (the centring cancels in differences), and the two enclosures are met;
//   N_l      = G_ii + G_jj − 2G_ij = q + 2s δ^(l) = D − 2s γ_l,   γ_l = δ^(1) − δ^(l)
//              = Σ_{m=2}^{l} g(θ^(m−1))/π,  g(θ) = sin θ − θ cos θ,  θ^(m) = arccos ρ^(m),
//              so  N_l/D = 1 − 2sγ_l/D  with γ_l enclosed term by term (g is increasing in δ, so each
//              term is enclosed by its values at the two endpoints of the δ enclosure, g by its
//              series for small θ): 1 − r_l keeps the relative accuracy of δ;
//   M_l      = K_ii + K_jj − 2K_ij = l q + 2s E_l,   E_l = l − K̂^(l) with
//              E_1 = δ^(1),  E_l = δ^(l) + (l−1) θ^(l−1)/π + E_{l−1} κ₀(ρ^(l−1))  (all terms ≥ 0),
//              from K̂^(l) = ρ^(l) + K̂^(l−1) κ₀(ρ^(l−1)) and 1 − κ₀ = θ/π.
// Every number is enclosed; no step uses the inequality r_l ≤ 1 that is being checked.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "base/progress.hpp"
#include "interval/minterval.hpp"

namespace ntk {

// An enclosure [lower, upper] of a maximum over pairs, and the pair (0-based rows) whose enclosure
// has the largest lower bound (a witness: its own ratio is at least `lower`).
struct ratio_bound {
  mreal lower, upper;
  std::size_t i = 0, j = 0;
};

struct feature_map_layer {
  int l = 0;
  ratio_bound nngp;         // contains r_l   (G^(l), ‖·‖²)
  ratio_bound ntk;          // contains k_l   (K^(l), ‖·‖²)
  ratio_bound ntk_holder;   // contains h_l   (K^(l), ‖·‖)
};

struct feature_map_result {
  std::vector<feature_map_layer> layers;  // l = 1..L
  std::size_t pairs = 0;             // pairs i < j
  std::size_t identical_pairs = 0;   // pairs with D_ij = 0 proven (skipped: no ratio is defined)
  std::size_t unresolved_pairs = 0;  // pairs whose D enclosure contains 0 without being 0 (every
                                     // upper bound is then +inf)
  long precision_bits = 53;
  std::string method;                // the geometry's Gram method (geometry.hpp)
};

// Computes the enclosures above for rows ds under pre, layers 1..depth (1 <= depth <= 64, else
// std::invalid_argument), in the double tier (bits <= 53) or in MPFI at `bits` bits (the caller's
// working precision is changed and left at `bits`).
// Guarantee: for every layer, nngp / ntk / ntk_holder contain the maxima r_l, k_l, h_l over the
// pairs with D_ij > 0, provided unresolved_pairs == 0 (otherwise the upper bounds are +inf and the
// lower bounds are still valid). If every pair is identical, all bounds are [0, 0] with i = j = 0
// and the maxima are over an empty set (callers report that). Throws data_error for zero rows
// (geometry_compute). Reports progress under "feature map". OpenMP over rows.
feature_map_result feature_map_ratios(const dataset& ds, const preprocessing& pre, int depth, long bits,
                                      progress_sink& progress);

}  // namespace ntk
