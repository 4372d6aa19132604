// certify kernel: export certified entrywise enclosures of K^(l), G^(l) or Gdot^(l).
#include <cstdint>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>

#include "certificate/io.hpp"
#include "cli.hpp"
#include "data/checks.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "kernel/convention.hpp"
#include "interval/decimal.hpp"
#include "interval/interval.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "empirical/empirical_kernel.hpp"
#include "network_options.hpp"
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

// The options of certify kernel; the initial values are the defaults.
struct kernel_args {
  data_args data;
  model_args model;
  kernel_select_args select;
  std::string out;
  network_args network;
  std::optional<long> output;
  output_args output_opts;
};

command kernel_command(kernel_args& a) {
  command c("kernel",
            "Writes certified enclosures of every entry of K^(l) (the NTK), G^(l) (the NNGP kernel) or\n"
            "Gdot^(l) (the derivative kernel) of docs/math.md section 2 for the exactly preprocessed rows.\n"
            "PATH.npy: float64 array of shape (2, N, N), [0] lower and [1] upper bounds rounded outward.\n"
            "PATH.csv: header i,j,lower,upper, one line per pair i <= j (0-based), outward decimal strings.\n"
            "The convention scales K and G (neural-tangents: /d, uci: /2^(L-1)); Gdot is never scaled.\n"
            "Gdot^(l) exists for l >= 2. --precision auto uses the double tier; BITS > 53 uses MPFI.\n"
            "With --network SPEC: the empirical NTK K = J J^T of that network (--which K, the default) or its\n"
            "feature Gram matrices F_k F_k^T (--which F0 .. F{L-1}), lib/empirical; --depth, --layer and\n"
            "--convention do not apply.");
  add_data_options(c, a.data);
  add_model_options(c, a.model);
  add_kernel_options(c, a.select);
  c.text("out", a.out, "PATH", "output file, .npy or .csv").required("(PATH ending in .npy or .csv)");
  add_network_options(c, a.network, false);
  c.whole("output", a.output, "J", 0, 1L << 30, "with --network: which output unit to use (0-based)")
      .default_text("the only output");
  add_output_options(c, a.output_opts);
  return c;
}

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

std::string npy_bytes(std::size_t n, const std::vector<double>& lo, const std::vector<double>& hi) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, " + std::to_string(n) + ", " +
                       std::to_string(n) + "), }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto hl = static_cast<std::uint16_t>(header.size());
  out.push_back(static_cast<char>(hl & 0xff));
  out.push_back(static_cast<char>(hl >> 8));
  out += header;
  const std::size_t off = out.size();
  out.resize(off + 16 * n * n);
  std::memcpy(out.data() + off, lo.data(), 8 * n * n);  // x86_64 is little-endian, as '<f8' says
  std::memcpy(out.data() + off + 8 * n * n, hi.data(), 8 * n * n);
  return out;
}

template <class I>
std::string lower_text(const I& x) {
  if constexpr (ntk::interval_traits<I>::is_double_tier) {
    return ntk::decimal_string(x.lo, ntk::outward::down);
  } else {
    const long bits = static_cast<long>(mpfi_get_prec(ntk::mpfi_of(x)));
    return ntk::decimal_string(&ntk::mpfi_of(x)->left, ntk::outward::down, ntk::decimal_digits_for_bits(bits));
  }
}

template <class I>
std::string upper_text(const I& x) {
  if constexpr (ntk::interval_traits<I>::is_double_tier) {
    return ntk::decimal_string(x.hi, ntk::outward::up);
  } else {
    const long bits = static_cast<long>(mpfi_get_prec(ntk::mpfi_of(x)));
    return ntk::decimal_string(&ntk::mpfi_of(x)->right, ntk::outward::up, ntk::decimal_digits_for_bits(bits));
  }
}

struct export_stats {
  double max_width = 0;
  double max_relative_width = 0;
};

