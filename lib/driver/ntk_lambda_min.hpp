// The main job: a certified enclosure of λ_min of the limiting ReLU NTK K^(L) (docs/math.md §2) for a
// concrete data set, with precision escalation (double tier first, then MPFI at 128, 256, ... bits).
//
// Guarantee: for every outcome, lambda_min(K) ∈ [lower, upper] where K is the kernel of the exactly
// preprocessed rows times the convention's factor; `certified` says whether the enclosure also meets
// the requested relative width (or λ_min = 0 was proven exactly). lower = -inf / upper = +inf when a
// side could not be proven at any precision tried.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"
#include "base/escalation.hpp"
#include "base/progress.hpp"
#include "interval/minterval.hpp"
#include "kernel/convention.hpp"

namespace ntk {


// precision_policy (automatic / fixed bits / cap) lives in base/escalation.hpp.

struct ntk_job {
  const dataset* data = nullptr;
  preprocessing prep;
  int depth = 3;
  kernel_convention convention = kernel_convention::paper;
  precision_policy precision;
  double rtol = 1e-6;
  bool float64 = true;  // also compute what plain float64 code says
  // How: `full` as peers do (closed-form float64 kernel, LAPACK dsyevr: O(N^3), about as costly as
  // the certification itself); `fast` the float64 kernel's Rayleigh quotient at the certified
  // eigenvector (O(N^2): equal to the float64 kernel's λ_min up to second order in the distance
  // between the two eigenvectors; its first-order error of the kernel entries is kept); `automatic`
  // is full for N <= float64_full_max_n, fast above.
  enum class float64_method { automatic, full, fast };
  float64_method float64_how = float64_method::automatic;
};

inline constexpr std::size_t float64_full_max_n = 500;

// Above this N the double tier never falls back to LAPACK's dense eigensolver (an O(N^3) call and a
// second N x N copy): a failed shift search leaves the lower bound unproved instead.
inline constexpr std::size_t dense_fallback_max_n = 8000;
// Above this N automatic escalation stops at the double tier (the MPFI tier holds dense interval
// matrices and factors in MPFR: ~90 s at N = 1000 and 128 bits, growing like N^3): an enclosure that
// misses --rtol is reported as not certified, with a note; a fixed precision still runs it.
inline constexpr std::size_t precise_tier_max_n = 2000;

// The double-double tier (docs/numerics.md, "The double-double tier"): kernel entries in
// ddinterval (~106 bits), then the MPFR tier's verified λ_min at dd_tier_mpfr_bits on their outward
// MPFI image (double-word Cholesky when accurate enough). Automatic escalation runs it between the
// double tier and MPFI at 128 bits when --max-precision allows 106 bits; a fixed --precision never
// selects it.
inline constexpr long dd_tier_bits = 106;
inline constexpr long dd_tier_mpfr_bits = 128;
bool dd_tier_applies(const precision_policy& policy);
// The precisions ntk_lambda_min tries, in order: escalation_schedule(policy) with dd_tier_bits
// (the double-double tier) after binary64 when dd_tier_applies, and no MPFI attempt at 106 bits.
std::vector<long> precision_schedule(const precision_policy& policy);

struct ntk_attempt {
  long precision_bits = 0;
  std::string tier;  // "binary64", "double-double" or "mpfi"
  mreal lower, upper;
  bool lower_proved = false, upper_proved = false;
  double seconds = 0;
  std::string note;
};

struct ntk_outcome {
  mreal lower, upper;
  bool lower_proved = false, upper_proved = false;
  bool certified = false;
  long precision_bits = 0;  // precision of the attempt reported
  std::string tier;         // its tier: "binary64", "double-double" or "mpfi"
  double seconds = 0;       // wall time of the whole certification (all attempts)
  // λ_min = 0 proven exactly, with the reason ("rows i and j are positively proportional", ...)
  bool exact_zero = false;
  std::string exact_zero_reason;
  std::optional<std::pair<std::size_t, std::size_t>> singular_pair;
  // Plain float64 (uncertified) answer of the usual closed-form code + dense symmetric solver.
  double float64_lambda_min = 0;
  bool float64_done = false;
  double float64_seconds = 0;
  std::string float64_method;  // "dsyevr" (full) or "rayleigh" (fast), see ntk_job
  // Evidence for a certificate.
  std::vector<double> eigenvector;
  mreal shift;
  // An upper bound on λ_min provable from `eigenvector` as stored (binary64): its Rayleigh quotient
  // over the kernel enclosure, rounded up. At MPFI precision the printed upper bound comes from a
  // sharper eigenvector, so a certificate, which carries only the binary64 vector, claims
  // max(upper, eigenvector_upper). +inf when not computed.
  mreal eigenvector_upper;
  std::vector<ntk_attempt> attempts;
};

// Relative width (upper - lower) / max(|lower|, |upper|), rounded up; +inf if a side is unproved
// or the interval is empty (lower > upper), 0 when both are exactly 0.
double relative_width(const mreal& lower, const mreal& upper);

// One attempt into the best result of an escalation: best.lower := max(best.lower, a.lower) over the
// proven sides, best.upper := min(...) likewise (each proven bound contains λ_min, so does their
// intersection). Returns false when the two proven bounds of `best` contradict (lower > upper), a
// defect that must never become a certificate.
bool absorb_attempt(ntk_outcome& best, const ntk_attempt& a);


// Throws std::runtime_error if the floating-point environment is not binary64 round-to-nearest with
// gradual underflow (require_binary64_environment). Never reports `certified` for an empty
// enclosure (lower > upper).
// The double tier computes K^(L) tile by tile into a lean midpoint-radius store (kernel/ntk_tiles.hpp,
// linalg/lambda_min_lean.hpp): memory about 2 N^2 doubles (the midpoint and one Cholesky factor).
ntk_outcome ntk_lambda_min(const ntk_job& job, progress_sink& progress);

// The peak resident memory of this process so far (getrusage ru_maxrss), in bytes; 0 if unknown.
long peak_rss_bytes();

}  // namespace ntk
