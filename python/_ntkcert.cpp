// The compiled half of the Python package `ntkcert` (python/ntkcert/__init__.py wraps it).
//
// Every function takes the CLI's options as keyword arguments, validates them with the CLI's own
// parsing code (so a bad value raises ValueError with the message `certify` would print), runs the
// same library calls as the corresponding `certify` command with the GIL released, and returns plain
// Python values: bounds as outward-rounded decimal strings (exact; the wrapper adds Fractions) and as
// doubles rounded outward (lower toward -inf, upper toward +inf), plus the JSON text the CLI prints.
// Computations are serialised by one mutex: the MPFI working precision is a process-wide setting.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "certificate/checker.hpp"
#include "certificate/io.hpp"
#include "certificate/json.hpp"
#include "cli.hpp"
#include "data/checks.hpp"
#include "data/errors.hpp"
#include "data/load.hpp"
#include "data/readers.hpp"
#include "data/sha256.hpp"
#include "driver/chain.hpp"
#include "driver/compare.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "empirical/empirical.hpp"
#include "empirical/empirical_kernel.hpp"
#include "lipschitz/product.hpp"
#include "network/load.hpp"
#include "network/network.hpp"
#include "hermite/coefficients.hpp"
#include "interval/decimal.hpp"
#include "interval/interval.hpp"
#include "kernel/convention.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "ntk_options.hpp"
#include "output.hpp"

namespace py = pybind11;

namespace {

std::mutex compute_mutex;

// ------------------------------------------------------------------ argument handling

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Python value of a "precision"-like option: "auto", an int, or a string of digits.
std::string option_text(const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) throw certify::usage_error("expected a number, not a bool");
  if (py::isinstance<py::int_>(v)) return std::to_string(v.cast<long long>());
  if (py::isinstance<py::float_>(v)) return number_text(v.cast<double>());
  return py::str(v).cast<std::string>();
}

certify::parsed_args parse(const std::vector<certify::option_spec>& options, const std::vector<std::string>& argv) {
  certify::command_spec spec;
  spec.name = "python";
  spec.options = options;
  auto parsed = certify::parse_args(spec, argv);
  if (!parsed) throw certify::usage_error("unexpected --help");
  return *parsed;
}

ntk::normalization parse_normalize(const std::string& s) {
  if (s == "none") return ntk::normalization::none;
  if (s == "sphere") return ntk::normalization::sphere;
  if (s == "unit") return ntk::normalization::unit;
  throw certify::usage_error("--normalize takes none, sphere or unit, not '" + s + "'");
}

// The data: a --data SPEC string (loaded by the CLI's reader) or a 2-D array of numbers.
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
  for (double v : ds.x) {
    unsigned char b[8];
    std::uint64_t u;
    std::memcpy(&u, &v, 8);
    for (int k = 0; k < 8; ++k) b[k] = static_cast<unsigned char>(u >> (8 * k));
    h.update(b, 8);
  }
  ds.sha256 = h.hex_digest();
  return ds;
}

std::optional<std::size_t> opt_size(const py::object& v, const char* what) {
  if (v.is_none()) return std::nullopt;
  const long long x = v.cast<long long>();
  if (x < 0) throw certify::usage_error(std::string("--") + what + " takes a whole number >= 0");
  return static_cast<std::size_t>(x);
}

// ------------------------------------------------------------------ results

// The double nearest to the decimal string s in direction rnd (RNDD: the largest double <= s; RNDU:
// the smallest >= s), so that lower_float <= lower <= value <= upper <= upper_float.
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

// ------------------------------------------------------------------ lambda_min

// The parsed options of certify ntk (and compare, chain) for a lambda_min-like call.
struct ntk_call {
  ntk::ntk_job job;
  ntk::dataset data;
};

