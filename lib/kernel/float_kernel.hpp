// The uncertified kernel "as popular code computes it", in float or double: no guarantee at all.
// It is what `certify` reports under "float64" / "float32", for comparison with the enclosures.
//
// Steps, all in T with round-to-nearest and libm:
//   rows x_i·(scale_num/scale_den) (cast to T, then divided by scale_den, times scale_num);
//   --center: subtract the column mean (sum in T, divided by n); --normalize: multiply each row by
//   √d/‖x_i‖ or 1/‖x_i‖ computed in T; Gram matrix by BLAS (ssyrk / dsyrk);
//   then for every pair, including the diagonal, with a = G_ii, b = G_jj, c = G_ij:
//     acos variant (default):  ρ = clip(c/√(ab), -1, 1), θ = acos ρ,
//                              G' = √(ab)(√(1-ρ²) + (π-θ)ρ)/π,  Ġ' = (π-θ)/π
//     atan2 variant (neural-tangents style): s = √max(ab - c², 0), θ = atan2(s, c),
//                              G' = (s + (π-θ)c)/π,  Ġ' = (π-θ)/π
//     K' = G' + K·Ġ'   (K^(1) = G^(1) = XXᵀ).
#pragma once

#include "data/dataset.hpp"
#include "kernel/ntk.hpp"
#include "linalg/dense.hpp"

namespace ntk {

struct float_kernel_options {
  bool use_atan2 = false;
};

// The matrix `which` at `layer` (1 <= layer <= depth <= ntk_max_depth; Gdot needs layer >= 2), in
// the paper convention, computed as described above. n x n, symmetric. Throws
// std::invalid_argument on a bad depth/layer. T is float or double.
template <class T>
dense_matrix<T> float_kernel_matrix(const dataset& ds, const preprocessing& pre, int depth, kernel_which which,
                                    int layer, const float_kernel_options& opt = {});

// K^(depth) (shorthand for the above with which = K, layer = depth).
template <class T>
dense_matrix<T> float_ntk(const dataset& ds, const preprocessing& pre, int depth,
                          const float_kernel_options& opt = {}) {
  return float_kernel_matrix<T>(ds, pre, depth, kernel_which::K, depth, opt);
}

extern template dense_matrix<float> float_kernel_matrix<float>(const dataset&, const preprocessing&, int,
                                                               kernel_which, int, const float_kernel_options&);
extern template dense_matrix<double> float_kernel_matrix<double>(const dataset&, const preprocessing&, int,
                                                                 kernel_which, int, const float_kernel_options&);

}  // namespace ntk
