// Internal to lib/empirical (not installed): matrices of midpoint-radius rows [m ± r] and their
// BLAS products and Gram matrices with a-priori radius bounds (docs/numerics.md), for the binary64
// tier of the empirical NTK (empirical_kernel_fast.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "interval/dinterval.hpp"
#include "linalg/dense.hpp"

namespace ntk::empirical_detail {

struct midrad_rows {
  std::size_t rows = 0, cols = 0;
  std::vector<double> m, r;  // row-major
  bool exact = false;        // r == 0 everywhere
};

// The rows x cols intervals v (row-major) as midpoints and radii: each [m ± r] contains v[t].
midrad_rows midrad_of(const std::vector<dinterval>& v, std::size_t rows, std::size_t cols);

// Upper bound of the Euclidean norm of the n values v[0], v[stride], ...
double norm_up(const double* v, std::size_t n, std::size_t stride);

// Y = X · op(W), op(W) = Wᵀ (W: p x q, trans) or W (W: q x p): midpoints by dgemm, radii bounding
// the rounding errors and X's radii (empirical_kernel.hpp), so [Y.m ± Y.r] contains every X̂·op(W)
// with X̂ in [X.m ± X.r].
midrad_rows product(const midrad_rows& X, const double* W, std::size_t p, bool trans);

// The Gram matrix M Mᵀ of M ∈ [M.m ± M.r] as a dinterval matrix (both triangles); contains
// M̂ M̂ᵀ for every M̂ in the enclosure, with diagonal lower ends >= 0.
dense_matrix<dinterval> gram_midrad(const midrad_rows& M);

}  // namespace ntk::empirical_detail
