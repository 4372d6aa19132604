// Certified enclosure of the smallest eigenvalue of a symmetric interval matrix (MATH.md §7,
// NUMERICS.md "Certifying lambda_min(A) >= t with one floating-point Cholesky").
//
// Lower bound: Rump's floating-point Cholesky test on the midpoint shifted just below the estimated
// lambda_min (verified_cholesky.hpp for binary64; raw MPFR loops at the working precision for the
// precise tier). Upper bound: the Rayleigh quotient of an approximate eigenvector, evaluated with
// every rounding error and the entry radii accounted for.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "driver/progress.hpp"
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

struct lambda_min_bounds {
  // lambda_min(X) in [lower, upper] for EVERY symmetric X with X_ij in A(i,j) ∩ A(j,i).
  // A side that could not be proved is -inf (lower) / +inf (upper) with its *_proved flag false.
  mreal lower, upper;
  bool lower_proved = false, upper_proved = false;
  std::vector<double> vector;  // the approximate eigenvector behind `upper` (reusable as a hint)
  double estimate = std::numeric_limits<double>::quiet_NaN();  // floating-point estimate of lambda_min
  mreal shift;                 // the t proved by the Cholesky test (before the psd clamp); -inf if none
  long precision_bits = 53;    // working precision of the floating-point factorisation
  std::string note;            // why a side failed or what was assumed; empty when all went plainly
};

// Encloses lambda_min of the symmetric interval matrix A (n x n, n >= 1; A(i,j) and A(j,i) must both
// contain the true entry, their intersection is used). I is dinterval (binary64 tier) or minterval
// (MPFR tier at working_precision_bits(); the result's mreal values carry that precision).
// known_psd: the true matrix is positive semidefinite by theory; then the lower bound is clamped at
// 0 (and is 0, proved by that theory, when the Cholesky test fails) — a claim of the caller, noted in
// `note`. The guarantee then holds for those X in the enclosure that are PSD.
// hint: optional approximate eigenpair; otherwise LAPACK dsyevr on the binary64 midpoint is used.
// Exceptional cases: non-finite entries give both sides unproved (lower 0 if known_psd); a wrong
// floating-point environment (not round-to-nearest, flush-to-zero on) leaves the lower side unproved.
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
