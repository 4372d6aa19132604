// Internal to the λ_min checker (not installed): the fast route in binary64.
//
// The checker's own code (not lib/kernel, not lib/linalg); docs/certificates.md "Fast route".
// Shared with the prover are only the outward steps of lib/interval/rounding.hpp (round_down/round_up:
// two-line predecessor/successor bounds of a round-to-nearest result, Rump–Zimmermann–Boldo–
// Melquiond; up_nonneg/down_nonneg: one step of the bit pattern for nonnegative results; tested on
// their own) and the floating-point environment test binary64_environment_ok; both are
// elementary facts about IEEE arithmetic, not parts of the kernel evaluation or of the eigenvalue
// proof, which are written here independently (own argument reduction and series for acos, own
// recursion, own blocked Cholesky on Eigen's products rather than OpenBLAS, own Rayleigh bound
// with compensated dot products).
//
// The route may only confirm: every "proved" below is implied by bounds proven here. When it
// cannot confirm, the caller falls back to the precise MPFI route (check_mpfi.hpp).
#pragma once

#define EIGEN_DONT_PARALLELIZE  // the checker threads over blocks itself (deterministic results)
#include <Eigen/Core>

#include <cstddef>
#include <string>
#include <vector>

#include "certificate/check_exact.hpp"

namespace ntk::check_detail {

// Entrywise binary64 enclosure of W (docs/certificates.md step 2): the full symmetric midpoint
// matrix `mid` (its diagonal is the LOWER endpoint of W_ii) and the radii (packed upper triangle,
// tri(i, j)); every W_ij lies in [mid_ij − rad_ij, mid_ij + rad_ij] (diagonal: [mid_ii, mid_ii + rad_ii]).
struct binary64_enclosure {
  bool ok = false;
  std::string why;  // when !ok
  std::size_t n = 0;
  Eigen::MatrixXd mid;
  std::vector<double> rad;
};

// The enclosure of W from the integer rows (Gram matrix formed exactly in binary64 when
// max|y|²·d < 2^53, else taken from exact_gram and rounded outward). `threads` workers; the result
// does not depend on their number. ok == false when the environment is not round-to-nearest with
// gradual underflow, a row is zero, or a value is not finite.
binary64_enclosure enclose_kernel_binary64(const integer_rows& rows, int depth, bool scaled, int threads);

struct binary64_bound {
  bool proved = false;
  std::string detail;  // how, or why not
  qrat value;          // lower: the radius norm r; upper/refutation: the Rayleigh bound (W units)
  qrat rounding;       // lower: the rounding constant c (W units)
};

// proved == true means λ_min(W) > t for every W in the enclosure: a Cholesky (own blocked code,
// Eigen products for the trailing updates, true divisions) of Ã = mid − σI completes, and
// min_i(mid_ii − ã_ii) − c(Ã) − r >= t with c(Ã) the constant of docs/numerics.md and r >= ‖rad‖₂
// (off-diagonal). Destroys e.mid.
binary64_bound prove_lower_binary64(binary64_enclosure& e, const mpq_t t, int threads);

// An upper bound q (value) of vᵀWv/vᵀv over the enclosure for v = the given doubles with entries
// below 2^−400·max|v| set to zero (any nonzero vector bounds λ_min from above); proved == false when
// v is unusable or an underflow could void the compensated dot-product bound.
binary64_bound rayleigh_upper_binary64(const binary64_enclosure& e, const std::vector<double>& v);

}  // namespace ntk::check_detail
