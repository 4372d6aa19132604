// certify kernel: export certified entrywise enclosures of K^(l), G^(l) or Gdot^(l).
#include <cstdint>
#include <cstring>
#include <iostream>
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
#include "ntk_options.hpp"
#include "output.hpp"
#include "registry.hpp"

namespace certify {
namespace {

command_spec kernel_spec() {
  command_spec s;
  s.name = "kernel";
  s.synopsis = "--out PATH.npy|PATH.csv [--which K|G|Gdot] [--layer l] [--data SPEC] [options]";
  s.description =
      "Writes certified enclosures of every entry of K^(l) (the NTK), G^(l) (the NNGP kernel) or\n"
      "Gdot^(l) (the derivative kernel) of MATH.md section 2 for the exactly preprocessed rows.\n"
      "PATH.npy: float64 array of shape (2, N, N), [0] lower and [1] upper bounds rounded outward.\n"
      "PATH.csv: header i,j,lower,upper, one line per pair i <= j (0-based), outward decimal strings.\n"
      "The convention scales K and G (neural-tangents: /d, uci: /2^(L-1)); Gdot is never scaled.\n"
      "Gdot^(l) exists for l >= 2. --precision auto uses the double tier; BITS > 53 uses MPFI.";
  s.options = data_options();
  for (auto& o : model_options()) s.options.push_back(o);
  s.options.push_back({"which", "K|G|Gdot", "K", "which kernel to export"});
  s.options.push_back({"layer", "l", "the depth L", "layer to export, 1 <= l <= L"});
  s.options.push_back({"precision", "auto|BITS", "auto", "working precision (auto = double tier)"});
  s.options.push_back({"out", "PATH", "", "output file, .npy or .csv (required)"});
  for (auto& o : output_options()) s.options.push_back(o);
  return s;
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

template <class I>
export_stats export_matrix(const ntk::dataset& data, const ntk::preprocessing& prep, int depth,
                           ntk::kernel_convention conv, ntk::kernel_which which, int layer,
                           const std::string& out_path, ntk::progress_sink& progress) {
  ntk::geometry<I> g = ntk::geometry_compute<I>(data, prep, progress);
  ntk::dense_matrix<I> m = ntk::kernel_matrix<I>(g, depth, which, layer, progress);
  ntk::apply_convention(m, which, conv, data.d, depth);
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

int run_kernel(const std::vector<std::string>& argv) {
  const command_spec spec = kernel_spec();
  auto parsed = parse_args(spec, argv);
  if (!parsed) return 0;
  const parsed_args& args = *parsed;
  const bool quiet = args.has("quiet");
  int depth = 3;
  ntk::kernel_convention conv = ntk::kernel_convention::paper;
  read_model_options(args, depth, conv);
  const std::string which_s = args.get("which", "K");
  ntk::kernel_which which;
  if (which_s == "K") which = ntk::kernel_which::K;
  else if (which_s == "G") which = ntk::kernel_which::G;
  else if (which_s == "Gdot") which = ntk::kernel_which::Gdot;
  else throw usage_error("--which takes K, G or Gdot, not '" + which_s + "'");
  const int layer = static_cast<int>(args.get_long("layer", depth, which == ntk::kernel_which::Gdot ? 2 : 1, depth));
  const std::string out_path = args.get("out");
  check_output_path("out", out_path);
  check_output_path("json", args.get("json"));
  if (out_path.empty()) throw usage_error("--out PATH is required (PATH ending in .npy or .csv)");
  if (!ends_with(out_path, ".npy") && !ends_with(out_path, ".csv"))
    throw usage_error("--out must end in .npy or .csv, not '" + out_path + "'");
  long bits = 53;
  if (args.get("precision", "auto") != "auto") bits = args.get_long("precision", 53, 53, 1 << 20);
  ntk::preprocessing prep;
  ntk::dataset data = load_data(args, prep);
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
  const std::string json_path = args.get("json");
  if (!json_path.empty()) write_output(json_path, ntk::json::dump(j));
  if (!quiet && json_path != "-")
    std::cout << "wrote " << out_path << ": certified enclosures of " << which_s << "^(" << layer << ") for "
              << data.n << " rows (depth " << depth << ", " << ntk::kernel_convention_name(conv) << ", " << used_bits
              << " bits); widest entry " << st.max_width << ", max relative width " << st.max_relative_width << "\n";
  return 0;
}

const command_registrar reg("kernel", "export certified entrywise enclosures of K, G or Gdot", run_kernel);

}  // namespace
}  // namespace certify
