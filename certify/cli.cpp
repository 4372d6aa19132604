#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <sstream>

namespace certify {

// ---------------------------------------------------------------------------------------------
// command: declarations on a CLI::App, values converted and checked here so that every message
// names the option in the project's words.

namespace {

// Appends `text` wrapped at 100 columns, continuation lines indented by `indent`.
void wrap_into(std::ostringstream& o, const std::string& text, std::size_t indent, std::size_t col) {
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

std::string words_text(const std::vector<std::string>& w) {
  std::string s;
  for (std::size_t k = 0; k < w.size(); ++k) s += (k == 0 ? "" : k + 1 == w.size() ? " or " : ", ") + w[k];
  return s;
}

bool read_long(const std::string& s, long& v) {
  char* end = nullptr;
  errno = 0;
  v = std::strtol(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0' && errno != ERANGE;
}

bool read_double(const std::string& s, double& v) {
  char* end = nullptr;
  errno = 0;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && errno != ERANGE && std::isfinite(v);
}

std::string number_rule_text(command::sign s) {
  switch (s) {
    case command::sign::positive: return "takes a positive number";
    case command::sign::nonnegative: return "takes a number >= 0";
    default: return "takes a number";
  }
}

// ", 1 <= L <= 64" for the help text of a whole-number option; nothing for the technical caps.
std::string range_text(const std::string& metavar, long min, long max) {
  if (max > 1000000) return min > 0 ? ", " + metavar + " >= " + std::to_string(min) : "";
  return ", " + std::to_string(min) + " <= " + metavar + " <= " + std::to_string(max);
}

bool sign_ok(double v, command::sign s) {
  return s == command::sign::any || (s == command::sign::positive ? v > 0 : v >= 0);
}

}  // namespace

value_rule no_rule() { return {}; }

value_rule whole_rule(long min, long max) {
  return [min, max](const std::string& s) -> std::string {
    long v = 0;
    if (read_long(s, v) && v >= min && v <= max) return "";
    return "takes a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", not '" + s + "'";
  };
}

value_rule one_of_rule(std::vector<std::string> words) {
  return [words](const std::string& s) -> std::string {
    for (const auto& w : words)
      if (s == w) return "";
    return "takes " + words_text(words) + ", not '" + s + "'";
  };
}

std::string number_text(double v) {
  char buf[64];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  const auto e = s.find('e');
  if (e != std::string::npos) {  // 1e-06 -> 1e-6, 1e+20 -> 1e20
    std::string mant = s.substr(0, e), exp = s.substr(e + 1);
    const bool neg = exp[0] == '-';
    if (exp[0] == '-' || exp[0] == '+') exp = exp.substr(1);
    while (exp.size() > 1 && exp[0] == '0') exp = exp.substr(1);
    s = mant + "e" + (neg ? "-" : "") + exp;
  }
  return s;
}

struct command::impl {
  std::string name, description, program;
  CLI::App app;
  std::vector<option_info> infos;
  std::deque<std::string> slots;                     // the raw value of each option
  std::vector<CLI::Option*> opts;
  std::vector<std::function<void(const std::string&)>> store;  // checks and stores a given value
  std::vector<std::string> required_notes;

  std::size_t add(option_info info, CLI::Option* o, std::function<void(const std::string&)> st) {
    infos.push_back(std::move(info));
    opts.push_back(o);
    store.push_back(std::move(st));
    required_notes.emplace_back();
    return infos.size() - 1;
  }
  // A value option: CLI11 collects the string, `check` and `set` run after parsing.
  std::size_t add_value(const std::string& name, const std::string& metavar, const std::string& help,
                        const std::string& default_text, bool numeric, value_rule check,
                        std::function<void(const std::string&)> set) {
    slots.emplace_back();
    CLI::Option* o = app.add_option("--" + name, slots.back(), help);
    o->type_name(metavar)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    if (!default_text.empty()) o->default_str(default_text);
    option_info info{name, metavar, default_text, help, false, false, false, numeric};
    return add(info, o, [name, check, set](const std::string& v) {
      if (check) {
        const std::string err = check(v);
        if (!err.empty()) throw usage_error("--" + name + " " + err);
      }
      set(v);
    });
  }
};

option_ref& option_ref::default_text(const std::string& text) {
  c_->p_->infos[i_].default_text = text;
  c_->p_->opts[i_]->default_str(text);
  return *this;
}

option_ref& option_ref::required(const std::string& note) {
  c_->p_->infos[i_].required = true;
  c_->p_->required_notes[i_] = note;
  return *this;
}

command::command(std::string name, std::string description, std::string program) : p_(std::make_unique<impl>()) {
  p_->name = name;
  p_->description = std::move(description);
  p_->program = program.empty() ? "certify " + name : std::move(program);
  p_->app.name(p_->program);
  p_->app.set_help_flag();  // parse() answers --help itself, before any other check
}

command::~command() = default;
command::command(command&&) noexcept = default;

option_ref command::flag(const std::string& name, bool& target, const std::string& help) {
  CLI::Option* o = p_->app.add_flag("--" + name, help);
  o->disable_flag_override();
  option_info info{name, "", "", help, true, false, false, false};
  return {this, p_->add(info, o, [&target](const std::string&) { target = true; })};
}

option_ref command::text(const std::string& name, std::string& target, const std::string& metavar,
                         const std::string& help, value_rule rule) {
  return {this, p_->add_value(name, metavar, help, target, false, std::move(rule),
                              [&target](const std::string& v) { target = v; })};
}

option_ref command::choice(const std::string& name, std::string& target, const std::vector<std::string>& words,
                           const std::string& help) {
  std::string metavar;
  for (const auto& w : words) metavar += (metavar.empty() ? "" : "|") + w;
  return {this, p_->add_value(name, metavar, help, target, false, one_of_rule(words),
                              [&target](const std::string& v) { target = v; })};
}

option_ref command::whole(const std::string& name, long& target, const std::string& metavar, long min, long max,
                          const std::string& help) {
  return {this, p_->add_value(name, metavar, help + range_text(metavar, min, max), std::to_string(target), true,
                              whole_rule(min, max), [&target](const std::string& v) { read_long(v, target); })};
}

option_ref command::whole(const std::string& name, std::optional<long>& target, const std::string& metavar, long min,
                          long max, const std::string& help) {
  return {this, p_->add_value(name, metavar, help + range_text(metavar, min, max), target ? std::to_string(*target) : "",
                              true, whole_rule(min, max),
                              [&target](const std::string& v) {
                                long x = 0;
                                read_long(v, x);
                                target = x;
                              })};
}

option_ref command::number(const std::string& name, double& target, const std::string& metavar, sign s,
                           const std::string& help) {
  auto rule = [s](const std::string& v) -> std::string {
    double x = 0;
    return read_double(v, x) && sign_ok(x, s) ? "" : number_rule_text(s) + ", not '" + v + "'";
  };
  return {this, p_->add_value(name, metavar, help, number_text(target), true, rule,
                              [&target](const std::string& v) { read_double(v, target); })};
}

option_ref command::number(const std::string& name, std::optional<double>& target, const std::string& metavar,
                           sign s, const std::string& help) {
  auto rule = [s](const std::string& v) -> std::string {
    double x = 0;
    return read_double(v, x) && sign_ok(x, s) ? "" : number_rule_text(s) + ", not '" + v + "'";
  };
  return {this, p_->add_value(name, metavar, help, target ? number_text(*target) : "", true, rule,
                              [&target](const std::string& v) {
                                double x = 0;
                                read_double(v, x);
                                target = x;
                              })};
}

option_ref command::positional(const std::string& metavar, std::string& target, const std::string& help) {
  p_->slots.emplace_back();
  CLI::Option* o = p_->app.add_option(metavar, p_->slots.back(), help);
  o->type_name(metavar);
  option_info info{metavar, metavar, "", help, false, true, false, false};
  return {this, p_->add(info, o, [&target](const std::string& v) { target = v; })};
}

bool command::parse(const std::vector<std::string>& argv) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") {
      std::cout << help();
      return false;
    }
  impl& p = *p_;
  // CLI11 would accept --flag=true and refuse --opt= (an empty value); the contract is the other way
  // round: flags take no value, and --opt= is --opt "".
  std::vector<std::string> args;
  for (const auto& a : argv) {
    const auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      for (const auto& info : p.infos)
        if (info.flag && a.compare(2, eq - 2, info.name) == 0 && eq - 2 == info.name.size())
          throw usage_error("--" + info.name + " takes no value");
      if (eq + 1 == a.size()) {
        args.push_back(a.substr(0, eq));
        args.emplace_back();
        continue;
      }
    }
    args.push_back(a);
  }
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the arguments reversed
  try {
    p.app.parse(reversed);
  } catch (const CLI::ExtrasError&) {
    const std::vector<std::string> left = p.app.remaining();
    const std::string a = left.empty() ? std::string("?") : left.front();
    if (a.size() > 1 && a[0] == '-') {
      throw usage_error("unknown option " + a.substr(0, a.find('=')) + " for '" + p.program + "' (see " + p.program +
                        " --help)");
    }
    throw usage_error("unexpected argument '" + a + "' for '" + p.program + "'");
  } catch (const CLI::ParseError& e) {
    // CLI11's messages start with the option's name ("--depth: 1 required L missing",
    // "--center was given a disallowed flag override"): restate them in our words.
    const std::string what = e.what();
    for (const auto& info : p.infos) {
      const std::string dashed = info.positional ? info.name : "--" + info.name;
      auto names = [&what](const std::string& n) {
        return what.rfind(n, 0) == 0 && (what.size() == n.size() || what[n.size()] == ':' || what[n.size()] == ' ');
      };
      if (!names(dashed) && !names(info.name)) continue;
      if (info.flag) throw usage_error(dashed + " takes no value");
      throw usage_error(dashed + " needs a value " + info.metavar);
    }
    throw usage_error(what + " (see " + p.program + " --help)");
  }
  for (std::size_t i = 0; i < p.infos.size(); ++i)
    if (p.opts[i]->count() > 0) p.store[i](p.infos[i].flag ? std::string() : p.opts[i]->as<std::string>());
  for (std::size_t i = 0; i < p.infos.size(); ++i) {
    if (p.infos[i].required && p.opts[i]->count() == 0) {
      const auto& info = p.infos[i];
      std::string m = info.positional ? "missing the " + info.metavar + " argument" : "--" + info.name + " " + info.metavar + " is required";
      if (!p.required_notes[i].empty()) m += " " + p.required_notes[i];
      throw usage_error(m);
    }
  }
  return true;
}

