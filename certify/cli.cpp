#include "cli.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace certify {

long parsed_args::get_long(const std::string& name, long fallback, long min, long max) const {
  auto it = values.find(name);
  if (it == values.end()) return fallback;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
    throw usage_error("--" + name + " takes a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not '" + s + "'");
  return v;
}

double parsed_args::get_double(const std::string& name, double fallback) const {
  auto it = values.find(name);
  if (it == values.end()) return fallback;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno == ERANGE || !(v == v))
    throw usage_error("--" + name + " takes a number, not '" + s + "'");
  return v;
}

std::optional<parsed_args> parse_args(const command_spec& spec, const std::vector<std::string>& argv) {
  parsed_args out;
  for (std::size_t k = 0; k < argv.size(); ++k) {
    const std::string& a = argv[k];
    if (a == "--help" || a == "-h") {
      std::cout << help_text(spec);
      return std::nullopt;
    }
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      const option_spec* opt = nullptr;
      for (const auto& o : spec.options)
        if (o.name == name) opt = &o;
      if (!opt) throw usage_error("unknown option --" + name + " for 'certify " + spec.name + "' (see certify " + spec.name + " --help)");
      if (opt->metavar.empty()) {
        if (inline_value) throw usage_error("--" + name + " takes no value");
      } else if (!inline_value) {
        if (k + 1 >= argv.size()) throw usage_error("--" + name + " needs a value " + opt->metavar);
        value = argv[++k];
      }
      out.values[name] = value;
    } else {
      if (out.positional.size() >= spec.max_positional)
        throw usage_error("unexpected argument '" + a + "' for 'certify " + spec.name + "'");
      out.positional.push_back(a);
    }
  }
  return out;
}

namespace {
// Appends `text` wrapped at 100 columns, continuation lines indented by `indent`.
void append_wrapped(std::ostringstream& o, const std::string& text, std::size_t indent, std::size_t col) {
  std::istringstream words(text);
  std::string w;
  bool first = true;
  while (words >> w) {
    if (!first && col + 1 + w.size() > 100) {
      o << "\n" << std::string(indent, ' ');
      col = indent;
    } else if (!first) {
      o << ' ';
      ++col;
    }
    o << w;
    col += w.size();
    first = false;
  }
  o << "\n";
}
}  // namespace

std::string help_text(const command_spec& spec) {
  std::ostringstream o;
  o << "usage: certify " << spec.name << " " << spec.synopsis << "\n\n" << spec.description << "\n\noptions:\n";
  constexpr std::size_t col = 28;
  auto line = [&](const std::string& lhs, const std::string& help) {
    o << "  " << lhs;
    if (lhs.size() + 2 < col) {
      o << std::string(col - 2 - lhs.size(), ' ');
    } else {
      o << "\n" << std::string(col, ' ');
    }
    append_wrapped(o, help, col, col);
  };
  for (const auto& opt : spec.options) {
    std::string help = opt.help;
    if (!opt.default_text.empty()) help += " (default: " + opt.default_text + ")";
    line("--" + opt.name + (opt.metavar.empty() ? "" : " " + opt.metavar), help);
  }
  line("--help", "this text");
  return o.str();
}

std::vector<option_spec> data_options() {
  return {
      {"data", "SPEC", "data/fashion-mnist-test-500.csv",
       "file.csv | file.npy | file-ubyte[.gz] | fashion-mnist:train | fashion-mnist:test, optionally "
       "?pool=K for KxK average pooling (K in 1,2,4,7,14,28) | "
       "synthetic:sphere?n=N&d=D&seed=S"},
      {"limit", "N", "all rows", "use at most N rows"},
      {"offset", "K", "0", "skip the first K rows"},
      {"center", "", "", "subtract the column mean (exactly)"},
      {"normalize", "none|sphere|unit", "none", "rescale every row to norm sqrt(d) or 1 (exactly)"},
  };
}

std::vector<option_spec> output_options() {
  return {
      {"json", "PATH|-", "", "write the machine-readable result to PATH, or to stdout with -"},
      {"quiet", "", "", "no summary and no progress display"},
  };
}

}  // namespace certify
