// Exact forward pass of one data row through a network (docs/math.md §1), to decide ReLU signs that
// interval arithmetic leaves open.
//
// Every value is held exactly as p + q·ρ with p, q rational and ρ = √(t·A) (t = d for sphere, 1 for
// unit normalisation, A = ‖Y‖² for the integer row Y below; q = 0 without normalisation). The
// network's operations are linear maps with exact binary64 coefficients and biases plus ReLU, so
// every pre-activation of every layer lies in Q(ρ) and its sign is decided exactly: sign(p + qρ)
// from the signs of p and q and, when they differ, the exact comparison p² vs q²·t·A.
//
// The row itself: the stored doubles are integers times a common power of two, x = 2^E·X; with the
// reader's scale s = num/den and centring over the N selected rows, the preprocessed row is
//   y = s·(X_i·2^E - mean) = num·(N·X_i - Σ_j X_j)·2^E / (den·N)     (centred)
//   y = num·X_i·2^E / den                                               (not centred)
// and, normalised, x̃ = √t·y/‖y‖ = Y·ρ/A with Y = N·X_i - Σ_j X_j (or X_i) and A = ‖Y‖² (scale-free).
// Rationals are numerator vectors with one common exponent and denominator per part (the
// denominator never changes from layer to layer: weights and biases are dyadic).
#pragma once

#include <gmp.h>
#include <mpfi.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "data/dataset.hpp"
#include "network/network.hpp"

namespace ntk::empirical_detail {

class exact_forward {
 public:
  // net: the network (out x in storage, biases optional); data and prep as in the kernel. The
  // object keeps references to net and data: they must outlive it. Throws data_error for a row
  // that is zero after preprocessing when normalising (the normalisation is undefined).
  exact_forward(const network& net, const dataset& data, const preprocessing& prep);
  ~exact_forward();
  exact_forward(const exact_forward&) = delete;
  exact_forward& operator=(const exact_forward&) = delete;

  // The exact sign (-1, 0, +1) of the pre-activation g_l(x_i)_j, 1 <= l <= L, j < n_l.
  // Computes (and caches) the exact forward pass of row i up to layer l; relu is applied in the
  // hidden layers with σ(0) = 0, exactly.
  int sign(std::size_t i, std::size_t l, std::size_t j);

  // Sets r to an interval containing g_l(x_i)_j exactly (MPFI at r's precision).
  void enclose(std::size_t i, std::size_t l, std::size_t j, mpfi_ptr r);

  // Rows for which an exact pass was run, and the layers computed in total (for reports).
  std::size_t rows_refined() const { return rows_refined_; }

  struct row_state;  // the exact values of one row at one layer (exact_forward.cpp)

 private:
  row_state& state(std::size_t i, std::size_t l);
  const network& net_;
  const dataset& data_;
  preprocessing prep_;
  std::vector<std::unique_ptr<row_state>> rows_;
  std::size_t rows_refined_ = 0;
  // Integer form of the data: x = 2^E·X.
  long E_ = 0;
  std::vector<__mpz_struct> colsum_;  // Σ_j X_jk (centring)
  bool colsum_ready_ = false;
  void prepare_colsum();
};

}  // namespace ntk::empirical_detail
