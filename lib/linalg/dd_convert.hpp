// From the double-double tier to the MPFR tier's λ_min: a dense_matrix<ddinterval> (e.g. the NTK
// entries of the double-double tier, docs/numerics.md "The double-double tier") as the
// dense_matrix<minterval> that lambda_min_enclose_mpfr (lambda_min.hpp) takes.
#pragma once

#include "interval/interval.hpp"
#include "linalg/dense.hpp"

namespace ntk {

// Entry (i, j) of the result, an MPFI interval at working_precision_bits(), contains every point of
// A(i, j): each double-word endpoint hi + lo is rounded once, outward (exact when it fits the
// precision, e.g. whenever the exponents of hi and lo are less than p - 53 apart). NaN endpoints
// stay NaN. Threads: OpenMP over rows.
dense_matrix<minterval> to_minterval_matrix(const dense_matrix<ddinterval>& A);

}  // namespace ntk
