// What plain floating-point code makes of the limiting ReLU NTK, measured against the certified
// enclosures: the job behind `certify compare`.
//
// Four uncertified computations of K^(L) (kernel/float_kernel.hpp: "float64" and "float32" use the
// clipped-arccos form ρ = clip(c/√(ab)), θ = acos ρ; "atan2-float64" / "atan2-float32" use the
// atan2 form of neural-tangents), each followed by a standard dense symmetric eigensolver (LAPACK
// dsyevd / ssyevd, all eigenvalues). float32 is float32 throughout: the data converted to float,
// every operation in float, ssyrk and ssyevd. The convention's factor is applied at the end, in the
// same precision (exact for powers of two, one rounding for the division by d).
//
// The reference is certified: λ_min by ntk_lambda_min (with its precision escalation), the entries
// by kernel_matrix<I> at the precision that λ_min ended with (the double tier, or MPFI at that
// many bits), each entry enclosure rounded outward to binary64.
//
// Definitions (all reported numbers except the counts are plain doubles, rounded to nearest):
//   excess of an entry v against its enclosure [lo, hi] (binary64, outward):
//       max(lo - v, v - hi, 0); v is "outside" when the excess is > 0, i.e. when v is provably
//       not the exact entry. NaN entries are counted in nan_count only (neither inside nor
//       outside) and excluded from the excess maxima; ±inf entries are outside.
//   relative excess: excess / |(lo + hi)/2|, or the excess itself when (lo + hi)/2 = 0.
//   λ_min error: the distance from the float λ_min to the nearest point of the certified
//       enclosure [lower, upper] (0 when inside); relative error: that distance divided by
//       |(lower + upper)/2|, or the distance itself when that midpoint is 0 (the enclosure [0, 0]
//       of an exactly singular kernel); NaN when a side of the enclosure is unproved (infinite).
//       Both are lower bounds on the true errors (up to the final rounding to nearest).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "base/progress.hpp"
#include "interval/minterval.hpp"
#include "kernel/convention.hpp"

namespace ntk {

// Certified entrywise enclosures of an n x n matrix in binary64: the exact entry (i, j) lies in
// [lower[i*n+j], upper[i*n+j]].
struct entry_bounds {
  std::size_t n = 0;
  std::vector<double> lower, upper;
};

// Entrywise comparison of a plain floating-point matrix with certified enclosures (definitions in
// the file comment). Every one of the n*n entries (both triangles) is counted.
struct entry_comparison {
  std::size_t entries = 0;
  std::size_t nan_count = 0;
  std::size_t entries_outside = 0;
  double max_abs_excess = 0;
  double max_rel_excess = 0;
};

// Compares values (row-major n x n, n = bounds.n; float values are widened to double exactly) with
// bounds. The counts are exact; the excesses are rounded to nearest. Throws std::invalid_argument
// when the sizes disagree.
entry_comparison compare_entries(const std::vector<double>& values, const entry_bounds& bounds);
entry_comparison compare_entries(const std::vector<float>& values, const entry_bounds& bounds);

// A floating-point λ_min against the certified enclosure [lower, upper] (lower may be -inf, upper
// +inf). `inside` is decided exactly (lower <= value <= upper; false for NaN); abs_error and
// rel_error as defined in the file comment (NaN for a NaN value).
struct lambda_comparison {
  bool inside = false;
  double abs_error = 0;
  double rel_error = 0;
};
lambda_comparison compare_lambda_min(double value, const mreal& lower, const mreal& upper);

struct compare_job {
  const dataset* data = nullptr;
  preprocessing prep;
  int depth = 3;
  kernel_convention convention = kernel_convention::paper;
  precision_policy precision;  // for the certified λ_min (and hence for the entries)
  double rtol = 1e-6;
};

// One floating-point computation and how it fares.
struct float_report {
  std::string name;             // "float64", "float32", "atan2-float64", "atan2-float32"
  int significand_bits = 53;    // 53 (double) or 24 (float)
  bool atan2 = false;
  entry_comparison entries;
  // Eigenvalues: skipped (eigenvalues_done = false, lambda_min NaN) when an entry is not finite or
  // LAPACK reports a failure.
  bool eigenvalues_done = false;
  double lambda_min = 0;         // smallest eigenvalue from dsyevd / ssyevd, widened to double
  std::size_t negative_eigenvalues = 0;  // eigenvalues < 0 as LAPACK returned them
  lambda_comparison lambda;
  double seconds = 0;
};

struct compare_outcome {
  ntk_outcome certified;          // the certified λ_min (no float64 side computation)
  long entries_precision_bits = 53;
  double max_entry_width = 0;     // widest entry enclosure, rounded up
  std::vector<float_report> floats;  // float64, float32, atan2-float64, atan2-float32, in this order
};

// Runs the comparison on job.data (see the file comment). Guarantee: certified.lower/upper enclose
// λ_min of the exact kernel as ntk_lambda_min states, and each report's counts are exact with
// respect to the binary64 entry enclosures of K^(L) (convention applied). The float numbers
// themselves carry no guarantee: they are what plain code computes on this machine.
// Throws data_error for bad rows (zero row after preprocessing, non-finite values) and
// std::invalid_argument for a bad depth; a certification that does not meet rtol is not an error
// (certified.certified is then false).
// Memory: one n x n interval matrix at the final precision (MPFI matrices are large: about
// 100 bytes per entry at 128 bits) plus two n x n double matrices and one float kernel at a time.
compare_outcome compare_float_kernels(const compare_job& job, progress_sink& progress);

}  // namespace ntk
