// Internal to the λ_min checker (not installed): the precise route in MPFI/MPFR/GMP — the kernel
// enclosure at precision q, the positivity tests of the shifted midpoint (exact Bareiss LDLᵀ,
// verified MPFR Cholesky) and outward Rayleigh quotients. See checker.hpp for the method.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "certificate/check_exact.hpp"

namespace ntk::check_detail {

// Entrywise enclosure of W (packed upper triangle) at precision q from the exact Gram matrix g:
// W_ij = k(ρ_ij) (unit rows) or √(G_ii G_jj)·k(ρ_ij) when `scaled`; entry (i, j) of the result
// contains W_ij. Rows with G_ii = 0 give zero rows of W (scaled case).
std::vector<ival> enclose_kernel(const std::vector<zint>& g, std::size_t n, int depth, bool scaled, mpfr_prec_t q);

// Midpoint (exact at precision q) and an upper bound of the radius of every entry.
struct mid_rad {
  std::vector<real> mid;
  std::vector<real> rad;  // rad_prec bits, rounded up
};

inline constexpr mpfr_prec_t rad_prec = 64;

// mid_rad of w: every entry of w lies in [mid − rad, mid + rad].
mid_rad midpoint_radius(const std::vector<ival>& w, mpfr_prec_t q);

// r >= ‖Rad‖₂ for the symmetric nonnegative radius matrix (min of Frobenius norm and largest row sum).
void radius_norm(mpfr_t r, const mid_rad& m, std::size_t n);

struct pd_outcome {
  bool proved = false;
  std::string detail;   // what was shown, or where it failed
  qrat rounding_shift;  // floating test: the shift c covering rounding errors (W units)
  pd_outcome(bool p, std::string d) : proved(p), detail(std::move(d)) {}
};

// proved == true means M − (t + r)I ≻ 0, M the midpoint matrix: exact fraction-free LDLᵀ on the
// integer grid 2^−F (no rounding at all).
pd_outcome exact_ldlt(const mid_rad& m, std::size_t n, const mpq_t t, const mpfr_t r, mpfr_prec_t q);

// proved == true means M − (t + r)I ≻ 0: one Cholesky in MPFR at precision q of M − (t + r + c)I,
// c = 2(n+1)·2^−q·tr(M) (Rump's criterion, docs/numerics.md).
pd_outcome floating_cholesky(const mid_rad& m, std::size_t n, const mpq_t t, const mpfr_t r, mpfr_prec_t q);

// Outward enclosures of vᵀWv and vᵀv for v given by doubles (taken exactly): the true values lie
// in [num_lo, num_hi] and [den_lo, den_hi].
struct rayleigh {
  qrat num_hi, num_lo, den_hi, den_lo;
};
rayleigh rayleigh_bounds(const std::vector<ival>& w, std::size_t n, const std::vector<double>& v, mpfr_prec_t q);

}  // namespace ntk::check_detail
