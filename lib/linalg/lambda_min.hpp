// Certified enclosure of the smallest eigenvalue of a symmetric interval matrix (docs/math.md §7,
// docs/numerics.md "Certifying lambda_min(A) >= t with one floating-point Cholesky").
//
// Lower bound: Rump's floating-point Cholesky test (verified_cholesky.hpp) on the midpoint shifted
// just below the estimated lambda_min; binary64 blocked Cholesky for dinterval, raw MPFR loops at the
// working precision for minterval (or, on request, double-word arithmetic: lambda_min_options). Upper bound: the Rayleigh quotient of an approximate eigenvector,
// every rounding error and the entry radii accounted for (midpoint-radius with gamma_n bounds for
// dinterval, MPFI over the entries for minterval).
// Estimates (binary64 tier): the hint if given, otherwise the Cholesky-steered block inverse
// iteration of shift_search.hpp, with LAPACK dsyevr on the binary64 midpoint as the fallback when
// that search cannot start (midpoint not numerically positive definite) or does not converge; a
// hint that leads to no proof also falls back to dsyevr. The MPFR tier refines the
// eigenvector with residuals at precision p and corrections from a binary64 Cholesky, then, if
// lambda_1 has neighbours closer than binary64 resolves, with inverse iteration at precision p.
// Achieved width (measured, see the tests): about c + 2r with c = (n+1) 2^-p tr(mid) and r the
// radius' spectral radius; if lambda_1 sits in a cluster narrower than ~n 2^-p ||mid|| that
// inverse iteration cannot separate, the width is about the cluster's width instead.
// Cost: binary64 ~ two or three Choleskys + ~10 block solves (n = 4000: ~2 CPU-s), or dsyevr + one
// Cholesky on the fallback and hint paths; MPFR ~ n^3/3 MPFR operations per
// Cholesky (usually one, at most a few).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "linalg/dense.hpp"

