// Certified bounds on the spectral norm ||W||_2 of an exact binary64 matrix (docs/numerics.md, "Other
// certified quantities"; Rump, "Verified bounds for singular values", BIT 51, 2011).
//
// Upper bound: with G the smaller Gram matrix (W'W or WW', enclosed entrywise with the gamma_m
// bounds of float_error.hpp) and alpha2 just above a LAPACK estimate of lambda_max(G), the Cholesky
// test proves alpha2 I - G positive definite, hence ||W||_2 <= sqrt(alpha2). Fallback:
// min(sqrt(||W||_1 ||W||_inf), ||W||_F). Lower bound: ||W v|| / ||v|| for the estimated top singular
// vector v, rounded down.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace ntk {

struct spectral_norm_bounds {
  double lower = 0;                                          // ||W||_2 >= lower
  double upper = std::numeric_limits<double>::infinity();    // ||W||_2 <= upper
  bool upper_from_cholesky = false;  // false: upper is the cheap bound (or +inf for non-finite W)
  double estimate = std::numeric_limits<double>::quiet_NaN();  // floating-point ||W||_2 (no guarantee)
  std::vector<double> right_vector;  // v (length cols) with ||Wv|| / ||v|| >= lower
  std::string note;                  // why the Cholesky certificate was not obtained
};

// Encloses ||W||_2 of the rows x cols row-major matrix W (entries exact). Guarantee: lower <= ||W||_2
// <= upper. Empty W (a zero dimension) gives [0, 0]. Non-finite entries give [0, +inf] with a note.
spectral_norm_bounds spectral_norm_enclose(const std::vector<double>& W, std::size_t rows,
                                           std::size_t cols);

// min(sqrt(||W||_1 ||W||_inf), ||W||_F), rounded up: an upper bound of ||W||_2 (+inf if W is not
// finite).
double spectral_norm_upper_cheap(const std::vector<double>& W, std::size_t rows, std::size_t cols);

// ||W v|| / ||v||, rounded down (every rounding error of W v bounded): a lower bound of ||W||_2.
// 0 when v is zero, has the wrong length (cols) or a non-finite entry.
double spectral_norm_lower(const std::vector<double>& W, std::size_t rows, std::size_t cols,
                           const std::vector<double>& v);

}  // namespace ntk