void setup_ntk_call(ntk_call& c, const py::object& X, long depth, bool center, const std::string& normalize,
                    const std::string& convention, double rtol, const py::object& precision,
                    const py::object& max_precision, std::size_t offset, const py::object& limit,
                    std::vector<std::string> extra_argv = {}, std::vector<unsigned>* chain_orders = nullptr) {
  std::vector<std::string> argv = {"--depth", std::to_string(depth), "--convention", convention,
                                   "--rtol", number_text(rtol), "--precision", option_text(precision),
                                   "--max-precision", option_text(max_precision)};
  for (auto& a : extra_argv) argv.push_back(a);
  std::vector<certify::option_spec> options = certify::model_options();
  for (auto& o : certify::precision_options()) options.push_back(o);
  for (auto& o : certify::chain_options()) options.push_back(o);
  const certify::parsed_args args = parse(options, argv);
  read_model_options(args, c.job.depth, c.job.convention);
  read_precision_options(args, c.job.precision, c.job.rtol);
  if (chain_orders) {
    bool enabled = false;
    certify::read_chain_options(args, enabled, *chain_orders);
  }
  c.job.prep.center = center;
  c.job.prep.normalize = parse_normalize(normalize);
  c.data = to_dataset(X, offset, opt_size(limit, "limit"));
  c.job.data = &c.data;
}

// The lambda_min result dict and the JSON of `certify ntk --json -` (without the chain).
py::dict lambda_min_result(const ntk_call& c, const ntk::ntk_outcome& out, ntk::json::value& j) {
  const ntk::ntk_job& job = c.job;
  const ntk::dataset& data = c.data;
  j = ntk::json::value::object();
  j["command"] = "ntk";
  j["data"] = certify::data_json(data, job.prep);
  j["model"] = certify::model_json(job.depth, job.convention);
  j["lambda_min"] = certify::lambda_min_json(out, job.rtol);
  if (out.float64_done) {
    ntk::json::value f = ntk::json::value::object();
    f["lambda_min"] = out.float64_lambda_min;
    f["seconds"] = out.float64_seconds;
    j["float64"] = f;
  }
  py::list py_attempts;
  for (const auto& a : out.attempts) {
    py::dict pa = bound_dict(a.lower, a.upper);
    pa["precision_bits"] = a.precision_bits;
    pa["seconds"] = a.seconds;
    pa["note"] = a.note;
    py_attempts.append(pa);
  }
  j["attempts"] = certify::attempts_json(out.attempts);

  py::dict r = bound_dict(out.lower, out.upper);
  r["certified"] = out.certified;
  r["precision_bits"] = out.precision_bits;
  r["seconds"] = out.seconds;
  r["rtol"] = job.rtol;
  r["relative_width"] = ntk::relative_width(out.lower, out.upper);
  r["exact_zero"] = out.exact_zero ? py::object(py::str(out.exact_zero_reason)) : py::object(py::none());
  r["float64"] = out.float64_done ? py::object(py::float_(out.float64_lambda_min)) : py::object(py::none());
  r["attempts"] = py_attempts;
  r["sha256"] = data.sha256;
  r["n"] = data.n;
  r["d"] = data.d;
  return r;
}

py::dict lambda_min(const py::object& X, long depth, bool center, const std::string& normalize,
                    const std::string& convention, double rtol, const py::object& precision,
                    const py::object& max_precision, std::size_t offset, const py::object& limit) {
  ntk_call c;
  setup_ntk_call(c, X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit);
  ntk::ntk_outcome out;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    ntk::null_progress quiet;
    out = ntk::ntk_lambda_min(c.job, quiet);
  }
  ntk::json::value j;
  py::dict r = lambda_min_result(c, out, j);
  r["json"] = ntk::json::dump(j);
  return r;
}

// ------------------------------------------------------------------ chain

py::object verdict_py(ntk::chain_verdict v) {
  switch (v) {
    case ntk::chain_verdict::holds: return py::bool_(true);
    case ntk::chain_verdict::fails: return py::bool_(false);
    case ntk::chain_verdict::undecided: return py::str("undecided");
    default: return py::none();
  }
}