bool command::given(const std::string& name) const {
  for (std::size_t i = 0; i < p_->infos.size(); ++i)
    if (p_->infos[i].name == name) return p_->opts[i]->count() > 0;
  throw std::logic_error("certify: option --" + name + " is not declared");
}

std::string command::help() const {
  const impl& p = *p_;
  std::ostringstream o;
  o << "usage: " << p.program;
  for (const auto& info : p.infos)
    if (info.positional) o << " " << info.metavar;
  for (const auto& info : p.infos)
    if (info.required && !info.positional) o << " --" << info.name << " " << info.metavar;
  o << " [options]\n\n" << p.description << "\n\noptions:\n";
  constexpr std::size_t col = 28;
  auto line = [&](const std::string& lhs, const std::string& help) {
    o << "  " << lhs;
    if (lhs.size() + 2 < col) o << std::string(col - 2 - lhs.size(), ' ');
    else o << "\n" << std::string(col, ' ');
    wrap_into(o, help, col, col);
  };
  for (const auto& info : p.infos) {
    std::string h = info.help;
    if (info.required) h += " (required)";
    if (!info.default_text.empty()) h += " (default: " + info.default_text + ")";
    line(info.positional ? info.metavar : "--" + info.name + (info.metavar.empty() ? "" : " " + info.metavar), h);
  }
  line("--help", "this text");
  return o.str();
}

