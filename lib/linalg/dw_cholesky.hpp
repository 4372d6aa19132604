// The Cholesky test in double-word arithmetic (double_word.hpp): about 100 bits per operation at
// binary64 speed (docs/numerics.md, "Double-word Cholesky").
//
// Theorem used (docs/numerics.md, "Double-word Cholesky"). Every double-word operation of the
// recursion (add/subtract, multiply, divide, square root) satisfies fl(x op y) = (x op y)(1 + d),
// |d| <= u_dw = 2^-100, as long as no binary64 operation inside it over- or underflows. Under that
// standard model (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Thm 10.3, sums in
// any order): if the recursion on the symmetric n x n matrix Ã finishes with every pivot > 0, then
// R'R = Ã + ΔÃ, |ΔÃ| <= γ_{n+1} |R'||R|, and so
//     lambda_min(Ã) > -c_dw(Ã),   c_dw(Ã) = (n+1) u_dw / (1 - 2 (n+1) u_dw) · tr(Ã).
// No underflow term: a factorisation during which the IEEE underflow, overflow, invalid or
// divide-by-zero flag is raised is refused (the caller's flags are saved and restored), and so is one
// run outside round-to-nearest with gradual underflow (binary64_environment_ok()).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "linalg/double_word.hpp"

namespace ntk {

// Packed lower triangle, row by row: entry (i, j), j <= i, at i(i+1)/2 + j.
struct dw_packed {
  std::size_t n = 0;
  std::vector<dw> a;

  dw_packed() = default;
  explicit dw_packed(std::size_t n_) : n(n_), a(n_ * (n_ + 1) / 2) {}
  static std::size_t index(std::size_t i, std::size_t j) { return i * (i + 1) / 2 + j; }
  dw& operator()(std::size_t i, std::size_t j) { return a[index(i, j)]; }
  const dw& operator()(std::size_t i, std::size_t j) const { return a[index(i, j)]; }
};

// In-place Cholesky A = R'R of the packed symmetric matrix (lower triangle in, L = R' out), the
// recursion r_jj = sqrt(a_jj - sum r_kj^2), r_ij = (a_ij - sum r_ki r_kj) / r_ii in double-word
// arithmetic. True iff every pivot is > 0 and finite AND no floating-point exception flag (underflow,
// overflow, invalid, divide-by-zero) was raised AND the environment is round-to-nearest with gradual
// underflow: exactly the hypotheses of the theorem above. `why` receives the reason of a failure.
// Every input entry must be a normalised double-word (|lo| <= ulp(hi)/2).
bool cholesky_dw(dw_packed& L, std::string* why = nullptr);

// c_dw above for an n x n matrix, given trace >= tr(Ã) >= 0, rounded up; +inf when
// 4 (n+1) u_dw >= 1 or trace is not finite.
double dw_cholesky_constant(std::size_t n, double trace);

// x <- (L L')^{-1} x with the factor of cholesky_dw (an estimate, no guarantee).
void cholesky_solve_dw(const dw_packed& L, std::vector<dw>& x);

// Rounding a wider value m to a double-word, hi = RN(m), lo = RN(m - hi), leaves
// |m - (hi + lo)| <= u |lo| <= u^2 (1 + u) |hi| < dw_rounding_relative·|hi|, plus 2^-1074 if lo is subnormal.
inline constexpr double dw_rounding_relative = 0x1p-105;

}  // namespace ntk
