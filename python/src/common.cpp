// Conversions between Python values and the library's types, and the interruptible computation
// guard (see common.hpp).
#include "common.hpp"

#include <omp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "certificate/json.hpp"
#include "data/checks.hpp"
#include "data/errors.hpp"
#include "data/load.hpp"
#include "data/readers.hpp"
#include "data/sha256.hpp"
#include "interval/decimal.hpp"
#include "network/load.hpp"
#include "output.hpp"

namespace pyntk {

// ------------------------------------------------------------------ arguments

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string option_text(const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) throw certify::usage_error("expected a number, not a bool");
  if (py::isinstance<py::int_>(v)) return std::to_string(v.cast<long long>());
  if (py::isinstance<py::float_>(v)) return number_text(v.cast<double>());
  return py::str(v).cast<std::string>();
}

void parse_keywords(certify::command& c, std::initializer_list<keyword> keywords) {
  std::vector<std::string> argv;
  for (const keyword& k : keywords) {
    if (k.value.is_none()) continue;
    bool flag = false, positional = false;
    for (const auto& o : c.options())
      if (o.name == k.option) {
        flag = o.flag;
        positional = o.positional;
      }
    if (flag) {
      if (PyObject_IsTrue(k.value.ptr()) == 1) argv.push_back(std::string("--") + k.option);
      continue;
    }
    if (positional) argv.push_back(option_text(k.value));
    else argv.push_back(std::string("--") + k.option + "=" + option_text(k.value));
  }
  if (!c.parse(argv)) throw certify::usage_error("unexpected --help");
}

py::object spec_or(const py::object& v, const char* placeholder) {
  if (v.is_none() || py::isinstance<py::str>(v)) return v;
  return py::str(placeholder);
}

ntk::dataset load_rows(const py::object& X, const certify::data_args& a, ntk::preprocessing& prep) {
  if (py::isinstance<py::str>(X)) return certify::load_data(a, prep);
  prep = certify::preprocessing_of(a);
  std::optional<std::size_t> limit;
  if (a.limit) limit = static_cast<std::size_t>(*a.limit);
  return to_dataset(X, static_cast<std::size_t>(a.offset), limit);
}

namespace {
void hash_doubles(ntk::sha256& h, const double* v, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    unsigned char b[8];
    std::uint64_t u;
    std::memcpy(&u, &v[k], 8);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(u >> (8 * i));
    h.update(b, 8);
  }
}
}  // namespace

ntk::dataset to_dataset(const py::object& X, std::size_t offset, const std::optional<std::size_t>& limit) {
  if (py::isinstance<py::str>(X)) return ntk::dataset_load(X.cast<std::string>(), offset, limit);
  py::array a = py::array::ensure(X);
  if (!a) throw certify::usage_error("X must be a 2-D array of numbers or a --data SPEC string");
  const char kind = a.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw certify::usage_error("X must hold real numbers (float or integer dtype), not dtype '" +
                               py::str(a.dtype()).cast<std::string>() + "'");
  if (a.ndim() != 2) throw certify::usage_error("X must be 2-D (rows are data points), not " + std::to_string(a.ndim()) + "-D");
  if (kind == 'f' && a.itemsize() > 8)
    throw certify::usage_error("X: long double arrays are not accepted (their values are not doubles)");
  const std::size_t n_all = static_cast<std::size_t>(a.shape(0)), d = static_cast<std::size_t>(a.shape(1));
  const std::string name = "array";
  if (n_all == 0 || d == 0) throw ntk::data_error(name + ": empty array (shape " + std::to_string(n_all) + " x " + std::to_string(d) + ")");
  if (limit && *limit == 0) throw ntk::data_error(name + ": no rows selected (limit is 0)");
  if (offset >= n_all)
    throw ntk::data_error(name + ": no rows selected: offset " + std::to_string(offset) + " but the array has " +
                          std::to_string(n_all) + " rows");
  const std::size_t n = limit ? std::min(*limit, n_all - offset) : n_all - offset;
  // Integers beyond 2^53 would change value on conversion: refuse them rather than round.
  if (kind != 'f') {
    py::array_t<long double, py::array::c_style | py::array::forcecast> li(a);
    auto r = li.unchecked<2>();
    for (std::size_t i = 0; i < n_all; ++i)
      for (std::size_t k = 0; k < d; ++k)
        if (std::fabs(static_cast<double>(r(i, k))) > 9007199254740992.0)
          throw ntk::data_error(name + ": row " + std::to_string(i + 1) + ", column " + std::to_string(k + 1) +
                                ": integer beyond 2^53 is not exactly a double");
  }
  py::array_t<double, py::array::c_style | py::array::forcecast> c(a);  // float32 and ints: exact
  auto r = c.unchecked<2>();
  ntk::dataset ds;
  ds.source = name;
  ds.n = n;
  ds.d = d;
  ds.first_row = offset;
  ds.x.resize(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) {
      const double v = r(offset + i, k);
      ntk::detail::require_finite(v, name, offset + i + 1, 0, k + 1);
      ds.x[i * d + k] = v;
    }
  // The hash names the selected values exactly: their float64 bytes in C order (little-endian).
  ntk::sha256 h;
  hash_doubles(h, ds.x.data(), ds.x.size());
  ds.sha256 = h.hex_digest();
  return ds;
}