// `certify ntk --chain`: the lambda_min result plus the certified lower-bound chain (driver/chain.hpp).
py::dict chain(const py::object& X, long depth, const std::string& orders, bool center, const std::string& normalize,
               const std::string& convention, double rtol, const py::object& precision,
               const py::object& max_precision, std::size_t offset, const py::object& limit) {
  ntk_call c;
  std::vector<unsigned> order_list;
  setup_ntk_call(c, X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit,
                 {"--chain", "--orders", orders}, &order_list);
  ntk::ntk_outcome out;
  ntk::chain_outcome ch;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    ntk::null_progress quiet;
    out = ntk::ntk_lambda_min(c.job, quiet);
    ch = ntk::ntk_chain(c.job, order_list, &out, quiet);
  }
  ntk::json::value j;
  py::dict r = lambda_min_result(c, out, j);
  py::list links;
  for (const auto& l : ch.links) {
    py::dict pl;
    pl["link"] = l.name;
    pl["value"] = bound_dict(l.lower, l.upper);
    pl["holds"] = verdict_py(l.holds);
    pl["claim"] = l.claim.empty() ? py::object(py::none()) : py::object(py::str(l.claim));
    pl["precondition"] = l.precondition ? verdict_py(*l.precondition) : py::object(py::none());
    pl["ratio"] = l.has_ratio ? py::object(bound_dict(l.ratio_lower, l.ratio_upper)) : py::object(py::none());
    pl["note"] = l.note.empty() ? py::object(py::none()) : py::object(py::str(l.note));
    links.append(pl);
  }
  // The "chain" and "chain_run" blocks of certify ntk --chain --json -, built by the CLI's code.
  j["chain"] = certify::chain_json(ch);
  j["chain_run"] = certify::chain_run_json(ch);
  py::list py_orders, py_und;
  for (unsigned o : ch.orders) py_orders.append(o);
  for (const auto& u : ch.undecided) py_und.append(u);
  py::dict res;
  res["lambda_min"] = r;
  res["links"] = links;
  res["orders"] = py_orders;
  res["precision_bits"] = ch.precision_bits;
  res["seconds"] = ch.seconds;
  res["undecided"] = py_und;
  res["json"] = ntk::json::dump(j);
  r["json"] = res["json"];
  return res;
}

// ------------------------------------------------------------------ compare

py::dict float_report_py(const ntk::float_report& f) {
  py::dict d;
  d["lambda_min"] = f.eigenvalues_done ? py::object(py::float_(f.lambda_min)) : py::object(py::none());
  d["lambda_min_inside"] = f.lambda.inside;
  d["lambda_min_abs_error"] = f.lambda.abs_error;
  d["lambda_min_rel_error"] = f.lambda.rel_error;
  d["negative_eigenvalues"] = f.negative_eigenvalues;
  d["eigenvalues_computed"] = f.eigenvalues_done;
  d["nan_count"] = f.entries.nan_count;
  d["entries_outside"] = f.entries.entries_outside;
  d["entries"] = f.entries.entries;
  d["max_abs_excess"] = f.entries.max_abs_excess;
  d["max_rel_excess"] = f.entries.max_rel_excess;
  d["seconds"] = f.seconds;
  return d;
}


