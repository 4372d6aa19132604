// Command-line parsing shared by the certify commands (and certify-mpi, the Python module). Parsing
// only: no numerics here. Tokenising (--opt VALUE, --opt=VALUE, flags, positional arguments) is
// CLI11's (Debian libcli11-dev); every option is declared once, with its name, value name, default
// and help text, and `--help` is generated from those declarations (docs/cli.md lists them).
// CLI11 itself is included only by cli.cpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace certify {

// Bad usage or bad input: the command prints the message and exits with status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A value rule: returns "" when `value` is acceptable, otherwise the message that follows
// "--name " (e.g. "takes a whole number from 1 to 64, not 'x'").
using value_rule = std::function<std::string(const std::string& value)>;
value_rule whole_rule(long min, long max);        // a whole number in [min, max]
value_rule one_of_rule(std::vector<std::string>);  // one of the words
value_rule no_rule();

// What --help and docs/cli.md show of one declared option.
struct option_info {
  std::string name;          // without the leading "--" (a positional argument: its METAVAR)
  std::string metavar;       // empty for a flag
  std::string default_text;  // empty when the option has no default
  std::string help;
  bool flag = false;
  bool positional = false;
  bool required = false;
  bool numeric = false;      // a number is expected (tests feed it "x")
};

class command;

// The handle returned by a declaration, for the few options that need more than the defaults.
class option_ref {
 public:
  // --help shows "(default: TEXT)"; for defaults that are not a value ("all rows", "the depth L").
  option_ref& default_text(const std::string& text);
  // Absent option: usage_error "--name METAVAR is required" + note.
  option_ref& required(const std::string& note = "");

 private:
  friend class command;
  option_ref(command* c, std::size_t i) : c_(c), i_(i) {}
  command* c_;
  std::size_t i_;
};

class command {
 public:
  // name: "ntk" for "certify ntk" (program: the name used in messages and the usage line,
  // "certify ntk" by default). synopsis_note: shown after the generated usage line's options.
  command(std::string name, std::string description, std::string program = "");
  ~command();
  command(command&&) noexcept;
  command(const command&) = delete;
  command& operator=(const command&) = delete;

  // Declarations. The target's value on entry is the default (shown in --help unless it is empty);
  // after parse() it holds the given value. Repeated options: the last one counts.
  option_ref flag(const std::string& name, bool& target, const std::string& help);
  option_ref text(const std::string& name, std::string& target, const std::string& metavar, const std::string& help,
                  value_rule rule = no_rule());
  option_ref choice(const std::string& name, std::string& target, const std::vector<std::string>& words,
                    const std::string& help);
  option_ref whole(const std::string& name, long& target, const std::string& metavar, long min, long max,
                   const std::string& help);
  option_ref whole(const std::string& name, std::optional<long>& target, const std::string& metavar, long min,
                   long max, const std::string& help);
  enum class sign { any, positive, nonnegative };
  option_ref number(const std::string& name, double& target, const std::string& metavar, sign s,
                    const std::string& help);
  option_ref number(const std::string& name, std::optional<double>& target, const std::string& metavar, sign s,
                    const std::string& help);
  option_ref positional(const std::string& metavar, std::string& target, const std::string& help);

  // Parses argv (the arguments after the command name). Returns false when --help (or -h) was
  // given, after printing help() to stdout. Throws usage_error naming the option for unknown
  // options, missing values, malformed values, values given to flags, missing required options and
  // excess positional arguments.
  bool parse(const std::vector<std::string>& argv);
  // Whether the option was given on the command line (even with its default value).
  bool given(const std::string& name) const;

  std::string help() const;
  const std::vector<option_info>& options() const;
  const std::string& name() const;
  const std::string& program() const;

 private:
  friend class option_ref;
  struct impl;
  std::unique_ptr<impl> p_;
};

// The shared option groups. Each add_* declares its options on a command, bound to the fields of
// the struct (whose initial values are the defaults).

// --data, --limit, --offset, --center, --normalize.
struct data_args {
  std::string data;  // set to NTKCERT_DEFAULT_DATA by add_data_options
  std::optional<long> limit;
  long offset = 0;
  bool center = false;
  std::string normalize = "none";
};
void add_data_options(command& c, data_args& a);

// --json PATH|-, --quiet.
struct output_args {
  std::string json;
  bool quiet = false;
};
void add_output_options(command& c, output_args& a);

// Formats a double default for --help: the shortest decimal that reads back to the same double,
// with a short exponent ("1e-6").
std::string number_text(double v);

}  // namespace certify