namespace {
// One numpy array as exact doubles in C order, checked finite; its bytes go into the hash.
std::vector<double> exact_doubles(const py::handle& o, int ndim, const std::string& name, std::vector<std::size_t>& shape,
                                  ntk::sha256& h) {
  py::array a = py::array::ensure(o);
  if (!a) throw certify::usage_error(name + " must be an array of numbers");
  const char kind = a.dtype().kind();
  if (kind != 'f' || a.itemsize() > 8)
    throw certify::usage_error(name + " must hold float64, float32 or float16 numbers, not dtype '" +
                               py::str(a.dtype()).cast<std::string>() + "'");
  if (a.ndim() != ndim) throw certify::usage_error(name + " must be " + std::to_string(ndim) + "-D, not " + std::to_string(a.ndim()) + "-D");
  shape.clear();
  for (int k = 0; k < ndim; ++k) shape.push_back(static_cast<std::size_t>(a.shape(k)));
  py::array_t<double, py::array::c_style | py::array::forcecast> c(a);  // widening is exact
  std::vector<double> v(c.data(), c.data() + c.size());
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!std::isfinite(v[k])) throw ntk::data_error(name + ": entry " + std::to_string(k + 1) + " is not finite");
  hash_doubles(h, v.data(), v.size());
  return v;
}
}  // namespace

ntk::network to_network(const py::object& weights, const py::object& biases, const std::string& layout) {
  ntk::weight_layout lay;
  if (layout == "detect") lay = ntk::weight_layout::detect;
  else if (layout == "out-in") lay = ntk::weight_layout::out_in;
  else if (layout == "in-out") lay = ntk::weight_layout::in_out;
  else throw certify::usage_error("--layout takes detect, out-in or in-out, not '" + layout + "'");
  if (py::isinstance<py::str>(weights)) {
    if (!biases.is_none()) throw certify::usage_error("biases are read from the --network SPEC; pass biases=None");
    return ntk::network_load(weights.cast<std::string>(), lay);
  }
  if (lay != ntk::weight_layout::detect)
    throw certify::usage_error("layout applies to a --network SPEC; arrays are W_l of shape (out, in)");
  ntk::network net;
  net.source = "python";
  ntk::sha256 h;
  py::list ws = py::list(weights);
  if (ws.size() == 0) throw certify::usage_error("weights must be a non-empty list of 2-D arrays");
  std::vector<std::size_t> shape;
  for (std::size_t l = 0; l < ws.size(); ++l) {
    const std::string name = "W" + std::to_string(l + 1);
    net.weights.push_back(exact_doubles(ws[l], 2, name, shape, h));
    if (l == 0) net.widths.push_back(shape[1]);
    else if (shape[1] != net.widths.back())
      throw ntk::data_error("python: array " + name + ": shape (" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
                            ") does not chain with W" + std::to_string(l) + " (" + std::to_string(net.widths.back()) + " outputs)");
    net.widths.push_back(shape[0]);
  }
  if (!biases.is_none()) {
    py::list bs = py::list(biases);
    if (bs.size() != ws.size()) throw certify::usage_error("biases must have one vector per weight matrix");
    net.has_biases = true;
    for (std::size_t l = 0; l < bs.size(); ++l) {
      const std::string name = "b" + std::to_string(l + 1);
      net.biases.push_back(exact_doubles(bs[l], 1, name, shape, h));
      if (shape[0] != net.widths[l + 1])
        throw ntk::data_error("python: array " + name + ": length " + std::to_string(shape[0]) + ", but W" + std::to_string(l + 1) +
                              " has " + std::to_string(net.widths[l + 1]) + " rows");
    }
  }
  for (std::size_t w : net.widths)
    if (w == 0) throw ntk::data_error("python: a weight matrix has an empty dimension");
  ntk::network_check_consistent(net);
  net.sha256 = h.hex_digest();
  return net;
}

// ------------------------------------------------------------------ results

double decimal_to_double(const std::string& s, mpfr_rnd_t rnd) {
  mpfr_t t;
  mpfr_init2(t, 53);
  mpfr_set_str(t, s.c_str(), 10, rnd);  // "inf", "-inf", "nan" are understood
  const double v = mpfr_get_d(t, rnd);  // exact: t has 53 bits
  mpfr_clear(t);
  return v;
}

