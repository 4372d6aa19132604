// The binary64 Cholesky test of docs/numerics.md, "Certifying lambda_min(A) >= t with one floating-point
// Cholesky" (Rump, BIT 46, 2006; constants of Rump & Jeannerod, SIMAX 35, 2014; the statement of
// ValidSDP's libvalidsdp/cholesky.v, corollaries 2.4/2.7).
//
// Theorem used. Let Ã be a symmetric n x n binary64 matrix with 3(n+2)u < 1 (u = 2^-53). If the
// round-to-nearest Cholesky recursion
//     r_jj = sqrt(ã_jj - sum_{k<j} r_kj^2),   r_ij = (ã_ij - sum_{k<i} r_ki r_kj) / r_ii
// (sums in any order, FMA allowed, a true division) finishes with every pivot r_jj finite and > 0,
// then every ã_jj > 0 and
//     lambda_min(Ã) > -c(Ã),   c(Ã) = (n+1)u/(1-2(n+1)u) tr(Ã) + 4 eta (n+1) (2(n+2) + max_i ã_ii),
// eta = 2^-1074 (the smallest subnormal). (In the cited corollaries c is formed from the unshifted
// matrix A; the proof bounds the backward error of the factored matrix by its own diagonal, so
// tr(Ã) <= tr(A) may be used, and must be when the shift is negative.) Then for Ã = mid - diag(d)
// and X in X(S) (midrad.hpp),
//     lambda_min(X) >= lambda_min(mid) - rho(rad_offdiag) > min_i d_i - c(Ã) - r.
//
// Underflow. ValidSDP's corollary 2.4 (cholesky.v, `corollary_2_4_with_c_upper_bound`) is proven in
// Flocq's FLT model of binary64, i.e. WITH gradual underflow: every operation returns
// (x op y)(1 + d) + e, |d| <= u, |e| <= eta; its constant for an N x N matrix is
// (N+1)u/(1-(N+1)u) tr + 4 eta N (2(N+1) + maxdiag), for left-to-right sums. Our factorisation sums
// in another order (blocked, BLAS) and may fuse multiply-adds. Why the constant above still holds
// (our argument): the order enters ValidSDP's proof only through its lemmas 2.1/2.2, the error of
// one entry c - sum_{k<j} a_k b_k (then a division or a square root). For any evaluation tree of that
// sum, with or without FMA, the relative part is bounded by (j+1)u (Rump & Jeannerod, SIMAX 35
// (2014), Thm 4.4, any order, FMA allowed, no underflow), and underflow adds at most eta/2 per
// product or fused operation (a subnormal sum is exact), i.e. at most (j + 1) eta/2 per entry, within
// the (1 + (j+1)u)(j + |b_j|) eta that the lemmas already allow. We take each factor one size up
// ((n+1)u/(1-2(n+1)u) >= (n+1)u/(1-(n+1)u); n+1, n+2 in the underflow term) as a margin for this
// change of order; the cost is a relative change of ~1e-12 of c.
// The theorem needs round-to-nearest with gradual underflow in every thread that computes: callers
// check binary64_environment_ok() (or require_binary64_environment()) once before they start.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "linalg/midrad.hpp"

