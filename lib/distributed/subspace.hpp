// Internal to lib/distributed (not installed): the subspace iteration's dense steps on the
// replicated n x k block (column-major), the same on every process (plain loops on identical data),
// for lambda_min_distributed (lambda_min_dist.cpp). Floating point only: estimates, not bounds.
#pragma once

#include <limits>
#include <vector>

namespace ntk::distributed {

// Scales v by a power of two so that max |v_i| lies in [1, 2) (exact); false if v is zero or not finite.
bool normalise_pow2(std::vector<double>& v);

// Modified Gram-Schmidt, twice, on the k columns of the column-major n x k matrix V (a degenerate
// column is replaced by a unit vector).
void orthonormalise(std::vector<double>& V, int n, int k);

struct ritz_state {
  double theta1 = std::numeric_limits<double>::quiet_NaN(), theta2 = std::numeric_limits<double>::quiet_NaN();
  double residual = std::numeric_limits<double>::infinity();
};

// Rayleigh-Ritz on span(V) (orthonormal columns) with W = M V: V <- V Q, W <- W Q sorted by Ritz
// value; theta1, theta2 the two smallest Ritz values, residual ||W_1 - theta1 V_1||. False when
// LAPACK fails or the values are not finite.
bool rayleigh_ritz(std::vector<double>& V, std::vector<double>& W, int n, int k, ritz_state& st);

}  // namespace ntk::distributed
