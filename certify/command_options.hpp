// The option declarations of certify hermite and certify check, shared by their commands
// (cmd_hermite.cpp, cmd_check.cpp) and the Python module (python/src: hermite, check), so that each
// option is declared once.
#pragma once

#include <string>

#include "cli.hpp"

namespace certify {

// Exact forms are listed up to this order unless --exact asks for all of them; --exact itself is
// capped because the rationals grow like r·log r digits (order 20000: about 12,000 digits each).
constexpr long default_exact_through = 1000;
constexpr long max_exact_order = 20000;
constexpr long max_order = 1000000;

// The options of certify hermite; the initial values are the defaults.
struct hermite_args {
  std::string activation = "relu";
  long order = 10;
  long precision = 64;
  bool exact = false;
  output_args output;
};
command hermite_command(hermite_args& a);

// The options of certify check; the initial values are the defaults.
struct check_args {
  std::string certificate;
  long precision = 128;
  std::string method = "auto";
  output_args output;
};
command check_command(check_args& a);

}  // namespace certify
