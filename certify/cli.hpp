// Command-line parsing shared by the certify commands. Parsing only: no numerics here.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace certify {

// Bad usage or bad input: the command prints the message and exits with status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct option_spec {
  std::string name;         // without the leading "--"
  std::string metavar;      // empty for a flag
  std::string default_text; // shown in --help; empty when there is no default
  std::string help;
};

struct parsed_args {
  std::map<std::string, std::string> values;  // option name -> value ("" for flags)
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return values.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  // Typed getters throw usage_error naming the option on a malformed value.
  long get_long(const std::string& name, long fallback, long min, long max) const;
  double get_double(const std::string& name, double fallback) const;
};

struct command_spec {
  std::string name;
  std::string synopsis;     // one line, after "certify NAME"
  std::string description;  // a paragraph or more
  std::vector<option_spec> options;
  std::size_t max_positional = 0;
};

// Parses argv (after the command name). Accepts --opt VALUE and --opt=VALUE. Throws usage_error
// for unknown options, missing values and excess positional arguments. Returns nullopt when --help
// was given (after printing the help to stdout).
std::optional<parsed_args> parse_args(const command_spec& spec, const std::vector<std::string>& argv);

std::string help_text(const command_spec& spec);

// The data options shared by ntk, kernel, compare, ... (--data, --limit, --offset, --center,
// --normalize) and the common ones (--json, --quiet).
std::vector<option_spec> data_options();
std::vector<option_spec> output_options();

}  // namespace certify