// Writes the enclosures of m to out_path (.npy or .csv) and returns their widths.
template <class I>
export_stats write_matrix(const ntk::dense_matrix<I>& m, const std::string& out_path) {
  const std::size_t n = m.rows;
  export_stats st;
  for (const auto& e : m.data) {
    const double w = ntk::width_up(e);
    st.max_width = std::max(st.max_width, w);
    const double mag = std::max(std::fabs(ntk::lower_d(e)), std::fabs(ntk::upper_d(e)));
    if (mag > 0) st.max_relative_width = std::max(st.max_relative_width, w / mag);
  }
  if (ends_with(out_path, ".npy")) {
    std::vector<double> lo(n * n), hi(n * n);
    for (std::size_t k = 0; k < n * n; ++k) {
      lo[k] = ntk::lower_d(m.data[k]);
      hi[k] = ntk::upper_d(m.data[k]);
    }
    ntk::write_file_atomic(out_path, npy_bytes(n, lo, hi));
  } else {
    std::string text = "i,j,lower,upper\n";
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i; j < n; ++j)
        text += std::to_string(i) + "," + std::to_string(j) + "," + lower_text(m(i, j)) + "," + upper_text(m(i, j)) + "\n";
    ntk::write_file_atomic(out_path, text);
  }
  return st;
}

template <class I>
export_stats export_matrix(const ntk::dataset& data, const ntk::preprocessing& prep, int depth,
                           ntk::kernel_convention conv, ntk::kernel_which which, int layer,
                           const std::string& out_path, ntk::progress_sink& progress) {
  ntk::geometry<I> g = ntk::geometry_compute<I>(data, prep, progress);
  ntk::dense_matrix<I> m = ntk::kernel_matrix<I>(g, depth, which, layer, progress);
  ntk::apply_convention(m, which, conv, data.d, depth);
  return write_matrix(m, out_path);
}

// certify kernel --network SPEC: the empirical NTK K̄ = J Jᵀ of the network (--which K) or the
// feature Gram matrix F_k F_kᵀ (--which Fk, k = 0..L-1), lib/empirical.
int run_kernel_empirical(const command& cmd, const kernel_args& a) {
  const bool quiet = a.output_opts.quiet;
  const std::string out_path = a.out;
  check_output_path("out", out_path);
  check_output_path("json", a.output_opts.json);
  if (!ends_with(out_path, ".npy") && !ends_with(out_path, ".csv"))
    throw usage_error("--out must end in .npy or .csv, not '" + out_path + "'");
  for (const char* o : {"depth", "convention", "layer"})
    if (cmd.given(o)) throw usage_error(std::string("--") + o + " does not apply with --network (the network fixes the depth)");
  const network_request nreq = read_network_options(a.network);
  long bits = 53;
  if (a.select.precision != "auto") bits = std::stol(a.select.precision);
  ntk::preprocessing prep;
  ntk::dataset data = load_data(a.data, prep);
  ntk::dataset_check_rows(data, prep);
  const ntk::network full = load_network(nreq);
  const std::size_t L = full.depth();
  std::optional<std::size_t> output;
  const ntk::network net = select_output(full, data, a.output, output);
  const std::string& which_s = a.select.which;
  long k = -1;
  if (which_s != "K") {
    const bool ok = which_s.size() >= 2 && which_s[0] == 'F' && which_s.find_first_not_of("0123456789", 1) == std::string::npos &&
                    which_s.size() <= 6;
    if (ok) k = std::stol(which_s.substr(1));
    if (!ok || k < 0 || static_cast<std::size_t>(k) >= L)
      throw usage_error("with --network, --which takes K or Fk with 0 <= k < L = " + std::to_string(L) + ", not '" + which_s + "'");
  }
  terminal_progress progress(!quiet);
  export_stats st;
  long used_bits = 53;
  ntk::activation_counts acts;
  if (bits <= 53) {
    auto p = ntk::empirical_kernel_fast(net, data, prep, progress);
    acts = p.activations;
    st = write_matrix(k < 0 ? p.K : p.feature_gram[static_cast<std::size_t>(k)], out_path);
  } else {
    used_bits = ntk::set_working_precision_bits(bits);
    auto p = ntk::empirical_kernel<ntk::minterval>(net, data, prep, progress);
    acts = p.activations;
    st = write_matrix(k < 0 ? p.K : p.feature_gram[static_cast<std::size_t>(k)], out_path);
  }
  progress.finish();
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "kernel";
  j["data"] = data_json(data, prep);
  ntk::json::value nj = network_json(full);
  nj["output"] = output ? ntk::json::value(static_cast<unsigned long>(*output)) : ntk::json::value();
  j["network"] = nj;
  j["which"] = which_s == "K" ? std::string("Kbar") : which_s;
  j["out"] = out_path;
  j["precision_bits"] = used_bits;
  j["max_width"] = st.max_width;
  j["max_relative_width"] = st.max_relative_width;
  j["activations"]["undecided"] = static_cast<unsigned long>(acts.undecided);
  j["activations"]["exact_zeros"] = static_cast<unsigned long>(acts.exact_zeros);
  const std::string& json_path = a.output_opts.json;
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));
  if (!quiet && json_path != "-")
    std::cout << "wrote " << out_path << ": certified enclosures of "
              << (k < 0 ? std::string("the empirical NTK K = J J^T") : "F_" + std::to_string(k) + " F_" + std::to_string(k) + "^T")
              << " of " << full.source << " for " << data.n << " rows (" << used_bits << " bits); widest entry " << st.max_width
              << ", max relative width " << st.max_relative_width << "\n";
  return acts.undecided == 0 ? 0 : 1;
}

