// ntkcert's infinite-width functions: lambda_min (certify ntk), chain (certify ntk --chain),
// compare (certify compare), kernel (certify kernel) and hermite (certify hermite). Each validates
// its options with the CLI's parsing code, runs the same library calls with the GIL released and
// interruptible (common.hpp, run), and returns the bounds with the JSON the CLI prints.
#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "data/checks.hpp"
#include "driver/chain.hpp"
#include "driver/compare.hpp"
#include "driver/ntk_lambda_min.hpp"
#include "hermite/coefficients.hpp"
#include "interval/decimal.hpp"
#include "interval/interval.hpp"
#include "kernel/convention.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "command_options.hpp"
#include "ntk_options.hpp"
#include "output.hpp"

namespace pyntk {
namespace {

// ------------------------------------------------------------------ lambda_min

// The parsed options of certify ntk (and compare, chain) for a lambda_min-like call.
struct ntk_call {
  ntk::ntk_job job;
  ntk::dataset data;
};

// Parses the options with the CLI's groups (data, model, precision, and chain when chain_orders is
// given) and loads the rows.
void setup_ntk_call(ntk_call& c, const py::object& X, const py::object& depth, const py::object& center,
                    const py::object& normalize, const py::object& convention, const py::object& rtol,
                    const py::object& precision, const py::object& max_precision, const py::object& offset,
                    const py::object& limit, const py::object& orders = py::none(),
                    std::vector<unsigned>* chain_orders = nullptr) {
  certify::data_args data;
  certify::model_args model;
  certify::precision_args prec;
  certify::chain_args ch;
  certify::command cmd("python", "");
  certify::add_data_options(cmd, data);
  certify::add_model_options(cmd, model);
  certify::add_precision_options(cmd, prec);
  if (chain_orders) certify::add_chain_options(cmd, ch);
  const py::object chain_flag = chain_orders ? py::object(py::bool_(true)) : py::object(py::none());
  parse_keywords(cmd, {{"data", spec_or(X, "array")}, {"limit", limit}, {"offset", offset}, {"center", center},
                       {"normalize", normalize}, {"depth", depth}, {"convention", convention},
                       {"precision", precision}, {"max-precision", max_precision}, {"rtol", rtol},
                       {"chain", chain_flag}, {"orders", orders}});
  c.job.depth = static_cast<int>(model.depth);
  c.job.convention = model.kernel_convention();
  prec.apply(c.job.precision, c.job.rtol);
  if (chain_orders) *chain_orders = certify::chain_orders_of(cmd, ch);
  c.data = load_rows(X, data, c.job.prep);
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
  j["attempts"] = certify::attempts_json(out.attempts);
  py::dict r = lambda_min_dict(out, job.rtol);
  r["sha256"] = data.sha256;
  r["n"] = data.n;
  r["d"] = data.d;
  return r;
}

py::dict lambda_min(const py::object& X, const py::object& depth, const py::object& center, const py::object& normalize,
                    const py::object& convention, const py::object& rtol, const py::object& precision,
                    const py::object& max_precision, const py::object& offset, const py::object& limit) {
  ntk_call c;
  setup_ntk_call(c, X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit);
  const ntk::ntk_outcome out = run([&](ntk::progress_sink& progress) { return ntk::ntk_lambda_min(c.job, progress); });
  ntk::json::value j;
  py::dict r = lambda_min_result(c, out, j);
  j["peak_rss_bytes"] = ntk::peak_rss_bytes();  // of this process so far, as certify ntk reports its own
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
py::dict chain(const py::object& X, const py::object& depth, const py::object& orders, const py::object& center,
               const py::object& normalize, const py::object& convention, const py::object& rtol,
               const py::object& precision, const py::object& max_precision, const py::object& offset,
               const py::object& limit) {
  ntk_call c;
  std::vector<unsigned> order_list;
  setup_ntk_call(c, X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit, orders,
                 &order_list);
  ntk::ntk_outcome out;
  const ntk::chain_outcome ch = run([&](ntk::progress_sink& progress) {
    out = ntk::ntk_lambda_min(c.job, progress);
    return ntk::ntk_chain(c.job, order_list, &out, progress);
  });
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
  j["peak_rss_bytes"] = ntk::peak_rss_bytes();
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
py::dict compare(const py::object& X, const py::object& depth, const py::object& center, const py::object& normalize,
                 const py::object& convention, const py::object& rtol, const py::object& precision,
                 const py::object& max_precision, const py::object& offset, const py::object& limit) {
  ntk_call c;
  setup_ntk_call(c, X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit);
  ntk::compare_job job;
  job.data = &c.data;
  job.prep = c.job.prep;
  job.depth = c.job.depth;
  job.convention = c.job.convention;
  job.precision = c.job.precision;
  job.rtol = c.job.rtol;
  const ntk::compare_outcome out = run([&](ntk::progress_sink& progress) { return ntk::compare_float_kernels(job, progress); });
  const ntk::ntk_outcome& o = out.certified;
  ntk::json::value j = certify::compare_json(job, out);
  py::dict lam = lambda_min_dict(o, job.rtol);
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
                                    ntk::kernel_convention conv, ntk::kernel_which which, int layer,
                                    ntk::progress_sink& progress) {
  ntk::geometry<I> g = ntk::geometry_compute<I>(data, prep, progress);
  ntk::dense_matrix<I> m = ntk::kernel_matrix<I>(g, depth, which, layer, progress);
  ntk::apply_convention(m, which, conv, data.d, depth);
  return m;
}

py::dict kernel(const py::object& X, const py::object& depth, const py::object& which_o, const py::object& layer_o,
                const py::object& convention, const py::object& center, const py::object& normalize,
                const py::object& precision, const py::object& offset, const py::object& limit) {
  certify::data_args data_opts;
  certify::model_args model;
  certify::kernel_select_args select;
  certify::command cmd("python", "");
  certify::add_data_options(cmd, data_opts);
  certify::add_model_options(cmd, model);
  certify::add_kernel_options(cmd, select);
  parse_keywords(cmd, {{"data", spec_or(X, "array")}, {"limit", limit}, {"offset", offset}, {"center", center},
                       {"normalize", normalize}, {"depth", depth}, {"convention", convention}, {"which", which_o},
                       {"layer", layer_o}, {"precision", precision}});
  const int d_depth = static_cast<int>(model.depth);
  const ntk::kernel_convention conv = model.kernel_convention();
  const certify::kernel_selection sel = certify::read_kernel_selection(select, d_depth);
  const ntk::kernel_which which = sel.which;
  const int layer = sel.layer;
  const long bits = sel.bits;
  const std::string& which_s = select.which;
  ntk::preprocessing prep;
  ntk::dataset data = load_rows(X, data_opts, prep);

  const std::size_t n = data.n;
  py::array_t<double> lo({n, n}), hi({n, n});
  double* plo = lo.mutable_data();
  double* phi = hi.mutable_data();
  long used_bits = 53;
  double max_width = 0, max_rel = 0;
  run([&](ntk::progress_sink& progress) {
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
      fill(kernel_in_tier<ntk::dinterval>(data, prep, d_depth, conv, which, layer, progress));
    } else {
      used_bits = ntk::set_working_precision_bits(bits);
      fill(kernel_in_tier<ntk::minterval>(data, prep, d_depth, conv, which, layer, progress));
    }
    return 0;
  });
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

py::dict hermite(const py::object& order_o, const py::object& activation, const py::object& precision_o) {
  namespace hm = ntk::hermite;
  certify::hermite_args a;
  certify::command cmd = certify::hermite_command(a);
  parse_keywords(cmd, {{"activation", activation}, {"order", order_o}, {"precision", precision_o}});
  const auto act = hm::parse_activation(a.activation);
  const long order = a.order, precision = a.precision;
  const unsigned R = static_cast<unsigned>(order);
  const unsigned exact_through = std::min<unsigned>(R, certify::default_exact_through);
  const int digits = ntk::decimal_digits_for_bits(precision);
  py::list coefficients;
  py::dict r;
  std::vector<hm::pi_rational> exact;
  exact = run([&](ntk::progress_sink&) { return hm::exact_c_table(*act, exact_through); });
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

}  // namespace

void register_infinite_width(py::module_& m) {
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
  m.def("hermite", &hermite, py::arg("order"), py::arg("activation"), py::arg("precision"));
}

}  // namespace pyntk
