// certify compare: what plain float64 / float32 code makes of the NTK, against the certified answer.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "driver/compare.hpp"
#include "empirical/compare_empirical.hpp"
#include "network_options.hpp"
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

// The options of certify compare; the initial values are the defaults.
struct compare_args {
  data_args data;
  model_args model;
  precision_args precision;
  network_args network;
  std::optional<long> output;
  output_args output_opts;
};

command compare_command(compare_args& a) {
  command c("compare",
      "Computes K^(L) the way popular code does, in float64 and in float32 (rho = c/sqrt(ab) clipped\n"
      "to [-1, 1], theta = arccos rho; and the atan2 form of neural-tangents), takes all its\n"
      "eigenvalues with LAPACK (dsyevd / ssyevd), and measures both against the certified answer:\n"
      "the lambda_min enclosure of 'certify ntk' and the entrywise enclosures of 'certify kernel' at\n"
      "the precision the certification ended with. Per computation: entries outside their enclosure\n"
      "(provably wrong), NaN entries, the largest absolute and relative excess, the float lambda_min,\n"
      "whether it lies in the certified enclosure, its relative error (distance to the nearest point\n"
      "of the enclosure over the enclosure's midpoint), and the number of negative eigenvalues.\n"
      "Exit 0 when the comparison was made (also when the enclosure misses --rtol: see its\n"
      "\"certified\" flag); 2 on bad usage or bad input.\n\n"
      "With --network SPEC: the empirical NTK K = J J^T of that network instead (as 'certify empirical'),\n"
      "computed in float64 and float32 by the same formula and in float32 through the explicit\n"
      "Jacobian (when N*P <= 5e7), against the certified lambda_min and entries; --depth and\n"
      "--convention do not apply.");
  add_data_options(c, a.data);
  add_model_options(c, a.model);
  add_precision_options(c, a.precision);
  add_network_options(c, a.network, false);
  c.whole("output", a.output, "J", 0, 1L << 30, "with --network: which output unit to use (0-based)")
      .default_text("the only output");
  add_output_options(c, a.output_opts);
  return c;
}

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}


std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

std::string table(const ntk::compare_outcome& out) {
  std::ostringstream o;
  o << pad("", 15) << pad("lambda_min", 25) << pad("inside", 7) << pad("rel.error", 11) << pad("neg.eig", 8)
    << pad("NaNs", 6) << pad("outside", 16) << "max abs excess\n";
  for (const auto& r : out.floats) {
    o << pad(r.name, 15) << pad(fmt(r.lambda_min, 17), 25) << pad(r.eigenvalues_done ? (r.lambda.inside ? "yes" : "NO") : "-", 7)
      << pad(fmt(r.lambda.rel_error, 3), 11) << pad(std::to_string(r.negative_eigenvalues), 8)
      << pad(std::to_string(r.entries.nan_count), 6)
      << pad(std::to_string(r.entries.entries_outside) + "/" + std::to_string(r.entries.entries), 16)
      << fmt(r.entries.max_abs_excess, 3) << "\n";
  }
  return o.str();
}

