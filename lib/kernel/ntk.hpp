// The limiting NTK of a deep ReLU network (docs/math.md §2) as an interval matrix, over either tier.
//
// Only correlations evolve: with ρ^(1) = ρ (the data correlations, geometry.hpp),
//   ρ^(l) = κ₁(ρ^(l-1)),   Ġ^(l) = κ₀(ρ^(l-1)),   K̂^(1) = ρ^(1),   K̂^(l) = ρ^(l) + K̂^(l-1) ∘ Ġ^(l),
// and the full-scale matrices are G^(l)_ij = ‖x̃_i‖‖x̃_j‖ ρ^(l)_ij, K^(l)_ij = ‖x̃_i‖‖x̃_j‖ K̂^(l)_ij.
// Diagonals are exact: ρ^(l)_ii = 1, Ġ^(l)_ii = 1, K̂^(l)_ii = l, so K^(l)_ii = l‖x̃_i‖².
// Each entry is mapped by relu_map (relu_maps.hpp), which keeps 1 - ρ^(l) relatively accurate.
#pragma once

#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "kernel/geometry.hpp"
#include "linalg/dense.hpp"

namespace ntk {

inline constexpr int ntk_max_depth = 64;

// Reads the recursion layer by layer without storing all layers.
//
// layer(l, ...) is called for l = 1, ..., L in order, on the calling thread, after layer l is
// complete. All matrices are n x n and symmetric (both triangles filled), in normalised units:
//   rho(i,j)   contains ρ^(l)_ij = G^(l)_ij / (‖x̃_i‖‖x̃_j‖)     (diagonal exactly 1)
//   delta(i,j) contains 1 - ρ^(l)_ij, eps(i,j) contains 1 + ρ^(l)_ij (diagonal exactly 0 and 2)
//   gdot       nullptr for l = 1 (Ġ^(1) does not occur) or when wants_gdot() is false; otherwise
//              gdot(i,j) contains Ġ^(l)_ij = κ₀(ρ^(l-1)_ij) (diagonal exactly 1)
//   khat(i,j)  contains K̂^(l)_ij = K^(l)_ij / (‖x̃_i‖‖x̃_j‖)  (diagonal exactly l)
// Multiply by pair_scale(g, i, j) (geometry.hpp) for full-scale G^(l) and K^(l). The references
// are valid only during the call.
template <class I>
class layer_visitor {
 public:
  virtual ~layer_visitor() = default;
  virtual void layer(int l, const dense_matrix<I>& rho, const dense_matrix<I>& delta, const dense_matrix<I>& eps,
                     const dense_matrix<I>* gdot, const dense_matrix<I>& khat) = 0;
  // Storing Ġ costs one more n x n matrix; visitors that do not read it return false.
  virtual bool wants_gdot() const { return true; }
};

// Returns K^(depth) at full scale: entry (i,j) contains K^(L)_ij of the exactly preprocessed rows.
// Symmetric (computed for i <= j and mirrored); diagonal = L·sqnorm[i] (exact up to the enclosure
// of ‖x̃_i‖²). Requires 1 <= depth <= ntk_max_depth (else std::invalid_argument); n = 0 and n = 1
// work. Reports progress as "layer l/L". OpenMP over rows. Memory besides the geometry: the
// recursion state packed over i < j (four I per pair, five when Ġ is kept) and the result; a
// visitor adds five n x n matrices, refilled per layer.
template <class I>
dense_matrix<I> ntk_compute(const geometry<I>& g, int depth, progress_sink& progress,
                            layer_visitor<I>* visitor = nullptr);

enum class kernel_which { K, G, Gdot };
const char* kernel_which_name(kernel_which w);

// The full-scale matrix `which` at layer `layer` (1 <= layer <= depth <= ntk_max_depth):
//   K: K^(layer)_ij, G: G^(layer)_ij = ‖x̃_i‖‖x̃_j‖ρ^(layer)_ij, Gdot: Ġ^(layer)_ij = κ₀(ρ^(layer-1)_ij)
// (Gdot needs layer >= 2). Each entry contains the exact value. Only layers 1..layer are computed:
// K^(l) does not depend on the total depth. Throws std::invalid_argument on a bad layer/depth.
template <class I>
dense_matrix<I> kernel_matrix(const geometry<I>& g, int depth, kernel_which which, int layer,
                              progress_sink& progress);

extern template dense_matrix<dinterval> ntk_compute<dinterval>(const geometry<dinterval>&, int, progress_sink&,
                                                               layer_visitor<dinterval>*);
extern template dense_matrix<minterval> ntk_compute<minterval>(const geometry<minterval>&, int, progress_sink&,
                                                               layer_visitor<minterval>*);
extern template dense_matrix<dinterval> kernel_matrix<dinterval>(const geometry<dinterval>&, int, kernel_which,
                                                                 int, progress_sink&);
extern template dense_matrix<minterval> kernel_matrix<minterval>(const geometry<minterval>&, int, kernel_which,
                                                                 int, progress_sink&);
extern template dense_matrix<ddinterval> ntk_compute<ddinterval>(const geometry<ddinterval>&, int, progress_sink&,
                                                                 layer_visitor<ddinterval>*);
extern template dense_matrix<ddinterval> kernel_matrix<ddinterval>(const geometry<ddinterval>&, int, kernel_which,
                                                                   int, progress_sink&);

}  // namespace ntk
