// The λ_min certificate: what `certify ntk --certificate PATH` writes and `certify check` reads.
//
// JSON layout (format "ntkcert-certificate", version 1; members in this order when written):
//
//   {"format":   {"name": "ntkcert-certificate", "version": 1},
//    "claim":    {"quantity": "lambda_min", "lower": "<decimal>", "upper": "<decimal>"},
//    "data":     {"source": "<--data as given>", "sha256": "<64 hex>", "offset": K, "limit": N|null,
//                 "n": N, "d": d, "center": false, "normalize": "none|sphere|unit"},
//    "model":    {"depth": L, "activation": "relu", "convention": "paper|neural-tangents|uci"},
//    "hints":    {"precision_bits": p, "shift": "<decimal>", "eigenvector": [doubles],
//                 "singular_pair": [i, j]},
//    "producer": {"name": "ntkcert", "version": "0.1.0"}}
//
// The claim: lower <= λ_min(f · K^(L)(Z)) <= upper, where Z is the exactly preprocessed data (rows
// offset .. offset+n-1 of the source, scaled exactly by the reader's scale, centred and normalised
// exactly as stated), K^(L) the matrix of docs/math.md §2 and f the convention's factor (paper 1,
// neural-tangents 1/d, uci 1/2^(L-1)). lower and upper are exact decimal numbers ("-1.25e-3",
// "0", "42"; no inf/nan; exponent at most 5 digits). Everything under "hints" is optional and only
// helps the checker: precision_bits (default 53) is the prover's working precision, shift the
// shift of its Cholesky test, eigenvector an approximate eigenvector for λ_min (length n),
// singular_pair two rows that are positively proportional after preprocessing (which makes
// λ_min = 0 exactly).
// "producer" is informative. Members not listed here are ignored when reading.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certificate/json.hpp"
#include "data/dataset.hpp"

namespace ntk {

// A certificate that is not well formed: not JSON, a missing or mistyped member, an unknown format
// name or version, a value out of its domain. The message names the member ("claim.lower: ...").
struct certificate_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr const char* certificate_format_name = "ntkcert-certificate";
inline constexpr int certificate_format_version = 1;

struct certificate {
  struct claim_part {
    std::string quantity = "lambda_min";
    std::string lower;  // exact decimal
    std::string upper;  // exact decimal
  } claim;
  struct data_part {
    std::string source;  // as given on the command line (relative paths resolved by the checker)
    std::string sha256;  // lowercase hex SHA-256 of the file bytes (or of the synthetic spec)
    std::size_t offset = 0;
    std::optional<std::size_t> limit;  // none: all rows from offset on
    std::size_t n = 0;
    std::size_t d = 0;
    bool center = false;
    normalization normalize = normalization::none;
  } data;
  struct model_part {
    int depth = 1;
    std::string activation = "relu";
    std::string convention = "paper";  // "paper", "neural-tangents" or "uci"
  } model;
  struct hints_part {
    long precision_bits = 53;
    std::string shift;                // decimal, or empty when not given
    std::vector<double> eigenvector;  // empty when not given; else n finite values, not all zero
    std::optional<std::pair<std::size_t, std::size_t>> singular_pair;
  } hints;
  struct producer_part {
    std::string name = "ntkcert";
    std::string version = "0.1.0";
  } producer;
};

// True when s is an exact decimal number: optional '-' or '+', digits with an optional fraction
// (at least one digit in all), optional exponent e/E[+-]digits. No inf, nan, hex or spaces.
bool is_exact_decimal(std::string_view s);

// The JSON object above. Throws certificate_error when a field is out of its domain (so that
// nothing unreadable is ever written): non-decimal bounds, depth < 1, n or d zero, unknown
// convention or activation, an eigenvector of the wrong length or with non-finite entries, a
// singular pair out of range or with i == j, a sha256 that is not 64 hex digits, precision_bits
// outside [2, 65536].
json::value to_json(const certificate& c);

// The certificate in the JSON value v. Throws certificate_error (message naming the member) for:
// v not an object; format missing, name other than "ntkcert-certificate" or version other than 1;
// a missing required member (everything except hints, hints.*, data.limit and producer); a member
// of the wrong JSON type; the domain violations listed for to_json; depth above 10000.
certificate certificate_from_json(const json::value& v);

// dump(to_json(c)) followed by a newline: the text of a certificate file.
std::string certificate_json(const certificate& c);

// Parses certificate text; JSON syntax errors become certificate_error ("not JSON: line L, ...").
certificate parse_certificate(std::string_view text);

}  // namespace ntk