namespace ntk {

// An approximate eigenpair (e.g. from a lower-precision run on the same matrix). Only a guess: a
// wrong hint costs time or width, never soundness. `value` may be NaN (then the Rayleigh quotient of
// `vector` is used). A hint whose vector has the wrong size or non-finite entries is ignored.
struct lambda_min_hint {
  std::vector<double> vector;
  double value = std::numeric_limits<double>::quiet_NaN();
};

// True when hint is non-null and its vector has n finite entries, not all zero (otherwise the hint
// is ignored, as documented above).
bool lambda_min_hint_usable(const lambda_min_hint* hint, std::size_t n);

struct lambda_min_bounds {
  // lambda_min(X) in [lower, upper] for EVERY symmetric X with X_ij in A(i,j) ∩ A(j,i).
  // A side that could not be proved is -inf (lower) / +inf (upper) with its *_proved flag false.
  mreal lower, upper;
  bool lower_proved = false, upper_proved = false;
  std::vector<double> vector;  // the approximate eigenvector behind `upper` (reusable as a hint)
  // Upper bound on lambda_min provable from `vector` exactly as stored (binary64): its Rayleigh
  // quotient over the enclosure, rounded up; +inf if not finite. Equal to `upper` in the binary64
  // tier; in the MPFR tier `upper` comes from the precision-p vector and may be sharper. This is
  // what a consumer holding only `vector` (e.g. a certificate checker) can reproduce.
  mreal vector_upper;
  double estimate = std::numeric_limits<double>::quiet_NaN();  // floating-point estimate of lambda_min
  mreal shift;                 // the t proved by the Cholesky test (before the psd clamp); -inf if none
  long precision_bits = 53;    // working precision of the floating-point factorisation
  std::string note;            // why a side failed or what was assumed; empty when all went plainly
};

// Encloses lambda_min of the symmetric interval matrix A (n x n, n >= 1; A(i,j) and A(j,i) must both
// contain the true entry, their intersection is used). I is dinterval (binary64 tier) or minterval
// (MPFR tier at working_precision_bits(); the result's mreal values carry that precision).
// known_psd: the caller asserts that the true matrix is positive semidefinite (e.g. a Gram or
// kernel matrix). A negative or missing lower bound then becomes 0 (noted in `note` when the test
// failed), so `lower` is guaranteed for the true matrix under that assertion only; `shift` keeps
// what the Cholesky test proved by itself.
// hint: optional approximate eigenpair; otherwise the estimates above are used.
// Exceptional cases: non-finite entries (for minterval also entries beyond the binary64 range) give
// both sides unproved (lower 0 if known_psd); a wrong floating-point environment (not round to
// nearest, flush-to-zero or denormals-are-zero on) leaves the binary64 lower side unproved; an MPFR
// underflow/overflow flag during the MPFR Cholesky rejects that factorisation (the function clears
// MPFR's flags). progress receives stages named "lambda_min: ...". For minterval the precision is
// read from working_precision_bits(), a process-wide setting: do not change it while this runs.
// Throws std::invalid_argument if A is not square or is empty.
template <class I>
lambda_min_bounds lambda_min_enclose(const dense_matrix<I>& A, bool known_psd,
                                     const lambda_min_hint* hint, progress_sink& progress);

template <class I>
lambda_min_bounds lambda_min_enclose(const dense_matrix<I>& A, bool known_psd,
                                     const lambda_min_hint* hint = nullptr) {
  null_progress quiet;
  return lambda_min_enclose<I>(A, known_psd, hint, quiet);
}

// Options of the MPFR tier (lambda_min_enclose_mpfr).
struct lambda_min_options {
  // The Cholesky test may run in double-word arithmetic (unit roundoff 2^-100 at binary64 speed,
  // docs/numerics.md "Double-word Cholesky") instead of MPFR when the working precision is at most
  // 160 bits and the double-word constant, estimated from the shifted diagonal, is at most this
  // fraction of |lambda_min estimate| (and at most 2^-30 of it). 0 (the default): always MPFR, so
  // the width is that of the working precision. Callers that only need a relative width rtol pass
  // about rtol / 8. The result is rigorous either way; `note` says when double-word proved `lower`.
  double dw_relative_width = 0;
};

// lambda_min_enclose<minterval> with options (the template above uses the defaults).
lambda_min_bounds lambda_min_enclose_mpfr(const dense_matrix<minterval>& A, bool known_psd,
                                          const lambda_min_hint* hint, progress_sink& progress,
                                          const lambda_min_options& options);

// Returns true only if lambda_min(X) > t is proved for every symmetric X with X_ij in
// A(i,j) ∩ A(j,i): one Cholesky of mid - (t + r + c) I. False means "not proved" (the matrix may
// still satisfy it). For minterval the factorisation runs at working_precision_bits(). `why`, when not
// null, receives the reason of a failure.
template <class I>
bool prove_lambda_min_greater(const dense_matrix<I>& A, const mreal& t, std::string* why = nullptr);

// The one-Cholesky test at a caller's shift (lambda_min_enclose chooses the shift itself).
// Factors Ã = mid - sigma I, where mid is the midpoint of A read as a symmetric matrix with the
// diagonal at its lower endpoints (binary64 for dinterval, with sigma first rounded to nearest
// binary64; working_precision_bits() for minterval) and ã_ii = fl(mid_ii - sigma) rounded to
// nearest. On success, t = min_i (mid_ii - ã_ii) - c(Ã) - r rounded down, with c(Ã) the constant
// of verified_cholesky.hpp at u = 2^-p and r >= rho(off-diagonal radius); then lambda_min(X) > t
// for every symmetric X with X_ij in A(i,j) ∩ A(j,i).
struct shifted_cholesky_outcome {
  bool success = false;
  mreal t;           // valid when success
  std::string note;  // why it failed
};
template <class I>
shifted_cholesky_outcome shifted_cholesky_bound(const dense_matrix<I>& A, const mreal& sigma);

template <>
shifted_cholesky_outcome shifted_cholesky_bound<dinterval>(const dense_matrix<dinterval>&, const mreal&);
template <>
shifted_cholesky_outcome shifted_cholesky_bound<minterval>(const dense_matrix<minterval>&, const mreal&);

template <>
lambda_min_bounds lambda_min_enclose<dinterval>(const dense_matrix<dinterval>&, bool,
                                                const lambda_min_hint*, progress_sink&);
template <>
lambda_min_bounds lambda_min_enclose<minterval>(const dense_matrix<minterval>&, bool,
                                                const lambda_min_hint*, progress_sink&);
template <>
bool prove_lambda_min_greater<dinterval>(const dense_matrix<dinterval>&, const mreal&, std::string*);
template <>
bool prove_lambda_min_greater<minterval>(const dense_matrix<minterval>&, const mreal&, std::string*);

}  // namespace ntk