int run_kernel(const std::vector<std::string>& argv) {
  kernel_args a;
  command cmd = kernel_command(a);
  if (!cmd.parse(argv)) return 0;
  if (cmd.given("network")) return run_kernel_empirical(cmd, a);
  const bool quiet = a.output_opts.quiet;
  const int depth = static_cast<int>(a.model.depth);
  const ntk::kernel_convention conv = a.model.kernel_convention();
  const std::string& which_s = a.select.which;
  const kernel_selection sel = read_kernel_selection(a.select, depth);
  const ntk::kernel_which which = sel.which;
  const int layer = sel.layer;
  const std::string& out_path = a.out;
  check_output_path("out", out_path);
  check_output_path("json", a.output_opts.json);
  if (!ends_with(out_path, ".npy") && !ends_with(out_path, ".csv"))
    throw usage_error("--out must end in .npy or .csv, not '" + out_path + "'");
  const long bits = sel.bits;
  ntk::preprocessing prep;
  ntk::dataset data = load_data(a.data, prep);
  ntk::dataset_check_rows(data, prep);

  terminal_progress progress(!quiet);
  export_stats st;
  long used_bits = 53;
  if (bits <= 53) {
    st = export_matrix<ntk::dinterval>(data, prep, depth, conv, which, layer, out_path, progress);
  } else {
    used_bits = ntk::set_working_precision_bits(bits);
    st = export_matrix<ntk::minterval>(data, prep, depth, conv, which, layer, out_path, progress);
  }
  progress.finish();

  ntk::json::value j = ntk::json::value::object();
  j["command"] = "kernel";
  j["data"] = data_json(data, prep);
  j["model"] = model_json(depth, conv);
  j["which"] = which_s;
  j["layer"] = layer;
  j["out"] = out_path;
  j["precision_bits"] = used_bits;
  j["max_width"] = st.max_width;
  j["max_relative_width"] = st.max_relative_width;
  const std::string& json_path = a.output_opts.json;
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));
  if (!quiet && json_path != "-")
    std::cout << "wrote " << out_path << ": certified enclosures of " << which_s << "^(" << layer << ") for "
              << data.n << " rows (depth " << depth << ", " << ntk::kernel_convention_name(conv) << ", " << used_bits
              << " bits); widest entry " << st.max_width << ", max relative width " << st.max_relative_width << "\n";
  return 0;
}

void describe(const command_visitor& visit) {
  kernel_args a;
  visit(kernel_command(a));
}

const command_registrar reg("kernel", "export certified entrywise enclosures of K, G or Gdot", run_kernel, describe);

}  // namespace
}  // namespace certify
