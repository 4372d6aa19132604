// Exact checks on the data rows that decide degenerate cases before any kernel is computed.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "data/dataset.hpp"
#include "data/errors.hpp"

namespace ntk {

// Throws data_error naming ds.source and the row (1-based in the source: first_row + i + 1) of the
// first row that is zero after the preprocessing, for which the angle to other rows is undefined:
// without centring, a row whose entries are all zero (+0 or -0); with centring, a row equal to the
// column mean of the n selected rows, decided exactly (n * x_i == sum_j x_j in every column, with
// integer or MPFR arithmetic that makes no rounding error). Normalisation and the positive scale
// cannot create or remove zero rows. Otherwise returns normally. Precondition: finite values.
void dataset_check_rows(const dataset& ds, const preprocessing& pre);

// A pair (i, j), i < j, of 0-based row indices of ds whose preprocessed rows are exactly positively
// proportional (then the NTK Gram matrix is singular: lambda_min = 0 exactly), or nullopt.
//   - without centring: rows with x_i = c * x_j for a real c > 0, exactly; rows that are entirely
//     zero are ignored (dataset_check_rows rejects them). Complete: nullopt means no such pair.
//   - with centring: rows that are exactly identical (x_i[k] == x_j[k] for all k, -0 == +0), which
//     stay identical after centring. Not complete: distinct raw rows whose centred versions are
//     proportional are not searched for.
// The pair returned is the one with the smallest j, and for it the smallest i. Expected time
// O(n * d): rows are hashed by an exact invariant of their direction (the correctly rounded
// quotients x[k] / x[f] by the first nonzero entry, which are equal for proportional rows because
// they round equal real numbers) and candidates are confirmed by exact cross-multiplication
// x_i[k] * x_j[f] == x_j[k] * x_i[f] in integer arithmetic. Precondition: finite values.
std::optional<std::pair<std::size_t, std::size_t>> dataset_find_parallel_pair(
    const dataset& ds, const preprocessing& pre);

namespace detail {

// Whether a = c * b for some real c > 0, exactly (integer arithmetic on the binary significands).
// a and b have d finite entries; false when either is entirely zero.
bool rows_positively_proportional(const double* a, const double* b, std::size_t d);

}  // namespace detail

}  // namespace ntk