const std::vector<option_info>& command::options() const { return p_->infos; }
const std::string& command::name() const { return p_->name; }
const std::string& command::program() const { return p_->program; }

void add_data_options(command& c, data_args& a) {
  a.data = NTKCERT_DEFAULT_DATA;
  c.text("data", a.data, "SPEC",
         "file.csv | file.npy | file-ubyte[.gz] | fashion-mnist:train | fashion-mnist:test, optionally "
         "?pool=K for KxK average pooling (K in 1,2,4,7,14,28) | synthetic:sphere?n=N&d=D&seed=S")
      .default_text("data/fashion-mnist-test-500.csv");
  c.whole("limit", a.limit, "N", 1, 1L << 40, "use at most N rows").default_text("all rows");
  c.whole("offset", a.offset, "K", 0, 1L << 40, "skip the first K rows");
  c.flag("center", a.center, "subtract the column mean (exactly)");
  c.choice("normalize", a.normalize, {"none", "sphere", "unit"}, "rescale every row to norm sqrt(d) or 1 (exactly)");
}

void add_output_options(command& c, output_args& a) {
  c.text("json", a.json, "PATH|-", "write the machine-readable result to PATH, or to stdout with -");
  c.flag("quiet", a.quiet, "no summary and no progress display");
}

}  // namespace certify
