// The independent checker of λ_min certificates (`certify check`).
//
// It shares no numerical code with the prover (lib/kernel, lib/linalg, lib/interval): only the data
// readers. Method, for a certificate claiming lower <= λ_min(f·K^(L)(Z)) <= upper:
//
//  1. The data are reloaded; their SHA-256, n and d must match the certificate ("data changed").
//  2. The rows become integers exactly (every double is an integer times a common power of two;
//     centring multiplies by n: n·x_i − Σx). Their Gram matrix G is computed exactly (GMP).
//     K^(L) is positively homogeneous of degree 2 and normalisation only rescales rows, so
//     f·K^(L)(Z) = σ·W with an exact rational σ > 0 and W_ij = √(G_ii G_jj)·k(ρ_ij) (no
//     normalisation) or k(ρ_ij) (sphere, unit), ρ_ij = G_ij/√(G_ii G_jj), k the depth-L kernel of
//     unit vectors. The claim is rescaled exactly to bounds on λ_min(W).
//  3. W is enclosed entrywise with MPFI at precision q = max(2p, p + 64, min_precision_bits)
//     (p = the certificate's precision hint): ρ intersected with [−1, 1], θ = acos ρ, and the plain
//     recursion k ← κ₁(ρ) + k·κ₀(ρ), ρ ← κ₁(ρ). Diagonal entries are exact (W_ii = L·G_ii or L).
//  4. lower <= 0 holds because K^(L) is positive semidefinite (a sum of Hadamard products of
//     positive semidefinite kernels, docs/math.md §2). Otherwise, with M the midpoint matrix of the
//     enclosure and r >= ‖radius‖₂ (min of Frobenius norm and largest row sum, rounded up), the
//     checker proves M − (t + r)I positive definite, t = lower/σ:
//       exact:    M rounded to a common-denominator integer matrix (rounding added to r), then a
//                 fraction-free (Bareiss) LDLᵀ: every leading principal minor > 0 (Sylvester);
//       floating: a Cholesky of M − (t + r + c)I in MPFR at precision q rounding to nearest, with
//                 c = 2(n+1)·2^−q·tr(M) >= γ/(1−γ)·tr, γ = γ_{n+1}; success proves
//                 λ_min(M) > t + r (Rump, BIT 46 (2006); docs/numerics.md). MPFR flags are checked.
//     On failure the whole computation is repeated once at precision 2q.
//  5. upper < 0 is false (positive semidefiniteness). upper >= 0 holds when the singular pair's
//     rows are exactly positively proportional after centring (then W(e_i − α e_j) = 0), or, with
//     no normalisation, when a row is zero; otherwise it is proved by an outward-rounded MPFI
//     Rayleigh quotient vᵀWv / vᵀv <= upper/σ for v = the certificate's eigenvector (its doubles
//     taken exactly) or v = e_i at the smallest diagonal entry.
//  6. A Rayleigh quotient below lower/σ proves the lower claim false, without escalation.
//
// Fast route (automatic mode, n > exact_max_n; check_binary64.hpp, docs/certificates.md): steps
// 3–5 first in binary64 with the checker's own interval kernel, a blocked Cholesky of
// M − σI with Rump's constant (docs/numerics.md) and a compensated Rayleigh quotient. It only
// confirms what its proven bounds imply (or refutes the lower claim by a Rayleigh quotient below
// it); everything else goes to the MPFI route above.
#pragma once

#include <cstddef>
#include <string>

#include "certificate/certificate.hpp"

namespace ntk {

enum class pd_test { automatic, exact, floating };

struct check_options {
  long min_precision_bits = 128;       // q is at least this
  pd_test method = pd_test::automatic; // automatic: exact up to exact_max_n rows, floating above
  std::size_t exact_max_n = 100;       // Bareiss cost grows fast: ~0.5 s at n = 100, q = 128
  int attempts = 2;                    // precision q, 2q, ... on an undecided positivity test
  std::string certificate_dir = ".";   // where a relative data.source is looked up second
  // The fast route (binary64 enclosure, see below) is tried first in automatic mode above
  // exact_max_n rows; whatever it cannot confirm is decided by the MPFI route.
  bool fast_route = true;
  int threads = 2;                     // workers of the fast route; results do not depend on it
};

struct check_result {
  bool valid = false;
  std::string reason;        // when not valid: one line saying which part failed and why
  std::string lower_proof;   // how the lower bound was proved (empty when it was not)
  std::string upper_proof;   // how the upper bound was proved (empty when it was not)
  std::string data_spec;     // the data spec actually loaded (after resolving a relative path)
  long precision_bits = 0;   // working precision of the last kernel enclosure (0: none needed)
  double seconds = 0.0;
};

// The data spec to load for a certificate's data.source: specs with a scheme ("fashion-mnist:...",
// "synthetic:...") and absolute paths unchanged; a relative path as is when it exists relative to
// the current directory, else joined to certificate_dir when the file exists there, else unchanged
// (so that loading it reports the missing file).
std::string resolve_data_source(const std::string& source, const std::string& certificate_dir);

// Re-verifies the claim of c from its data by the method above (data.source resolved with
// options.certificate_dir). valid == true means both bounds were proved. Throws data_error when the
// data cannot be loaded (unreadable, malformed, fewer rows than offset), certificate_error when
// the certificate is inconsistent in itself in a way from_json cannot see.
check_result check_certificate(const certificate& c, const check_options& options = {});

// Reads the certificate file at path (certificate_error when it cannot be read or is malformed),
// then check_certificate with certificate_dir = the file's directory.
check_result check_certificate_file(const std::string& path, check_options options = {});

}  // namespace ntk