// `certify compare`: plain float64/float32 kernels and eigenvalues against the certified answer.
py::dict compare(const py::object& X, long depth, bool center, const std::string& normalize,
                 const std::string& convention, double rtol, const py::object& precision,
                 const py::object& max_precision, std::size_t offset, const py::object& limit) {
  ntk_call c;
  setup_ntk_call(c, X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit);
  ntk::compare_job job;
  job.data = &c.data;
  job.prep = c.job.prep;
  job.depth = c.job.depth;
  job.convention = c.job.convention;
  job.precision = c.job.precision;
  job.rtol = c.job.rtol;
  ntk::compare_outcome out;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    ntk::null_progress quiet;
    out = ntk::compare_float_kernels(job, quiet);
  }
  const ntk::ntk_outcome& o = out.certified;
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "compare";
  j["data"] = certify::data_json(c.data, job.prep);
  j["model"] = certify::model_json(job.depth, job.convention);
  ntk::json::value cert = ntk::json::value::object();
  cert["lambda_min"] = certify::lambda_min_json(o, job.rtol);
  ntk::json::value ent = ntk::json::value::object();
  ent["precision_bits"] = out.entries_precision_bits;
  ent["max_width"] = out.max_entry_width;
  cert["entries"] = ent;
  j["certified"] = cert;
  for (const char* prec : {"float64", "float32"}) {
    ntk::json::value block;
    for (const auto& f : out.floats)
      if (f.name == prec) block = certify::float_report_json(f);
    for (const auto& f : out.floats)
      if (f.name == std::string("atan2-") + prec) block["atan2"] = certify::float_report_json(f);
    j[prec] = block;
  }
  py::dict lam = bound_dict(o.lower, o.upper);
  lam["certified"] = o.certified;
  lam["precision_bits"] = o.precision_bits;
  lam["seconds"] = o.seconds;
  lam["rtol"] = job.rtol;
  lam["relative_width"] = ntk::relative_width(o.lower, o.upper);
  lam["exact_zero"] = o.exact_zero ? py::object(py::str(o.exact_zero_reason)) : py::object(py::none());
  py::dict floats;
  for (const auto& f : out.floats) floats[py::str(f.name)] = float_report_py(f);
  py::dict r;
  r["lambda_min"] = lam;
  r["entries_precision_bits"] = out.entries_precision_bits;
  r["max_entry_width"] = out.max_entry_width;
  r["floats"] = floats;
  r["sha256"] = c.data.sha256;
  r["json"] = ntk::json::dump(j);
  return r;
}

// ------------------------------------------------------------------ kernel

template <class I>
ntk::dense_matrix<I> kernel_in_tier(const ntk::dataset& data, const ntk::preprocessing& prep, int depth,
                                    ntk::kernel_convention conv, ntk::kernel_which which, int layer) {
  ntk::null_progress quiet;
  ntk::geometry<I> g = ntk::geometry_compute<I>(data, prep, quiet);
  ntk::dense_matrix<I> m = ntk::kernel_matrix<I>(g, depth, which, layer, quiet);
  ntk::apply_convention(m, which, conv, data.d, depth);
  return m;
}

py::dict kernel(const py::object& X, long depth, const std::string& which_s, const py::object& layer_o,
                const std::string& convention, bool center, const std::string& normalize,
                const py::object& precision, std::size_t offset, const py::object& limit) {
  std::vector<std::string> argv = {"--depth", std::to_string(depth), "--convention", convention,
                                   "--precision", option_text(precision)};
  if (!layer_o.is_none()) {
    argv.push_back("--layer");
    argv.push_back(option_text(layer_o));
  }
  std::vector<certify::option_spec> options = certify::model_options();
  options.push_back({"layer", "l", "", ""});
  options.push_back({"precision", "BITS", "", ""});
  const certify::parsed_args args = parse(options, argv);
  int d_depth = 3;
  ntk::kernel_convention conv = ntk::kernel_convention::paper;
  read_model_options(args, d_depth, conv);
  ntk::kernel_which which;
  if (which_s == "K") which = ntk::kernel_which::K;
  else if (which_s == "G") which = ntk::kernel_which::G;
  else if (which_s == "Gdot") which = ntk::kernel_which::Gdot;
  else throw certify::usage_error("--which takes K, G or Gdot, not '" + which_s + "'");
  const int layer = static_cast<int>(args.get_long("layer", d_depth, which == ntk::kernel_which::Gdot ? 2 : 1, d_depth));
  long bits = 53;
  if (args.get("precision", "auto") != "auto") bits = args.get_long("precision", 53, 53, 1 << 20);
  ntk::preprocessing prep;
  prep.center = center;
  prep.normalize = parse_normalize(normalize);
  ntk::dataset data = to_dataset(X, offset, opt_size(limit, "limit"));

  const std::size_t n = data.n;
  py::array_t<double> lo({n, n}), hi({n, n});
  double* plo = lo.mutable_data();
  double* phi = hi.mutable_data();
  long used_bits = 53;
  double max_width = 0, max_rel = 0;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    ntk::dataset_check_rows(data, prep);
    auto fill = [&](const auto& m) {
      for (std::size_t k = 0; k < n * n; ++k) {
        plo[k] = ntk::lower_d(m.data[k]);
        phi[k] = ntk::upper_d(m.data[k]);
        const double w = ntk::width_up(m.data[k]);
        max_width = std::max(max_width, w);
        const double mag = std::max(std::fabs(plo[k]), std::fabs(phi[k]));
        if (mag > 0) max_rel = std::max(max_rel, w / mag);
      }
    };
    if (bits <= 53) {
      fill(kernel_in_tier<ntk::dinterval>(data, prep, d_depth, conv, which, layer));
    } else {
      used_bits = ntk::set_working_precision_bits(bits);
      fill(kernel_in_tier<ntk::minterval>(data, prep, d_depth, conv, which, layer));
    }
  }
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "kernel";
  j["data"] = certify::data_json(data, prep);
  j["model"] = certify::model_json(d_depth, conv);
  j["which"] = which_s;
  j["layer"] = layer;
  j["precision_bits"] = used_bits;
  j["max_width"] = max_width;
  j["max_relative_width"] = max_rel;
  py::dict r;
  r["lower"] = lo;
  r["upper"] = hi;
  r["layer"] = layer;
  r["precision_bits"] = used_bits;
  r["max_width"] = max_width;
  r["max_relative_width"] = max_rel;
  r["json"] = ntk::json::dump(j);
  return r;
}