// certify compare --network SPEC: the empirical NTK (lib/empirical/compare_empirical.hpp).
int run_compare_empirical(const command& cmd, const compare_args& a) {
  const bool quiet = a.output_opts.quiet;
  const std::string& json_path = a.output_opts.json;
  check_output_path("json", json_path);
  for (const char* o : {"depth", "convention"})
    if (cmd.given(o)) throw usage_error(std::string("--") + o + " does not apply with --network");
  const network_request nreq = read_network_options(a.network);
  ntk::empirical_job job;
  a.precision.apply(job.precision, job.rtol);
  ntk::dataset data = load_data(a.data, job.prep);
  const ntk::network full = load_network(nreq);
  std::optional<std::size_t> output;
  const ntk::network net = select_output(full, data, a.output, output);
  job.net = &net;
  job.data = &data;
  terminal_progress progress(!quiet);
  const ntk::empirical_compare_outcome out = ntk::compare_empirical_floats(job, progress);
  progress.finish();
  const ntk::ntk_outcome& c = out.certified.lambda;
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "compare";
  j["data"] = data_json(data, job.prep);
  ntk::json::value nj = network_json(full);
  nj["output"] = output ? ntk::json::value(static_cast<unsigned long>(*output)) : ntk::json::value();
  j["network"] = nj;
  ntk::json::value cert = ntk::json::value::object();
  cert["lambda_min"] = lambda_min_json(c, job.rtol);
  cert["entries"]["precision_bits"] = 53;
  cert["entries"]["max_width"] = out.max_entry_width;
  j["certified"] = cert;
  for (const auto& r : out.floats) j[r.name] = certify::float_report_json(r);
  if (!out.jacobian_note.empty()) j["jacobian-float32"]["note"] = out.jacobian_note;
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));
  if (!quiet && json_path != "-") {
    ntk::compare_outcome view;
    view.floats = out.floats;
    std::ostringstream o;
    o << data_summary(data, job.prep) << "\nnetwork     " << full.source << "  ("
      << ntk::network_describe(full) << ")\ncertified   lambda_min(K = J J^T) in " << bound_text(c.lower, c.upper)
      << (c.certified ? "" : "  (NOT CERTIFIED to --rtol)") << ", " << c.precision_bits << " bits\n";
    if (c.exact_zero) o << "            = 0 exactly: " << c.exact_zero_reason << "\n";
    o << "entries     certified at 53 bits, widest enclosure " << fmt(out.max_entry_width, 3) << "\n\n" << table(view);
    if (!out.jacobian_note.empty()) o << "jacobian-float32: " << out.jacobian_note << "\n";
    o << "\n'outside': entries provably wrong (outside their certified enclosure); 'rel.error': distance\n"
         "of lambda_min to the certified enclosure over its midpoint (0 when inside).\n";
    std::cout << o.str();
  }
  return 0;
}

int run_compare(const std::vector<std::string>& argv) {
  compare_args a;
  command cmd = compare_command(a);
  if (!cmd.parse(argv)) return 0;
  if (cmd.given("network")) return run_compare_empirical(cmd, a);
  const bool quiet = a.output_opts.quiet;
  const std::string& json_path = a.output_opts.json;
  check_output_path("json", json_path);

  ntk::compare_job job;
  job.depth = static_cast<int>(a.model.depth);
  job.convention = a.model.kernel_convention();
  a.precision.apply(job.precision, job.rtol);
  ntk::dataset data = load_data(a.data, job.prep);
  job.data = &data;

  terminal_progress progress(!quiet);
  const ntk::compare_outcome out = ntk::compare_float_kernels(job, progress);
  progress.finish();
  const ntk::ntk_outcome& c = out.certified;

  const ntk::json::value j = compare_json(job, out);

  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));

  if (!quiet && json_path != "-") {
    std::ostringstream o;
    o << data_summary(data, job.prep)
      << "\nmodel       ReLU NTK, depth " << job.depth << ", convention " << ntk::kernel_convention_name(job.convention)
      << "\ncertified   lambda_min in " << bound_text(c.lower, c.upper)
      << (c.certified ? "" : "  (NOT CERTIFIED to --rtol)") << ", " << c.precision_bits << " bits\n";
    if (c.exact_zero) o << "            = 0 exactly: " << c.exact_zero_reason << "\n";
    o << "entries     certified at " << out.entries_precision_bits << " bits, widest enclosure "
      << fmt(out.max_entry_width, 3) << "\n\n"
      << table(out)
      << "\n'outside': entries provably wrong (outside their certified enclosure); 'rel.error': distance\n"
         "of lambda_min to the certified enclosure over its midpoint (0 when inside).\n";
    std::cout << o.str();
  }
  return 0;
}

void describe(const command_visitor& visit) {
  compare_args a;
  visit(compare_command(a));
}

const command_registrar reg("compare", "float64 / float32 NTK and eigenvalues against the certified answer",
                            run_compare, describe);

}  // namespace
}  // namespace certify
