// The double tier's geometry held per row, O(N d) memory: everything a correlation needs except
// the Gram entries, which are formed block by block on demand (gram_block, BLAS). The dense
// geometry (geometry.hpp) of the double tier and the tile-by-tile kernel (ntk_tiles.hpp) are both
// built on it, so every pair gets the same enclosure either way.
//
// Routes (geometry.hpp describes them in full):
//   exact-integer  every value is 2^E times an integer, the centred integer rows z_i = N x_i - Σ_j x_j
//                  (or x_i without centring) fit 53 bits and ‖z_i‖² <= 2^53 for every row; then every
//                  partial sum of <z_i, z_j> is an integer of magnitude <= ‖z_i‖‖z_j‖ <= 2^53
//                  (Cauchy–Schwarz), so BLAS forms each Gram entry exactly in any order, FMA or not.
//   bounded        otherwise: BLAS on the midpoints of enclosures y of the centred rows plus the
//                  a-priori bound  |fl(ỹ_iᵀỹ_j) - ỹ_iᵀỹ_j| <= γ_{d+8}‖ỹ_i‖‖ỹ_j‖ + 2d·2^-1074 and
//                  |ỹ_iᵀỹ_j - y_iᵀy_j| <= ‖ỹ_i‖‖r_j‖ + ‖r_i‖‖ỹ_j‖ + ‖r_i‖‖r_j‖ (r = radius of y);
//                  nearly (anti)parallel pairs refined (pair_correlation.hpp, refine_pair).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "interval/interval.hpp"
#include "kernel/correlation.hpp"

namespace ntk {

// Every stored value is 2^E times an integer of fewer than W bits.
struct integer_form {
  bool any_nonzero = false;
  int E = 0;  // exponent of the least significant bit over all nonzero values
  int W = 0;  // |x| < 2^(E + W) for every value
};
integer_form find_integer_form(const dataset& ds);

// The exactly centred integer rows: z_i = N·2^-E x_i - Σ_j 2^-E x_j with --center, 2^-E x_i without,
// as doubles holding exact integers, when ok. True Gram of the centred rows y (before the scale s):
// <y_i, y_j> = 2^two_e <z_i, z_j> / (over_n2 ? N² : 1). ok requires |z_ik| < 2^53 and
// ‖z_i‖² <= 2^53 for every row (then BLAS Gram entries of z are exact, see above); sq[i] = ‖z_i‖².
struct exact_integer_rows {
  bool ok = false;
  std::vector<double> z;  // n x d row-major
  std::vector<std::int64_t> sq;
  long two_e = 0;
  bool over_n2 = false;
};
exact_integer_rows try_exact_integer_rows(const dataset& ds, const preprocessing& pre, const integer_form& f);

class row_geometry {
 public:
  std::size_t n = 0, d = 0;
  std::string method;  // "exact-integer" or "bounded"
  // norm[i] ∋ ‖x̃_i‖, sqnorm[i] ∋ ‖x̃_i‖² of the exactly preprocessed rows (sphere: [d, d]).
  std::vector<dinterval> norm, sqnorm;
  bool uniform_norm = false;

  // out[(i - i0)·ld + (j - j0)] = the Gram value of rows i in [i0, i1), j in [j0, j1) as
  // pair() expects it (exact route: the exact integer <z_i, z_j>; bounded: fl of the midpoints).
  // BLAS dgemm; with upper_only (the two ranges must coincide) dsyrk, writing only j >= i.
  void gram_block(std::size_t i0, std::size_t i1, std::size_t j0, std::size_t j1, double* out,
                  std::size_t ld, bool upper_only = false) const;
  // The correlation of rows i != j from g = their gram_block value: contains ρ_ij, 1 - ρ_ij, 1 + ρ_ij
  // of the exactly preprocessed rows. Thread-safe (reads only).
  correlation<dinterval> pair(std::size_t i, std::size_t j, double g) const;
  // Contains ‖x̃_i‖·‖x̃_j‖ (pair_scale of geometry.hpp).
  dinterval pair_scale(std::size_t i, std::size_t j) const {
    if (i == j || uniform_norm) return sqnorm[i];
    return norm[i] * norm[j];
  }

  friend row_geometry row_geometry_compute(const dataset& ds, const preprocessing& pre);

 private:
  exact_integer_rows ex_;
  // Bounded route: the rows (the caller's data set, or an exactly rescaled copy, see
  // rescale_exponent), enclosures y of the centred rows, their midpoints, norm bounds of the
  // midpoints and radii, a ∋ ‖y_i‖², sa ∋ √a.
  const dataset* src_ = nullptr;
  bool is_rescaled_ = false;
  dataset rescaled_;
  const dataset& rows() const { return is_rescaled_ ? rescaled_ : *src_; }
  std::vector<dinterval> y_, a_, sa_;
  std::vector<double> ymid_, nrm_, rnrm_;
  double gam_ = 0, under_ = 0;
};

// The row geometry of ds under pre; it refers to ds (bounded route), which must outlive it.
// Guarantees as geometry_compute (geometry.hpp); throws
// data_error for non-finite values or rows that vanish after the preprocessing, and
// std::runtime_error when the floating-point environment is not binary64 round-to-nearest.
row_geometry row_geometry_compute(const dataset& ds, const preprocessing& pre);

}  // namespace ntk