// ------------------------------------------------------------------ hermite

py::dict hermite(long order, const std::string& activation, long precision) {
  namespace hm = ntk::hermite;
  const auto act = hm::parse_activation(activation);
  if (!act) throw certify::usage_error("--activation takes relu or step, not '" + activation + "'");
  if (order < 0 || order > 1000000) throw certify::usage_error("--order takes a whole number from 0 to 1000000");
  if (precision < 2 || precision > 1000000) throw certify::usage_error("--precision takes a whole number from 2 to 1000000");
  const unsigned R = static_cast<unsigned>(order);
  const unsigned exact_through = std::min<unsigned>(R, 1000);
  const int digits = ntk::decimal_digits_for_bits(precision);
  py::list coefficients;
  py::dict r;
  std::vector<hm::pi_rational> exact;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    exact = hm::exact_c_table(*act, exact_through);
  }
  hm::coefficient_walker w(*act, R, precision);
  for (;;) {
    const unsigned k = w.order();
    py::dict e;
    e["r"] = k;
    e["mu"] = mpfi_dict(w.mu(), digits);
    e["c"] = mpfi_dict(w.c(), digits);
    if (k <= exact_through) {
      e["c_exact"] = hm::to_string(exact[k]);
      hm::signed_root mu{hm::mu_sign(*act, k), exact[k]};
      mpq_div_2exp(mu.square.value.backend().data(), mu.square.value.backend().data(), 1);
      e["mu_exact"] = hm::to_string(mu);
    }
    coefficients.append(e);
    if (w.at_end()) break;
    w.advance();
  }
  r["activation"] = hm::activation_name(*act);
  r["order"] = R;
  r["precision_bits"] = precision;
  r["coefficients"] = coefficients;
  r["partial_sum"] = mpfi_dict(w.partial_sum(), digits);
  r["tail_mass"] = mpfi_dict(w.tail_mass(), digits);
  return r;
}

// ------------------------------------------------------------------ check

py::dict check(const std::string& path, long min_precision, const std::string& method) {
  ntk::check_options o;
  if (min_precision < 2 || min_precision > 65536) throw certify::usage_error("--precision takes a whole number from 2 to 65536");
  o.min_precision_bits = min_precision;
  if (method == "auto") o.method = ntk::pd_test::automatic;
  else if (method == "exact") o.method = ntk::pd_test::exact;
  else if (method == "floating") o.method = ntk::pd_test::floating;
  else throw certify::usage_error("--method takes auto, exact or floating, not '" + method + "'");
  ntk::check_result res;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    res = ntk::check_certificate_file(path, o);
  }
  py::dict r;
  r["valid"] = res.valid;
  r["reason"] = res.valid ? py::object(py::none()) : py::object(py::str(res.reason));
  r["lower_proof"] = res.lower_proof;
  r["upper_proof"] = res.upper_proof;
  r["data_spec"] = res.data_spec;
  r["precision_bits"] = res.precision_bits;
  r["seconds"] = res.seconds;
  return r;
}

