// The two a-priori bounds of the distributed λ_min enclosure, free of MPI so that they can be tested
// on their own.
//
// Lower bound: the Cholesky test of linalg/verified_cholesky.hpp (Rump, BIT 46, 2006; ValidSDP's
// cholesky.v), with the constant widened for how ScaLAPACK computes.
//
// Why the theorem covers ScaLAPACK's pdpotrf. The theorem is about the recursion
//     r_jj = sqrt(ã_jj - Σ_{k<j} r_kj²),   r_ij = (ã_ij - Σ_{k<i} r_ki r_kj) / r_ii,
// with each r computed in round to nearest from the r's before it; the sums may be evaluated in any
// order and with FMA (the error analysis bounds every order by the same γ constant). pdpotrf is a
// blocked right-looking Cholesky: the diagonal block is factored by the unblocked recursion
// (DPOTF2/DPOTRF), the panel below it by a triangular solve (PDTRSM, i.e. substitution with the
// factored block), the trailing matrix is updated by PDSYRK/PDGEMM with alpha = -1 and beta = 1. The
// updates subtract partial sums Σ_{k in a block} r_ki r_kj from ã_ij before the remaining terms
// are subtracted: a re-parenthesisation of the same sum, computed with the same rounded products
// (or FMAs). Nothing else happens to the entries: no scaling (alpha = ±1 is exact), no pivoting.
// One step differs from the theorem's recursion: LAPACK's DPOTF2 (DSCAL by ONE/AJJ) and the
// triangular-solve kernels of OpenBLAS multiply by a rounded reciprocal of the pivot instead of
// dividing, i.e. r_ij = fl(s · fl(1/r_ii)) with s the computed sum. The reciprocal of a positive
// finite pivot below 2^1022 (pivots are at most sqrt(max ã_ii), which is checked) never underflows,
// so fl(s · fl(1/r_ii)) = (s / r_ii)(1 + δ) with |δ| <= (1 + u/(1+u))² - 1 <= u'/(1 + u') for
// u' = 2u + 4u² when the product is a normal number, and = s / r_ii + e with |e| <= 2η when it is
// subnormal or zero. Every other operation satisfies the model with u <= u' and η <= 2η. The
// theorem's proof uses only these per-operation error bounds, so it holds with u' and η' = 2η:
//     c'(Ã) = (n+1)u'/(1-(n+1)u') tr(Ã) + 4η' n (2(n+1) + max_i ã_ii),   3(n+1)u' < 1,
// about twice the constant of a true-division Cholesky. (This extension of the published theorem
// to a reciprocal multiplication is ours; the published proof is for the division.) Assumed of the
// linked libraries: binary64 round to nearest with gradual underflow on every rank (checked), and
// triangular solves by substitution (as OpenBLAS and the reference BLAS do), not by an explicitly
// inverted triangular block.
#pragma once

#include <cstddef>
#include <vector>

namespace ntk::distributed {

// u' = 2u + 4u² = 2^-52 + 2^-104 (exact in binary64).
inline constexpr double reciprocal_unit_roundoff = 0x1p-52 + 0x1p-104;

// c'(Ã) above, rounded up, for n x n, given trace >= tr(Ã) >= 0 and maxdiag >= max_i ã_ii >= 0.
// +inf when 3(n+1)u' >= 1 or an argument is not finite.
double cholesky_constant_reciprocal(std::size_t n, double trace, double maxdiag);

// Upper bound of the Rayleigh quotient v'Xv / v'v over every symmetric X with |X - M| <= Rad
// entrywise (M = mid), from products computed elsewhere in binary64 round to nearest:
//   w[i] = fl(Σ_j M_ij v_j),  b[i] = fl(Σ_j |M_ij| |v_j|)   (each an n-term sum, any order, FMA allowed)
// and radius_rho >= ρ(Rad) (e.g. the largest row sum of Rad, diagonal included, rounded up).
// Guarantee: v'Xv / v'v <= result for every such X, hence λ_min(X) <= result. The bound of the
// numerator is the one of linalg/midrad.hpp's rayleigh_upper (two nested n-term dot products, γ_n),
// with |v|'Rad|v| <= radius_rho ||v||². v must be finite and not zero, with max |v_i| in [1, 2)
// (scale it by a power of two first, exactly). +inf when a precondition fails.
double rayleigh_upper_from_products(const std::vector<double>& v, const std::vector<double>& w,
                                    const std::vector<double>& b, double radius_rho);

// Plain floating-point Rayleigh quotient v'w / v'v and residual ||w - ρ v|| / ||v|| (w = M v),
// estimates only.
struct rayleigh_estimate_d {
  double rho = 0;
  double residual = 0;
};
rayleigh_estimate_d rayleigh_from_product(const std::vector<double>& v, const std::vector<double>& w);

}  // namespace ntk::distributed