py::dict string_bounds(const std::string& lower, const std::string& upper) {
  py::dict d;
  d["lower"] = lower;
  d["upper"] = upper;
  d["lower_float"] = decimal_to_double(lower, MPFR_RNDD);
  d["upper_float"] = decimal_to_double(upper, MPFR_RNDU);
  return d;
}

py::dict bound_dict(const ntk::mreal& lower, const ntk::mreal& upper) {
  const ntk::json::value b = certify::bound_json(lower, upper);
  return string_bounds(b.at("lower").as_string(), b.at("upper").as_string());
}

py::dict mpfi_dict(mpfi_srcptr x, int digits) {
  return string_bounds(ntk::decimal_string(&x->left, ntk::outward::down, digits),
                       ntk::decimal_string(&x->right, ntk::outward::up, digits));
}

py::dict double_bounds(double lower, double upper) {
  return string_bounds(ntk::decimal_string(lower, ntk::outward::down, 17), ntk::decimal_string(upper, ntk::outward::up, 17));
}

py::dict lambda_min_dict(const ntk::ntk_outcome& out, double rtol) {
  py::dict r = bound_dict(out.lower, out.upper);
  r["certified"] = out.certified;
  r["precision_bits"] = out.precision_bits;
  r["seconds"] = out.seconds;
  r["rtol"] = rtol;
  r["relative_width"] = ntk::relative_width(out.lower, out.upper);
  r["exact_zero"] = out.exact_zero ? py::object(py::str(out.exact_zero_reason)) : py::object(py::none());
  r["float64"] = out.float64_done ? py::object(py::float_(out.float64_lambda_min)) : py::object(py::none());
  py::list attempts;
  for (const auto& a : out.attempts) {
    py::dict pa = bound_dict(a.lower, a.upper);
    pa["precision_bits"] = a.precision_bits;
    pa["seconds"] = a.seconds;
    pa["note"] = a.note;
    attempts.append(pa);
  }
  r["attempts"] = attempts;
  return r;
}

// ------------------------------------------------------------------ interruptible computations

namespace {

using clock_type = std::chrono::steady_clock;

std::mutex compute_mutex;           // one computation at a time (process-wide MPFI precision)
volatile sig_atomic_t sigint_seen;  // set by on_sigint during a computation
std::atomic<double> max_gap{0};

extern "C" void on_sigint(int) { sigint_seen = 1; }

// The library's progress reports are the cancellation points. Throwing is safe only on the thread
// that called the library outside OpenMP parallel regions (an exception must not leave one) and
// outside the SDPA output hook (a C stdio callback inside SDPA): there the request waits for the
// next report elsewhere.
class interrupt_sink final : public ntk::progress_sink {
 public:
  void update(std::string_view stage, double) override {
    const auto now = clock_type::now();
    const double gap = std::chrono::duration<double>(now - last_).count();
    if (gap > max_gap.load()) max_gap.store(gap);
    if (trace_) std::fprintf(stderr, "ntkcert progress: %.3f s before '%.*s'\n", gap, static_cast<int>(stage.size()), stage.data());
    last_ = now;
    if (!sigint_seen || omp_in_parallel()) return;
    if (stage.substr(0, 12) == "lipsdp: sdpa") return;
    throw interrupted{};
  }
  bool stop_requested() const override { return sigint_seen != 0; }
  clock_type::time_point last_ = clock_type::now();
  // NTKCERT_TRACE_PROGRESS=1: print each report and the time since the previous one (diagnostics).
  const bool trace_ = std::getenv("NTKCERT_TRACE_PROGRESS") != nullptr;
};

}  // namespace

struct computation::impl {
  py::gil_scoped_release release;      // constructed first, destroyed last
  std::unique_lock<std::mutex> lock{compute_mutex};
  struct sigaction previous {};
  bool installed = false;
  interrupt_sink sink;
};

computation::computation() : p_(new impl) {
  sigint_seen = 0;
  max_gap.store(0);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls see EINTR, as under Python's own handler
  p_->installed = sigaction(SIGINT, &sa, &p_->previous) == 0;
}

computation::~computation() {
  const double gap = std::chrono::duration<double>(clock_type::now() - p_->sink.last_).count();
  if (gap > max_gap.load()) max_gap.store(gap);
  if (p_->installed) sigaction(SIGINT, &p_->previous, nullptr);
  const bool seen = sigint_seen != 0;
  delete p_;  // unlocks, then re-acquires the GIL
  // A SIGINT that arrived during the call goes to Python's handler now (KeyboardInterrupt at the
  // next check in the main thread), as if it had arrived after the call.
  if (seen) PyErr_SetInterruptEx(SIGINT);
}

ntk::progress_sink& computation::progress() { return p_->sink; }

bool computation::sigint_received() const { return sigint_seen != 0; }

void raise_keyboard_interrupt() {
  if (PyErr_CheckSignals() != 0 && PyErr_Occurred()) return;  // Python's handler raised
  if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
}

double last_max_report_gap() { return max_gap.load(); }

}  // namespace pyntk