// ------------------------------------------------------------------ empirical

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
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (!std::isfinite(v[k])) throw ntk::data_error(name + ": entry " + std::to_string(k + 1) + " is not finite");
    unsigned char b[8];
    std::uint64_t u;
    std::memcpy(&u, &v[k], 8);
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(u >> (8 * i));
    h.update(b, 8);
  }
  return v;
}

// An in-memory network from W_1..W_L (out x in, as PyTorch stores them) and optional b_1..b_L.
// source "python"; sha256 of the concatenated little-endian float64 bytes (W_1..W_L, then b_1..b_L).
ntk::network to_network(const py::object& weights, const py::object& biases) {
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

// `certify empirical --lambda-only`: certified λ_min of the empirical NTK K = J J^T of the network.
py::dict empirical(const py::object& X, const py::object& weights, const py::object& biases, const py::object& output_o,
                   bool center, const std::string& normalize, double rtol, const py::object& precision,
                   const py::object& max_precision, std::size_t offset, const py::object& limit) {
  std::vector<std::string> argv = {"--rtol", number_text(rtol), "--precision", option_text(precision),
                                   "--max-precision", option_text(max_precision)};
  const certify::parsed_args args = parse(certify::precision_options(), argv);
  ntk::empirical_job job;
  read_precision_options(args, job.precision, job.rtol);
  job.layers = job.infinite_width = false;
  job.prep.center = center;
  job.prep.normalize = parse_normalize(normalize);
  ntk::dataset data = to_dataset(X, offset, opt_size(limit, "limit"));
  const ntk::network full = to_network(weights, biases);
  const std::size_t L = full.depth(), nL = full.widths[L];
  std::optional<std::size_t> output;
  if (!output_o.is_none()) {
    const long long o = output_o.cast<long long>();
    if (o < 0) throw certify::usage_error("--output takes a whole number >= 0");
    output = static_cast<std::size_t>(o);
  }
  if (!output && nL != 1)
    throw certify::usage_error("the network " + full.source + " has n_L = " + std::to_string(nL) +
                               " outputs; choose one with --output J (0 <= J < " + std::to_string(nL) + ")");
  if (output && *output >= nL)
    throw certify::usage_error("--output " + std::to_string(*output) + " is out of range: the network " + full.source +
                               " has n_L = " + std::to_string(nL) + " output(s)");
  if (full.widths[0] != data.d)
    throw certify::usage_error("the network " + full.source + " expects n_0 = " + std::to_string(full.widths[0]) +
                               " inputs, but the data " + data.source + " have d = " + std::to_string(data.d) + " columns");
  const ntk::network net = output ? ntk::network_select_output(full, *output) : full;
  job.net = &net;
  job.data = &data;
  job.beta_sq = ntk::init_beta_sq(net);
  ntk::empirical_outcome out;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    ntk::null_progress quiet;
    out = ntk::empirical_lambda_min(job, quiet);
  }
  const ntk::ntk_outcome& lam = out.lambda;
  // The leading blocks of `certify empirical --lambda-only --json -`.
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "empirical";
  j["data"] = certify::data_json(data, job.prep);
  ntk::json::value lj = certify::lambda_min_json(lam, job.rtol);
  j["lambda_min"] = lj;
  j["attempts"] = certify::attempts_json(lam.attempts);
  py::dict r = bound_dict(lam.lower, lam.upper);
  r["certified"] = lam.certified;
  r["precision_bits"] = lam.precision_bits;
  r["seconds"] = lam.seconds;
  r["rtol"] = job.rtol;
  r["relative_width"] = ntk::relative_width(lam.lower, lam.upper);
  r["exact_zero"] = lam.exact_zero ? py::object(py::str(lam.exact_zero_reason)) : py::object(py::none());
  r["float64"] = lam.float64_done ? py::object(py::float_(lam.float64_lambda_min)) : py::object(py::none());
  r["parameters"] = out.parameters;
  r["sha256"] = data.sha256;
  r["network_sha256"] = full.sha256;
  r["json"] = ntk::json::dump(j);
  return r;
}

