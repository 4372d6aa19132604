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

// The binary64 tier's khat_of_pair (same guarantee): the same recursion with the product by κ₀ ⊂
// [0, 1] taken at known endpoints instead of the four-product minimum and maximum.
inline dinterval khat_of_pair(correlation<dinterval> c, int depth, const relu_constants<dinterval>& cst) {
  dinterval khat = c.rho;
  for (int l = 2; l <= depth; ++l) {
    const relu_image<dinterval> r = relu_map(c, cst);
    const dinterval& k0 = r.kappa0;  // ⊂ [0, 1]
    const double plo = khat.lo >= 0 ? khat.lo * k0.lo : khat.lo * k0.hi;
    const double phi = khat.hi >= 0 ? khat.hi * k0.hi : khat.hi * k0.lo;
    const double lmax = static_cast<double>(l);
    const dinterval sum(round_down(round_down(plo) + r.kappa1.rho.lo), round_up(round_up(phi) + r.kappa1.rho.hi));
    khat = intersect(sum, -lmax, lmax);
    c = r.kappa1;
  }
  return khat;
}

}  // namespace ntk
