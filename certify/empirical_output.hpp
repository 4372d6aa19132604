// certify empirical: its options, its JSON document and its certificate, shared by the CLI
// (cmd_empirical.cpp, which adds the human summary) and the Python module (python/src/
// finite_width.cpp, empirical), so that both write the same document for the same network and data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certificate/json.hpp"
#include "cli.hpp"
#include "data/dataset.hpp"
#include "empirical/empirical.hpp"
#include "network/network.hpp"
#include "network_options.hpp"
#include "ntk_options.hpp"

namespace certify {

// The options of certify empirical; the initial values are the defaults.
struct empirical_args {
  data_args data;
  network_args network;
  std::optional<long> output;
  precision_args precision;
  bool lambda_only = false;
  std::string certificate;
  output_args output_opts;
};
command empirical_command(empirical_args& a);

// docs/math.md Theorem 4.1's scale d·∏_{l<L} n_l·∏_l β_l² / min_l β_l², and Theorem 5.1's
// d·∏_{l<=k} n_l β_l² (k = 0..L-1), in floating point: reported ratios, not bounds.
struct theorem_scales {
  double thm41 = 0;
  std::vector<double> thm51;  // k = 0..L-1 (k = 0: d)
};
// The scales of net for the initialisation scales beta_sq (none when β is unknown).
std::optional<theorem_scales> theorem_scales_of(const ntk::network& net,
                                                const std::optional<std::vector<ntk::beta_square>>& beta_sq);

// The document of `certify empirical --json -` (docs/cli.md): command, data, network (of full,
// with output and parameters), model, lambda_min, float64, attempts, activations, layers,
// schur_bound, diagonal_min, infinite_width, theorem_4_1, timing. job.net is the network of the
// selected output.
ntk::json::value empirical_json(const ntk::dataset& data, const ntk::empirical_job& job, const ntk::network& full,
                                std::optional<std::size_t> output, const ntk::empirical_outcome& out,
                                const std::optional<theorem_scales>& sc);

// The text of the certificate `certify empirical --certificate` writes
// (lib/certificate/empirical_certificate.hpp); layout: "detect", "out-in" or "in-out".
std::string empirical_certificate_text(const ntk::dataset& data, const ntk::empirical_job& job,
                                       const ntk::network& full, const std::string& layout,
                                       std::optional<std::size_t> output, const ntk::empirical_outcome& out);

}  // namespace certify
