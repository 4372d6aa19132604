// What every command shares for input and output: data options, JSON bounds, progress display.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "cli.hpp"
#include "data/dataset.hpp"
#include "driver/chain.hpp"
#include "driver/compare.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "base/progress.hpp"
#include "interval/minterval.hpp"
#include "certificate/certificate.hpp"
#include "certificate/checker.hpp"
#include "certificate/json.hpp"
#include "kernel/convention.hpp"

namespace certify {

// Loads the rows of --data/--offset/--limit and sets prep from --center/--normalize; throws
// ntk::data_error naming file, row and column.
ntk::dataset load_data(const data_args& a, ntk::preprocessing& prep);
// The preprocessing of --center/--normalize.
ntk::preprocessing preprocessing_of(const data_args& a);

// {"lower": "<dec>", "upper": "<dec>"} rounded outward with enough digits for the values' precision.
ntk::json::value bound_json(const ntk::mreal& lower, const ntk::mreal& upper);
std::string bound_text(const ntk::mreal& lower, const ntk::mreal& upper, int digits = 17);

// The "data" block of docs/cli.md.
ntk::json::value data_json(const ntk::dataset& x, const ntk::preprocessing& prep);

// The "model" block of docs/cli.md: {"depth", "activation": "relu", "convention"}.
ntk::json::value model_json(int depth, ntk::kernel_convention convention);

// The "lambda_min" block of docs/cli.md for a certification run with target rtol: the bound of
// bound_json, then "certified", "precision_bits", "seconds", "rtol", "relative_width" and, only
// when lambda_min = 0 was proven exactly, "exact_zero" with its reason.
ntk::json::value lambda_min_json(const ntk::ntk_outcome& out, double rtol);

// The "attempts" array: one {"lower", "upper", "precision_bits", "seconds"[, "note"]} per precision tried.
ntk::json::value attempts_json(const std::vector<ntk::ntk_attempt>& attempts);

// The "chain" array of certify ntk --chain: {"link", "value", "holds"} plus "claim",
// "precondition", "ratio", "note" where present; "holds" is true / false / "undecided" / null.
ntk::json::value chain_json(const ntk::chain_outcome& c);
ntk::json::value chain_verdict_json(ntk::chain_verdict v);
// The "chain_run" block: orders, precision_bits, seconds, undecided links, attempts.
ntk::json::value chain_run_json(const ntk::chain_outcome& c);
// One float report of certify compare (lambda_min null when the eigenvalues were not computed).
ntk::json::value float_report_json(const ntk::float_report& r);
// The whole JSON document of `certify compare` on the data set of job (command, data, model, the
// certified enclosure with its entries' precision and width, the float64/float32 blocks with their
// "atan2" members), shared by the CLI and the Python module.
ntk::json::value compare_json(const ntk::compare_job& job, const ntk::compare_outcome& out);

// The claim of a certificate of λ_min (quantity "lambda_min"): the enclosure of out as bound_json's
// decimals, its upper end raised to what the binary64 eigenvector hint proves when that is larger
// (the certificate carries that vector, and its upper claim is what the vector proves).
ntk::certificate::claim_part certificate_claim(const ntk::ntk_outcome& out);
// The "data" part of a certificate: source, sha256, offset, limit = n, n, d and the preprocessing.
ntk::certificate::data_part certificate_data(const ntk::dataset& data, const ntk::preprocessing& prep);

// Throws usage_error naming --option when PATH (not "-", not empty) cannot be written: its directory
// is missing or not writable. Checked before any computation, so a long run does not end in vain.
void check_output_path(const std::string& option, const std::string& path);

// Writes text to PATH atomically (temp file + rename) or to stdout for "-".
void write_output(const std::string& path, const std::string& text);

// A one-line progress display on stderr: shown only when enabled, stderr is a terminal, and the run
// has lasted more than two seconds; cleared by finish().
class terminal_progress final : public ntk::progress_sink {
 public:
  explicit terminal_progress(bool enabled);
  ~terminal_progress() override;
  void update(std::string_view stage, double fraction) override;
  void finish();

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_, last_;
  std::mutex mu_;
};

// ---- the human summaries on stdout --------------------------------------------------------------

// printf's "%.<digits>g" of v.
std::string fmt_g(double v, int digits = 17);

// "[lower, upper]" with `digits` significant digits, rounded outward (a zero endpoint prints as 0).
std::string short_bound(const ntk::mreal& lower, const ntk::mreal& upper, int digits = 10);

// "data        SOURCE  (N = n, d = d[, centred], normalize NAME)", without a line end.
std::string data_summary(const ntk::dataset& x, const ntk::preprocessing& prep);

// The lines of a λ_min certification after its enclosure: "            = 0 exactly: REASON" when
// λ_min = 0 was proven exactly, then "status      CERTIFIED|NOT CERTIFIED" with the relative width
// against rtol (unless exactly zero).
std::string status_summary(const ntk::ntk_outcome& out, double rtol);

// "precision   B bits (double tier|MPFI), K attempt(s)", with a line end.
std::string precision_summary(const ntk::ntk_outcome& out);

// The report of certify check for either certificate kind (docs/cli.md): with --json PATH|- the
// object {command, certificate, valid, reason, claim, data, <kind_key>: kind, lower_proof,
// upper_proof, precision_bits, seconds}, written atomically or to stdout; then, unless quiet or
// --json -, "valid: " + claim_text with both proofs, or "invalid: " + the reason, on stdout.
// Returns the exit status: 0 valid, 1 invalid, 2 when the JSON cannot be written.
int report_check(const std::string& path, const ntk::certificate::claim_part& claim,
                 const ntk::certificate::data_part& data, const char* kind_key, const ntk::json::value& kind,
                 const ntk::check_result& r, bool quiet, const std::string& json_path, const std::string& claim_text);

}  // namespace certify