// ------------------------------------------------------------------ lipschitz

// `certify lipschitz --methods product`: the certified product bound of the network's l2 Lipschitz
// constant (lipschitz/product.hpp). The result contains: ||net||_Lip <= upper; each layer's
// spectral norm ||W_l||_2 in [lower, upper] (decimal strings rounded outward, exact).
py::dict lipschitz(const py::object& weights, const py::object& biases) {
  const ntk::network net = to_network(weights, biases);
  ntk::product_bound pb;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(compute_mutex);
    pb = ntk::lipschitz_product(net);
  }
  py::list layers;
  for (std::size_t l = 0; l < pb.layers.size(); ++l) {
    py::dict e = string_bounds(ntk::decimal_string(pb.layers[l].lower, ntk::outward::down, 17),
                               ntk::decimal_string(pb.layers[l].upper, ntk::outward::up, 17));
    e["layer"] = l + 1;
    e["power_iteration"] = pb.layers[l].power_iteration;
    layers.append(e);
  }
  py::dict r = string_bounds("0", ntk::decimal_string(pb.upper, ntk::outward::up, 17));
  r["method"] = "product";
  r["certified"] = std::isfinite(pb.upper);
  r["layers"] = layers;
  r["float_estimate"] = pb.float_estimate;
  r["seconds"] = pb.seconds;
  r["network_sha256"] = net.sha256;
  r["widths"] = net.widths;
  return r;
}

}  // namespace

PYBIND11_MODULE(_ntkcert, m) {
  m.doc() = "Compiled part of ntkcert; use the package `ntkcert`.";
  // Bad input raises ValueError with the message certify prints (after "certify <command>: ").
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const certify::usage_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ntk::data_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ntk::certificate_error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ntk::io_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("lambda_min", &lambda_min, py::arg("X"), py::arg("depth"), py::arg("center"), py::arg("normalize"),
        py::arg("convention"), py::arg("rtol"), py::arg("precision"), py::arg("max_precision"), py::arg("offset"),
        py::arg("limit"));
  m.def("kernel", &kernel, py::arg("X"), py::arg("depth"), py::arg("which"), py::arg("layer"), py::arg("convention"),
        py::arg("center"), py::arg("normalize"), py::arg("precision"), py::arg("offset"), py::arg("limit"));
  m.def("chain", &chain, py::arg("X"), py::arg("depth"), py::arg("orders"), py::arg("center"), py::arg("normalize"),
        py::arg("convention"), py::arg("rtol"), py::arg("precision"), py::arg("max_precision"), py::arg("offset"),
        py::arg("limit"));
  m.def("compare", &compare, py::arg("X"), py::arg("depth"), py::arg("center"), py::arg("normalize"),
        py::arg("convention"), py::arg("rtol"), py::arg("precision"), py::arg("max_precision"), py::arg("offset"),
        py::arg("limit"));
  m.def("empirical", &empirical, py::arg("X"), py::arg("weights"), py::arg("biases"), py::arg("output"),
        py::arg("center"), py::arg("normalize"), py::arg("rtol"), py::arg("precision"), py::arg("max_precision"),
        py::arg("offset"), py::arg("limit"));
  m.def("lipschitz", &lipschitz, py::arg("weights"), py::arg("biases"));
  m.def("hermite", &hermite, py::arg("order"), py::arg("activation"), py::arg("precision"));
  m.def("check", &check, py::arg("path"), py::arg("min_precision"), py::arg("method"));
  m.attr("__version__") = "0.1.0";
}
