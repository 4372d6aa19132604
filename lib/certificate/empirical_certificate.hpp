// The certificate of an empirical-NTK claim (`certify empirical --certificate PATH`) and its
// independent checker (`certify check PATH` dispatches here by the format name).
//
// JSON (format "ntkcert-empirical-certificate", version 1):
//   {"format":  {"name": "ntkcert-empirical-certificate", "version": 1},
//    "claim":   {"quantity": "empirical_lambda_min", "lower": "<decimal>", "upper": "<decimal>"},
//    "data":    {"source", "sha256", "offset", "limit", "n", "d", "center", "normalize"},
//    "network": {"source": "<--network as given>", "sha256": "<64 hex>", "layout": "detect|out-in|in-out",
//                "output": j|null, "widths": [n0, ..., nL], "biases": bool},
//    "hints":   {"precision_bits": p, "eigenvector": [doubles], "singular_pair": [i, j]},
//    "producer": {"name": "ntkcert", "version": "0.1.0"}}
// The claim: lower <= λ_min(K̄) <= upper for K̄ = J Jᵀ, J the Jacobian of the scalar network output
// (output j when given) with respect to all weights (and biases, when the network has them) at the
// exactly preprocessed rows, σ'(0) = 0 (docs/math.md §1).
//
// The checker shares no numerical code with the prover (only the data and network readers): it
// reloads both (SHA-256, n, d, widths must match), recomputes K̄ in MPFI at precision
// q = max(2p, p + 64, 128) — from explicit per-parameter gradients J_ip (forward pass and
// backpropagation per row, K̄_ij = Σ_p J_ip J_jp) when N·P <= 4·10^6, otherwise from the per-layer
// inner products Σ_l ⟨δ_l(x_i), δ_l(x_j)⟩·(⟨f_{l-1}(x_i), f_{l-1}(x_j)⟩ + [biases]) — deciding each
// ReLU sign from its enclosure, by an exact rational forward pass (rows without normalisation) or
// at 4q and 16q bits otherwise. Lower: a claim <= 0 holds (K̄ is PSD); otherwise a Cholesky in MPFR
// at precision q of M − (t + r + c)I, M the midpoint matrix, r >= ‖radius‖_F, c = 2(n+1)·2^-q·tr M
// (Rump; docs/numerics.md), completing with positive pivots proves λ_min > t. Upper: the outward
// Rayleigh quotient of the hint eigenvector (or of e_i at the smallest diagonal), or, for a claim
// upper >= 0 with a singular pair, identical (or, without biases, positively proportional) rows.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "certificate/certificate.hpp"
#include "certificate/checker.hpp"
#include "certificate/json.hpp"

namespace ntk {

inline constexpr const char* empirical_certificate_format_name = "ntkcert-empirical-certificate";

struct empirical_certificate {
  certificate::claim_part claim;  // quantity "empirical_lambda_min"
  certificate::data_part data;
  struct network_part {
    std::string source, sha256, layout = "detect";
    std::optional<std::size_t> output;
    std::vector<std::size_t> widths;
    bool biases = false;
  } network;
  struct hints_part {
    long precision_bits = 53;
    std::vector<double> eigenvector;
    std::optional<std::pair<std::size_t, std::size_t>> singular_pair;
  } hints;
};

// True when text is JSON whose format.name is the empirical certificate's (no other validation).
bool is_empirical_certificate_text(const std::string& text);

std::string empirical_certificate_json(const empirical_certificate& c);
// Throws certificate_error naming the member.
empirical_certificate parse_empirical_certificate(const std::string& text);

// Re-verifies c (method above); data and network sources resolved with
// resolve_data_source(source, options.certificate_dir). Throws data_error when data or network
// cannot be loaded, certificate_error for an inconsistent certificate.
check_result check_empirical_certificate(const empirical_certificate& c, const check_options& options);

}  // namespace ntk
