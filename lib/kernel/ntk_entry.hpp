// One entry of the NTK recursion (ntk.hpp) from its data correlation, for code that computes
// entries independently (tile by tile, block by block) instead of layer by layer over all pairs.
#pragma once

#include "interval/interval.hpp"
#include "kernel/correlation.hpp"
#include "kernel/relu_maps.hpp"

namespace ntk {

// Contains K̂^(depth)_ij = K^(depth)_ij / (‖x̃_i‖‖x̃_j‖) when c contains the data correlation
// ρ_ij, 1 - ρ_ij, 1 + ρ_ij (depth >= 1; the caller checks depth <= ntk_max_depth). The same
// arithmetic as ntk_compute, layer after layer: K̂^(1) = ρ, K̂^(l) = κ₁(ρ^(l-1)) + K̂^(l-1)·κ₀(ρ^(l-1))
// intersected with [-l, l] (|K̂^(l)| <= l: K^(l) is PSD with diagonal l‖x̃_i‖², Cauchy–Schwarz).
template <class I>
I khat_of_pair(correlation<I> c, int depth, const relu_constants<I>& cst) {
  I khat = c.rho;
  for (int l = 2; l <= depth; ++l) {
    const relu_image<I> r = relu_map(c, cst);
    const double lmax = static_cast<double>(l);
    khat = intersect(r.kappa1.rho + khat * r.kappa0, -lmax, lmax);
    c = r.kappa1;
  }
  return khat;
}

}  // namespace ntk
