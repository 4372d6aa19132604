// Shared by the translation units of the extension _ntkcert (python/src/*.cpp): conversion of
// Python arguments to the library's types (with the CLI's messages), of results to Python values,
// and the interruptible computation guard.
//
// Every public function of the extension takes the CLI's options as keyword arguments and parses
// them with the CLI's own declarations (certify::command and the add_* groups of certify/cli.hpp,
// ntk_options.hpp, network_options.hpp, or the command's declaration itself: lipschitz_run.hpp,
// empirical_output.hpp, lipschitz_feature.hpp), so each option is declared once and a bad value
// raises ValueError with the CLI's message. It runs the same library calls as the corresponding
// `certify` command with the GIL released, and returns plain Python values: bounds as
// outward-rounded decimal strings (exact; python/ntkcert/__init__.py adds Fractions) and as doubles
// rounded outward (lower toward -inf, upper toward +inf), plus the JSON text the CLI prints.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mpfr.h>

#include <optional>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "cli.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "data/dataset.hpp"
#include "interval/minterval.hpp"
#include "network/network.hpp"

namespace pyntk {

namespace py = pybind11;

// ------------------------------------------------------------------ arguments

// "%.17g": the double exactly as the CLI's option parser reads it back.
std::string number_text(double v);

// Python value of a "precision"-like option: "auto", an int, a float or a string of digits.
// A bool raises ValueError ("expected a number, not a bool").
std::string option_text(const py::handle& v);

// One keyword argument of a call, named as the CLI option it stands for (without "--").
struct keyword {
  const char* option;
  py::handle value;
};
// Parses the keyword arguments with the declarations of c, as the CLI parses its arguments: None
// leaves the option out (its default), a flag is given when the value is true, a positional
// argument (named by its METAVAR) is passed as option_text(value), any other value as
// "--option=" + option_text(value). Throws usage_error with the CLI's message for a bad
// value (ValueError in Python).
void parse_keywords(certify::command& c, std::initializer_list<keyword> keywords);

// The value of a --data / --network keyword for a SPEC string or an in-memory object: the string
// itself, None for None, else `placeholder` (the option is given; the object is read by the caller).
py::object spec_or(const py::object& v, const char* placeholder);

// The rows of X with the options of a (certify::add_data_options): a SPEC string is loaded as the
// CLI loads --data (a.data must be that string), an array by to_dataset with --offset/--limit;
// prep is set from --center/--normalize.
ntk::dataset load_rows(const py::object& X, const certify::data_args& a, ntk::preprocessing& prep);

// The data: a --data SPEC string (loaded by the CLI's reader, ntk::dataset_load) or a 2-D array of
// numbers taken exactly (float64/float32/float16, integers below 2^53): source "array", sha256 of
// the selected float64 values' little-endian bytes in C order. Rows offset.. (at most limit).
ntk::dataset to_dataset(const py::object& X, std::size_t offset, const std::optional<std::size_t>& limit);

// The network: a --network SPEC string (ntk::network_load with `layout`) or a list of arrays
// W_1..W_L of shape (out, in) as PyTorch stores them and optionally biases b_1..b_L: the exact
// doubles, source "python", sha256 of the concatenated little-endian float64 bytes (W_1..W_L, then
// b_1..b_L). Shapes that do not chain raise ValueError naming the array.
ntk::network to_network(const py::object& weights, const py::object& biases, const std::string& layout);

// ------------------------------------------------------------------ results

// The double nearest to the decimal string s in direction rnd (MPFR_RNDD: the largest double <= s;
// MPFR_RNDU: the smallest >= s), so that lower_float <= lower <= value <= upper <= upper_float.
double decimal_to_double(const std::string& s, mpfr_rnd_t rnd);

// {"lower", "upper", "lower_float", "upper_float"} from outward decimal strings.
py::dict string_bounds(const std::string& lower, const std::string& upper);
// The same from an mreal enclosure (certify::bound_json's digits) or an MPFI value.
py::dict bound_dict(const ntk::mreal& lower, const ntk::mreal& upper);
py::dict mpfi_dict(mpfi_srcptr x, int digits);
// The same from doubles (17 significant digits, rounded outward).
py::dict double_bounds(double lower, double upper);

// The "lambda_min" fields of a certification run (ntk, chain, compare, empirical).
py::dict lambda_min_dict(const ntk::ntk_outcome& out, double rtol);

// ------------------------------------------------------------------ interruptible computations

// Thrown by the progress sink of `computation` when SIGINT arrived during the call.
struct interrupted {};

// RAII guard of one long computation, created with the GIL held: installs a SIGINT handler that
// only sets a flag (the first of nested/concurrent calls installs it, the last restores the
// previous handler), releases the GIL, and serialises computations (the MPFI working precision is a
// process-wide setting). progress() is the sink to hand to the library: its update() throws
// `interrupted` once SIGINT has been received (outside OpenMP parallel regions and outside the SDPA
// output hook, where it only records it; the next update elsewhere throws). Use through run().
class computation {
 public:
  computation();
  ~computation();
  computation(const computation&) = delete;
  computation& operator=(const computation&) = delete;
  ntk::progress_sink& progress();
  bool sigint_received() const;  // SIGINT arrived since the guard was created

 private:
  struct impl;
  impl* p_;
};

// Sets Python's error indicator for an interrupted computation: runs Python's SIGINT handler
// (KeyboardInterrupt by default) and, if that does not raise, raises KeyboardInterrupt.
void raise_keyboard_interrupt();

// Runs f(progress) with the GIL released under a `computation` guard and returns its result. If
// SIGINT arrived during the call (whether f stopped at a progress report or ran to its end), the
// result is discarded and KeyboardInterrupt raised (py::error_already_set): loops that skip work
// on progress_sink::stop_requested() may have returned garbage. Callers write their outputs
// (certificates) only after run() returns, so an interrupted call writes nothing.
template <class F>
auto run(F&& f) {
  {
    computation c;
    try {
      auto result = f(c.progress());
      if (!c.sigint_received()) return result;
    } catch (const interrupted&) {
    }
  }
  raise_keyboard_interrupt();
  throw py::error_already_set();
}

// The largest gap in seconds between two progress reports (or the start/end) of the last
// computation: how promptly it could have been interrupted (diagnostics, _ntkcert._max_report_gap).
double last_max_report_gap();

// ------------------------------------------------------------------ registration

void register_infinite_width(py::module_& m);  // lambda_min, chain, compare, kernel, hermite
void register_finite_width(py::module_& m);    // empirical, check
void register_lipschitz(py::module_& m);       // lipschitz, lipschitz_feature_map

}  // namespace pyntk