namespace ntk {

// True when the calling thread computes in binary64 round to nearest with gradual underflow (no
// flush-to-zero or denormals-are-zero), the arithmetic the theorem assumes. The BLAS threads are
// assumed to inherit the default floating-point environment.
bool binary64_environment_ok();

// Throws std::runtime_error naming the problem unless binary64_environment_ok(). The drivers call
// it once at start (every certified path relies on round-to-nearest: dinterval's outward widening
// and the Cholesky test alike).
void require_binary64_environment();

// c(Ã) above, rounded up, given trace >= tr(Ã) and maxdiag >= max_i ã_ii >= 0. +inf when
// 3(n+2)u >= 1 or an argument is not finite.
double rump_constant_binary64(std::size_t n, double trace, double maxdiag);

// The a-posteriori constant of the blocked factorisation (docs/numerics.md, "A tighter constant
// for the blocked Cholesky"). If a right-looking Cholesky whose outer steps m = 1..M each factor at
// most nb columns succeeds (every pivot finite and > 0), with Ŝ^(m-1) the stored symmetric trailing
// matrix at the start of step m (Ŝ^(0) = Ã), then Ã - L̂L̂' = E with
//     ||E||_2 <= gamma_{nb+2} (||L̂||_F^2 + sum_m || |Ŝ^(m-1)| ||_2) + 4 eta (n+1) (2(n+2) + max_i ã_ii),
// hence lambda_min(Ã) > -c_blk. Each step is one evaluation tree of at most nb + 1 terms per entry;
// the errors of different steps are bounded by the stored values they start from, so they do not
// compound. Default outer step of cholesky_rn:
inline constexpr std::size_t cholesky_stage_block = 256;

// What cholesky_rn records for the blocked constant (all upper bounds rounded up; valid when it
// returned true).
struct cholesky_stats {
  std::size_t block = 0;   // nb: no outer step factored more columns
  std::size_t steps = 0;   // M
  double sum_nu = 0;       // >= sum_m || |Ŝ^(m-1)| ||_2
  double frob2_L = 0;      // >= ||L̂||_F^2
  std::vector<double> nu;  // nu_m >= || |Ŝ^(m-1)| ||_2, one per step
  // Optional observer (tests): called at the start of every outer step with its first column k0
  // and the matrix (rows/columns >= k0 of the lower triangle hold Ŝ^(m-1)).
  std::function<void(std::size_t k0, const double* a)> at_step;
};

// The result is >= || |S| ||_2 for the symmetric m x m matrix S whose lower triangle is stored
// row-major at a with row stride lda (S_ij = a[i lda + j], j <= i): min(||S||_F, max_i sum_j |S_ij|),
// each evaluated in round to nearest and then bounded above (float_error.hpp). +inf if not finite.
double symmetric_abs_norm_bound(const double* a, std::size_t lda, std::size_t m);

// c_blk above, rounded up, for the unit roundoff `unit` (u = 2^-53, or u' of a reciprocal
// multiplication, lib/distributed/bounds.hpp) and underflow unit `eta` (2^-1074, or 2^-1073):
// the result is >= gamma_{block+2}(frob2_L + sum_nu) + 4 eta (n+1)(2(n+2) + maxdiag), with
// gamma_k = k unit / (1 - k unit). +inf when n > 2^40, block == 0 or an argument is negative or
// not finite.
double blocked_cholesky_constant(std::size_t n, std::size_t block, double frob2_L, double sum_nu,
                                 double maxdiag, double unit = 0x1p-53, double eta = 0x1p-1074);

// In-place round-to-nearest Cholesky a = L L' of the symmetric n x n row-major matrix a: reads the
// lower triangle, writes L there, leaves the strict upper triangle untouched. Blocked right-looking:
// outer steps of `block` columns (the trailing update one BLAS dsyrk each; a reordering of the sums
// of the recursion above), inside them blocks of 32 columns by the recursion itself with true
// divisions. Returns true iff every pivot is finite and > 0, i.e. exactly the success condition of
// the theorem (the caller must also ensure binary64_environment_ok()). With stats != nullptr it
// also records the quantities of c_blk (one extra pass over the trailing matrix per outer step).
bool cholesky_rn(double* a, std::size_t n, cholesky_stats* stats = nullptr,
                 std::size_t block = cholesky_stage_block);

struct shifted_cholesky_result {
  bool success = false;
  double t = 0;        // on success: lambda_min(X) > t for every X in X(S)
  double c = 0;        // the constant used: min(c_plain, c_blocked)
  double c_plain = 0;  // c(Ã) of the theorem above
  double c_blocked = std::numeric_limits<double>::infinity();  // c_blk (inf when not available)
  bool blocked_used = false;  // c == c_blocked < c_plain
  double sigma = 0;    // the nominal shift: ã_ii = fl(mid_ii - sigma)
  std::string note;    // why it failed
};

// One Cholesky of Ã = mid - sigma I (diagonal rounded to nearest, off-diagonal exact) and, on
// success, t = min_i (mid_ii - ã_ii) - c - r rounded down, c = min(c(Ã), c_blk) (both proven). r must be >= rho(off-diagonal rad),
// e.g. offdiag_radius_bound(S). The factor L (row-major lower triangle, upper triangle = mid) is left
// in *factor when it is not null, also on failure (then partial).
// block: the outer step of cholesky_rn (the nb of c_blk).
shifted_cholesky_result shifted_cholesky_test(const symmetric_midrad& S, double r, double sigma,
                                              std::vector<double>* factor = nullptr,
                                              std::size_t block = cholesky_stage_block);

}  // namespace ntk
