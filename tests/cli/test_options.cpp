// The option declarations of every certify command (certify/registry.hpp), against the program:
// each declared option has a help text and appears in `certify <command> --help` with its default;
// the help is the one generated from the declarations; unknown options, missing values, malformed
// numbers and values given to flags exit 2 with a message naming the option; docs/cli.md holds the
// generated reference (scripts/cli-reference writes it).
#define BOOST_TEST_MODULE cli_options
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../common/cli_sandbox.hpp"
#include "cli.hpp"
#include "registry.hpp"

namespace {

using ntk_test::has;
using ntk_test::run_result;
using ntk_test::sandbox;

struct parser {
  std::string command;   // "ntk"
  std::string prefix;    // arguments that select this parser ("--feature-map nngp")
  std::string help;      // generated from the declarations
  std::vector<certify::option_info> options;
};

std::vector<parser> all_parsers() {
  std::vector<parser> out;
  for (const auto& e : certify::command_registry()) {
    BOOST_TEST_REQUIRE(e.describe != nullptr, "certify " << e.name << " registers no describe function");
    e.describe([&](const certify::command& c) {
      parser p{e.name, "", c.help(), c.options()};
      for (const auto& o : c.options())
        if (o.name == "feature-map") p.prefix = "--feature-map nngp ";
      out.push_back(p);
    });
  }
  return out;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

BOOST_AUTO_TEST_CASE(every_command_declares_its_options) {
  const auto parsers = all_parsers();
  std::string names;
  for (const auto& p : parsers) names += p.command + " ";
  for (const char* c : {"ntk", "kernel", "hermite", "compare", "check", "empirical", "lipschitz"})
    BOOST_TEST(has(names, std::string(c) + " "), c);
  BOOST_TEST(parsers.size() >= 8u);  // lipschitz has two parsers
}

BOOST_AUTO_TEST_CASE(help_lists_every_option_with_its_default) {
  sandbox sb;
  for (const auto& p : all_parsers()) {
    BOOST_TEST_CONTEXT("certify " << p.command << " " << p.prefix) {
      const run_result r = sb.certify(p.command + " " + p.prefix + "--help");
      BOOST_TEST(r.status == 0);
      BOOST_TEST(r.out == p.help);
      for (const auto& o : p.options) {
        BOOST_TEST(!o.help.empty(), o.name << " has no help text");
        BOOST_TEST((o.flag || !o.metavar.empty()), o.name << " has no value name");
        const std::string lhs = o.positional ? o.name : "--" + o.name + (o.flag ? "" : " " + o.metavar);
        const auto at = r.out.find("  " + lhs);
        BOOST_TEST_REQUIRE(at != std::string::npos, lhs);
        // The option's entry runs to the next line that starts a new entry.
        auto end = r.out.find("\n  -", at + 1);
        // Wrapped lines joined: runs of blanks and line breaks become one space.
        std::string entry;
        for (char ch : r.out.substr(at, end == std::string::npos ? std::string::npos : end - at)) {
          if (ch == '\n') ch = ' ';
          if (ch != ' ' || entry.empty() || entry.back() != ' ') entry += ch;
        }
        if (!o.default_text.empty()) BOOST_TEST(has(entry, "(default: " + o.default_text + ")"), entry);
        // A value option without a default must be one that is optional by nature (a path, a
        // mode selector) or required: its entry says which.
        if (o.required) BOOST_TEST(has(entry, "(required)"), entry);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_naming_the_option) {
  sandbox sb;
  for (const auto& p : all_parsers()) {
    const std::string base = p.command + " " + p.prefix;
    BOOST_TEST_CONTEXT("certify " << base) {
      run_result r = sb.certify(base + "--no-such-option 3");
      BOOST_TEST(r.status == 2);
      BOOST_TEST(has(r.err, "--no-such-option"), r.err);
      r = sb.certify(base + "--no-such-option=3");
      BOOST_TEST(r.status == 2);
      BOOST_TEST(has(r.err, "--no-such-option"), r.err);
      for (const auto& o : p.options) {
        if (o.positional || o.name == "feature-map") continue;
        const std::string dashed = "--" + o.name;
        if (o.flag) {
          r = sb.certify(base + dashed + "=1");
          BOOST_TEST(r.status == 2, dashed << "=1");
          BOOST_TEST(has(r.err, dashed), dashed << "=1: " << r.err);
          continue;
        }
        r = sb.certify(base + dashed);  // the value is missing
        BOOST_TEST(r.status == 2, dashed);
        BOOST_TEST(has(r.err, dashed), dashed << ": " << r.err);
        if (o.numeric) {
          for (const std::string bad : {"x", "1x", "nan", "1e999", ""}) {
            r = sb.certify(base + dashed + " " + quoted(bad));
            BOOST_TEST(r.status == 2, dashed << " " << bad);
            BOOST_TEST(has(r.err, dashed), dashed << " " << bad << ": " << r.err);
            BOOST_TEST(has(r.err, "'" + bad + "'"), dashed << " " << bad << ": " << r.err);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(repeated_options_take_the_last_value) {
  sandbox sb;
  const run_result r =
      sb.certify("hermite --order 7 --order=3 --quiet --quiet --json -");
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(has(r.out, "\"order\": 3"));
}

BOOST_AUTO_TEST_CASE(docs_cli_md_holds_the_generated_reference) {
  std::ifstream in(NTK_TEST_DOCS_CLI);
  BOOST_TEST_REQUIRE(in.good(), NTK_TEST_DOCS_CLI);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  for (const auto& p : all_parsers()) {
    // scripts/cli-reference: a heading per parser and the help indented by four spaces.
    std::string block = "### `certify " + p.command + (p.prefix.empty() ? "" : " " + p.prefix.substr(0, p.prefix.size() - 1)) +
                        " --help`\n\n";
    std::istringstream lines(p.help);
    for (std::string line; std::getline(lines, line);) block += line.empty() ? "\n" : "    " + line + "\n";
    BOOST_TEST(has(doc, block), "docs/cli.md lacks the current help of certify " << p.command << " " << p.prefix
                                    << "(run scripts/cli-reference)");
  }
}
