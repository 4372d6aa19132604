// certify hermite: exact Hermite coefficients of ReLU / step and their certified enclosures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "certificate/io.hpp"
#include "cli.hpp"
#include "command_options.hpp"
#include "hermite/coefficients.hpp"
#include "interval/decimal.hpp"
#include "registry.hpp"

namespace {

namespace hm = ntk::hermite;

using certify::hermite_args;
using certify::hermite_command;
using certify::max_exact_order;
using certify::default_exact_through;

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

// {"lower": "...", "upper": "..."}, rounded outward with `digits` significant digits.
std::string json_bound(mpfi_srcptr x, int digits) {
  return "{\"lower\": " + json_string(ntk::decimal_string(&x->left, ntk::outward::down, digits)) +
         ", \"upper\": " + json_string(ntk::decimal_string(&x->right, ntk::outward::up, digits)) + "}";
}

// One endpoint with 12 significant digits, rounded in the given direction (for the table only).
std::string short_endpoint(mpfr_srcptr x, mpfr_rnd_t rnd) {
  if (mpfr_zero_p(x)) return "0";
  char buf[64];
  mpfr_snprintf(buf, sizeof buf, "%.11R*e", rnd, x);
  return buf;
}

std::string short_interval(mpfi_srcptr x) {
  if (mpfr_zero_p(&x->left) && mpfr_zero_p(&x->right)) return "0 (exact)";
  if (mpfr_equal_p(&x->left, &x->right)) return short_endpoint(&x->left, MPFR_RNDN) + " (exact)";
  std::string out = "[";  // appended piecewise: "[" + std::string&& trips GCC 12's -Wrestrict
  out += short_endpoint(&x->left, MPFR_RNDD);
  out += ", ";
  out += short_endpoint(&x->right, MPFR_RNDU);
  out += "]";
  return out;
}

std::string short_exact(const std::string& s) {
  if (s.size() <= 24) return s;
  return "(" + std::to_string(s.size()) + "-character form)";
}

int run(const std::vector<std::string>& argv) {
  hermite_args a;
  certify::command cmd = hermite_command(a);
  if (!cmd.parse(argv)) return 0;

  const auto act = hm::parse_activation(a.activation);
  if (!act) throw certify::usage_error("--activation takes relu or step, not '" + a.activation + "'");
  const long order = a.order;
  const long precision = a.precision;
  const bool all_exact = a.exact;
  if (all_exact && order > max_exact_order)
    throw certify::usage_error("--exact lists exact forms up to --order " + std::to_string(max_exact_order) +
                               " (their size grows like r log r digits); without --exact they are listed up to " +
                               std::to_string(default_exact_through));
  const bool json_wanted = cmd.given("json");
  const std::string json_path = a.output.json;
  if (json_wanted && json_path.empty()) throw certify::usage_error("--json needs a path or -");
  const bool json_stdout = json_wanted && json_path == "-";
  const bool table_wanted = !a.output.quiet && !json_stdout;

  const auto start = std::chrono::steady_clock::now();
  const unsigned R = static_cast<unsigned>(order);
  const unsigned exact_through = static_cast<unsigned>(all_exact ? order : std::min(order, default_exact_through));
  const std::vector<hm::pi_rational> exact = hm::exact_c_table(*act, exact_through);
  const int digits = ntk::decimal_digits_for_bits(precision);

  // Table rows: all of them for short listings, else the first 30 and the last 10.
  const bool elide = R + 1 > 48;
  auto shown = [&](unsigned r) { return !elide || r < 30 || r + 10 > R; };

  std::string json;
  std::ostringstream table;
  if (json_wanted) {
    json.reserve(static_cast<std::size_t>(R + 1) * static_cast<std::size_t>(4 * digits + 120));
    json += "{\n  \"command\": \"hermite\",\n  \"activation\": " + json_string(hm::activation_name(*act)) +
            ",\n  \"series\": " + json_string(*act == hm::activation::relu ? "kappa1" : "kappa0") +
            ",\n  \"order\": " + std::to_string(R) + ",\n  \"precision_bits\": " + std::to_string(precision) +
            ",\n  \"exact_through\": " + std::to_string(exact_through) + ",\n  \"coefficients\": [\n";
  }
  if (table_wanted) {
    table << "Hermite coefficients of " << (*act == hm::activation::relu ? "ReLU" : "the step function")
          << ": c_r = 2 mu_r^2, " << (*act == hm::activation::relu ? "kappa1" : "kappa0")
          << "(rho) = sum_r c_r rho^r; enclosures at " << precision << " bits\n\n";
    char head[160];
    std::snprintf(head, sizeof head, "%8s  %-24s  %-42s  %s\n", "r", "c_r exact", "c_r enclosure", "S_r = sum_{k<=r} c_k");
    table << head;
  }

  hm::coefficient_walker w(*act, R, precision);
  for (;;) {
    const unsigned r = w.order();
    if (json_wanted) {
      json += "    {\"r\": " + std::to_string(r) + ", \"mu\": " + json_bound(w.mu(), digits) +
              ", \"c\": " + json_bound(w.c(), digits);
      if (r <= exact_through) {
        json += ", \"c_exact\": " + json_string(hm::to_string(exact[r]));
        hm::signed_root mu{hm::mu_sign(*act, r), exact[r]};
        mpq_div_2exp(mu.square.value.backend().data(), mu.square.value.backend().data(), 1);
        json += ", \"mu_exact\": " + json_string(hm::to_string(mu));
      }
      json += r == R ? "}\n" : "},\n";
    }
    if (table_wanted) {
      if (shown(r)) {
        char line[512];
        const std::string ex = r <= exact_through ? short_exact(hm::to_string(exact[r])) : "-";
        std::snprintf(line, sizeof line, "%8u  %-24s  %-42s  %s\n", r, ex.c_str(), short_interval(w.c()).c_str(),
                      short_interval(w.partial_sum()).c_str());
        table << line;
      } else if (r == 30) {
        table << "     ...  (" << (R - 39) << " orders not shown; --json lists every order)\n";
      }
    }
    if (w.at_end()) break;
    w.advance();
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (json_wanted) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", seconds);
    json += "  ],\n  \"partial_sum\": " + json_bound(w.partial_sum(), digits) +
            ",\n  \"tail_mass\": " + json_bound(w.tail_mass(), digits) + ",\n  \"seconds\": " + secs + "\n}\n";
    try {
      ntk::write_file_atomic(json_path, json);
    } catch (const ntk::io_error& e) {
      throw certify::usage_error(e.what());
    }
  }
  if (table_wanted) {
    table << "\nS_" << R << " = sum_{r<=" << R << "} c_r in " << short_interval(w.partial_sum()) << "\n"
          << "tail mass 1 - S_" << R << " in " << short_interval(w.tail_mass())
          << "  (bounds |sum_{r>" << R << "} c_r rho^r| for |rho| <= 1)\n"
          << "exact forms listed for r <= " << exact_through;
    if (json_wanted) table << "; JSON written to " << json_path;
    table << "\n";
    std::cout << table.str();
  }
  return 0;
}

void describe(const certify::command_visitor& visit) {
  hermite_args a;
  visit(hermite_command(a));
}

const certify::command_registrar registrar("hermite", "exact Hermite coefficients of ReLU and step, certified", run,
                                           describe);

}  // namespace
