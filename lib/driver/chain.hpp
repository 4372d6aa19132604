// The lower-bound chain of docs/math.md §4 on concrete data, every link a certified enclosure.
//
// With m = min_i ‖x̃_i‖², Ĝ^(l) = ρ^(l) the correlation matrices, c_r = 2μ_r(σ)² the Hermite
// coefficients of ReLU (docs/math.md §3), f the convention's factor (convention.hpp) and L the depth:
//
//   lambda_min     λ_min(f·K^(L))
//   schur          f·Σ_{l=1}^{L} λ_min(G^(l))                                     claim ≤ lambda_min
//   hermite:r      f·(λ_min(G^(1)) + Σ_{l=2}^{L} m·c_r·λ_min((Ĝ^(l-1))^{∘r}))        claim ≤ schur
//   hermite:all    f·(λ_min(G^(1)) + Σ_{l=2}^{L} m·Σ_{r∈orders} c_r·λ_min(…))        claim ≤ schur
//   gershgorin:r   f·Σ_{l=2}^{L} m·c_r·max(0, 1 − max_i Σ_{j≠i} |Ĝ^(l-1)_ij|^r)       claim ≤ hermite:r
//                  precondition: 1 − max_i Σ_{j≠i} |Ĝ^(1)_ij|^r > 0 (Theorem 3.2's, on the data)
//   scale:r        f·μ_r(σ)²·m (information), with ratio λ_min(f·K^(L))/m
//   upper          f·L·m                                                           claim ≥ lambda_min
//
// Each claim is a theorem (Schur product theorem, Hermite expansion, Gershgorin, Rayleigh
// quotient of e_i); what is certified is that the computed enclosures confirm it. A claim A ≤ B
// holds when upper(A) ≤ lower(B) and fails when lower(A) > upper(B); otherwise it is undecided and
// the links it involves (and the eigenvalue enclosures they depend on) are recomputed at the next
// precision, like ntk_lambda_min escalates. Exact equalities are recognised structurally, not
// numerically (such a claim holds, with a note "equal by construction"):
//   L = 1: schur = λ_min(G^(1)) = λ_min(K^(1)) and hermite:* = schur;  N = 1: schur = lambda_min =
//   upper = L·m;  N = 2 with λ_min(G^(1)) = 0: gershgorin:r = hermite:r (λ_min of [[1, a], [a, 1]] is
//   1 - |a|);  one order: hermite:all = hermite:r (the same value).
// Exact zeros are set from the data, not computed: positively proportional rows make every G^(l),
// K^(L) and Hadamard power singular (e_i - e_j is a null vector) and every Gershgorin bound ≤ 0;
// antiparallel rows, N > d or centring make G^(1) singular; antiparallel rows, or N > C(d+r-1, r),
// make (Ĝ^(1))^{∘r} singular. The upper bound of lambda_min also uses the Rayleigh quotients of the
// unit vectors, K_ii = L‖x̃_i‖² (the upper link's own proof), so upper ≥ lambda_min is decided
// whenever m is known exactly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "driver/ntk_lambda_min.hpp"
#include "base/progress.hpp"
#include "interval/minterval.hpp"

namespace ntk {

// Largest Hadamard order the chain accepts.
inline constexpr unsigned chain_max_order = 1024;

enum class chain_verdict {
  not_applicable,  // the link makes no claim (lambda_min, scale:r)
  holds,           // certified: upper(A) ≤ lower(B), or equal by construction
  fails,           // certified: lower(A) > upper(B) (a finding about the data or the code, not an error)
  undecided        // the enclosures overlap at the highest precision tried
};

// "true", "false", "undecided", "null".
const char* chain_verdict_name(chain_verdict v);

struct chain_link {
  std::string name;   // "lambda_min", "schur", "hermite:2", "hermite:all", "gershgorin:2", "scale:2", "upper"
  std::string claim;  // "<= lambda_min", ">= lambda_min", ... ; empty when the link claims nothing
  // The value lies in [lower, upper]; lower = -inf / upper = +inf when a side was not proved.
  mreal lower, upper;
  chain_verdict holds = chain_verdict::not_applicable;
  // gershgorin:r only: whether 1 − max_i Σ_{j≠i} |Ĝ^(1)_ij|^r > 0 (holds / fails / undecided).
  std::optional<chain_verdict> precondition;
  // scale:r only: λ_min(f·K^(L))/m lies in [ratio_lower, ratio_upper].
  bool has_ratio = false;
  mreal ratio_lower, ratio_upper;
  std::string note;  // e.g. "equal by construction"; empty when there is nothing to say
};

struct chain_attempt {
  long precision_bits = 0;
  double seconds = 0;
  int eigen_enclosures = 0;           // λ_min enclosures computed in this attempt
  std::vector<std::string> recomputed;  // links whose eigenvalue enclosures were recomputed
};

struct chain_outcome {
  std::vector<unsigned> orders;  // sorted, without repetitions
  std::vector<chain_link> links;  // in the order of the file comment; hermite:r, gershgorin:r, scale:r per order
  std::vector<chain_attempt> attempts;
  long precision_bits = 0;  // highest precision used
  double seconds = 0;       // wall time of the whole chain
  std::vector<std::string> undecided;  // links whose claim (or precondition) stayed undecided
};

// Orders as given (e.g. {6, 2, 2}) → sorted without repetitions. Throws std::invalid_argument when
// empty or when an order is outside [1, chain_max_order].
std::vector<unsigned> chain_normalize_orders(std::vector<unsigned> orders);

// Computes the chain for job (data, preprocessing, depth, convention, precision policy: the
// automatic schedule 53, 128, 256, ... up to max_bits, or the fixed precision alone) and orders.
// `known` (optional): an outcome of ntk_lambda_min for the same job; its enclosure and eigenvector
// seed the lambda_min link, so λ_min(K^(L)) is recomputed only when a claim needs it tighter.
// Guarantee: every link's value lies in [lower, upper] (lambda_min: λ_min(f·K^(L)) of the exactly
// preprocessed rows; the others: the formulas above), each an intersection of valid enclosures
// over the attempts; holds / fails are certified as described above; ratio bounds λ_min/m.
// The λ_min enclosures use lambda_min_enclose with known_psd (G^(l), K^(L) and Hadamard powers of
// correlation matrices are PSD: Schur product theorem), so lower bounds are at least 0.
// Throws what ntk_lambda_min throws (data_error for zero rows, std::invalid_argument for a bad
// depth) and std::invalid_argument for bad orders. Leaves the working precision as it found it.
chain_outcome ntk_chain(const ntk_job& job, const std::vector<unsigned>& orders, const ntk_outcome* known,
                        progress_sink& progress);

}  // namespace ntk
