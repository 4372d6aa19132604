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

#include <vector>

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

// The Rayleigh quotient v'Kv / v'v of K = K^(depth) · 2^-pow2 / divisor (the double-precision
// kernel above, acos variant, each entry scaled as ldexp(K_ij, -pow2) / divisor), without forming
// the n x n matrix: the rows of K are computed panel by panel on `threads` workers (0: one per
// core), each entry by the same expressions as float_kernel_matrix<double>. It differs from
// rayleigh_float(float_ntk<double>(...)) only in summation order: the Gram entries come from
// row-panel dgemm calls (not one dsyrk) and ‖x_i‖² from ddot, and the quadratic form is summed as
// Σ K_ii v_i² + 2 Σ_{j<i} v_i K_ij v_j; and in acos: on AVX-512 machines the off-diagonal entries
// are computed eight at a time with libmvec's vector acos (within 4 ulp of acos, float_acos.hpp)
// instead of std::acos. No guarantee (plain floating point). NaN when v.size() != n
// or n = 0. Throws std::invalid_argument for a depth outside [1, ntk_max_depth].
double float_ntk_rayleigh(const dataset& ds, const preprocessing& pre, int depth, const std::vector<double>& v,
                          int pow2 = 0, double divisor = 1, unsigned threads = 0);

extern template dense_matrix<float> float_kernel_matrix<float>(const dataset&, const preprocessing&, int,
                                                               kernel_which, int, const float_kernel_options&);
extern template dense_matrix<double> float_kernel_matrix<double>(const dataset&, const preprocessing&, int,
                                                                 kernel_which, int, const float_kernel_options&);

}  // namespace ntk
