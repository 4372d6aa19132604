// Certified enclosure of λ_min of the distributed kernel (kernel_blocks.hpp), with ScaLAPACK.
//
// Method (docs/numerics.md, "Certifying lambda_min(A) >= t with one floating-point Cholesky", the
// two-Cholesky recipe), every step distributed:
//   1. r >= ρ(off-diagonal radius): the largest row sum of the radius, reduced over all processes
//      with upward rounding; the diagonal radius adds its maximum for the upper bound.
//   2. pdpotrf of the midpoint M shifted by σ0 = 0 (or slightly negative if that fails): a factor
//      for subspace (block inverse) iteration with pdpotrs and Rayleigh-Ritz, which estimates λ_1
//      and its eigenvector v.
//   3. the Cholesky of M - σ1 I with σ1 a margin below the estimate (margin grown on failure): on
//      success, λ_min(X) > t = min_i (M_ii - ã_ii) - c - r for every X in the enclosure, with
//      c = min(c', c'_blk): c' the a-priori constant of bounds.hpp (which explains why the theorem
//      covers ScaLAPACK's arithmetic), c'_blk the a-posteriori constant of the blocked
//      factorisation (linalg/verified_cholesky.hpp, docs/numerics.md "A tighter constant for the
//      blocked Cholesky") with u' and 2η. The factorisation is our own right-looking loop of
//      ScaLAPACK calls, stage_block columns per step: pdpotrf of the diagonal block, pdtrsm of the
//      panel, pdsyrk of the trailing matrix, and before each step ν_m >= || |Ŝ^(m-1)| ||_2 from
//      local sums reduced over the processes with upward rounding.
//   4. more inverse iteration with the second factor; the upper bound is the smallest rigorous
//      Rayleigh bound (bounds.hpp) over the vectors obtained, from products M v and |M||v| that
//      each process forms over its own entries and MPI sums (a sum in some order: covered).
// The vector v is replicated on every process (N doubles).
#pragma once

#include <mpi.h>

#include <limits>
#include <string>
#include <vector>

#include "distributed/kernel_blocks.hpp"

namespace ntk::distributed {

struct dist_options {
  bool known_psd = true;     // K is positive semidefinite: an unproved or negative lower bound becomes 0
  int subspace = 8;           // vectors of the subspace (block inverse) iteration
  int iterations_first = 90;  // block solves with the first factor (at most)
  int iterations_second = 4;  // after each successful proving factorisation (at most)
  int max_factorizations = 4;
  double rtol = 1e-6;          // a further, tighter factorisation is tried while the width exceeds it
  int stage_block = 256;       // columns per step of the right-looking factorisation (rounded up to a
                               // multiple of the distribution block): the nb of the blocked constant
};

struct dist_bounds {
  static constexpr double inf = std::numeric_limits<double>::infinity();
  // λ_min(X) ∈ [lower, upper] for every symmetric X in the enclosure (lower from the test, or 0
  // from known_psd when the test failed or gave less; see lower_from_test).
  double lower = -inf, upper = inf;
  bool lower_proved = false, upper_proved = false;
  bool lower_from_test = false;
  double shift = -inf;        // t proved by the Cholesky test (before the psd clamp)
  double constant = 0;        // the constant of the successful test: min(c', c'_blk)
  double constant_plain = 0;  // c' (a priori, bounds.hpp) of that test
  bool constant_blocked = false;  // the blocked a-posteriori constant c'_blk was the smaller
  double radius = 0;          // r (off-diagonal radius bound)
  double estimate = std::numeric_limits<double>::quiet_NaN();  // floating-point λ_1 estimate
  double residual = std::numeric_limits<double>::quiet_NaN();  // ||Mv - estimate v|| / ||v||
  std::vector<double> vector;  // the vector behind `upper` (replicated)
  int factorizations = 0;
  int solves = 0;
  double seconds_factor = 0, seconds_solve = 0, seconds_other = 0;
  std::string note;
};

// Collective over comm (every process of the BLACS context `ictxt` that K.layout describes).
// Every process returns the same bounds.
dist_bounds lambda_min_distributed(const local_kernel& K, MPI_Comm comm, int ictxt, const dist_options& opt);

}  // namespace ntk::distributed
