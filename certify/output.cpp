#include "output.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "certificate/io.hpp"
#include "data/load.hpp"
#include "interval/decimal.hpp"

namespace certify {

ntk::dataset load_data(const data_args& a, ntk::preprocessing& prep) {
  std::optional<std::size_t> limit;
  if (a.limit) limit = static_cast<std::size_t>(*a.limit);
  prep = preprocessing_of(a);
  return ntk::dataset_load(a.data, static_cast<std::size_t>(a.offset), limit);
}

ntk::preprocessing preprocessing_of(const data_args& a) {
  ntk::preprocessing prep;
  prep.center = a.center;
  prep.normalize = a.normalize == "sphere" ? ntk::normalization::sphere
                   : a.normalize == "unit" ? ntk::normalization::unit
                                           : ntk::normalization::none;
  return prep;
}

namespace {
int digits_of(const ntk::mreal& v) {
  return ntk::decimal_digits_for_bits(static_cast<long>(mpfr_get_prec(v.backend().data())));
}
}  // namespace

ntk::json::value bound_json(const ntk::mreal& lower, const ntk::mreal& upper) {
  ntk::json::value b = ntk::json::value::object();
  b["lower"] = ntk::decimal_string(lower.backend().data(), ntk::outward::down, digits_of(lower));
  b["upper"] = ntk::decimal_string(upper.backend().data(), ntk::outward::up, digits_of(upper));
  return b;
}

std::string bound_text(const ntk::mreal& lower, const ntk::mreal& upper, int digits) {
  std::string s = "[";
  s += ntk::decimal_string(lower.backend().data(), ntk::outward::down, digits);
  s += ", ";
  s += ntk::decimal_string(upper.backend().data(), ntk::outward::up, digits);
  s += "]";
  return s;
}

ntk::json::value data_json(const ntk::dataset& x, const ntk::preprocessing& prep) {
  ntk::json::value d = ntk::json::value::object();
  d["source"] = x.source;
  d["sha256"] = x.sha256;
  d["offset"] = static_cast<unsigned long>(x.first_row);
  d["n"] = static_cast<unsigned long>(x.n);
  d["d"] = static_cast<unsigned long>(x.d);
  d["center"] = prep.center;
  d["normalize"] = std::string(ntk::normalization_name(prep.normalize));
  return d;
}

ntk::json::value model_json(int depth, ntk::kernel_convention convention) {
  ntk::json::value model = ntk::json::value::object();
  model["depth"] = depth;
  model["activation"] = "relu";
  model["convention"] = ntk::kernel_convention_name(convention);
  return model;
}

ntk::json::value lambda_min_json(const ntk::ntk_outcome& out, double rtol) {
  ntk::json::value lm = bound_json(out.lower, out.upper);
  lm["certified"] = out.certified;
  lm["precision_bits"] = out.precision_bits;
  if (!out.tier.empty()) lm["tier"] = out.tier;
  lm["seconds"] = out.seconds;
  lm["rtol"] = rtol;
  lm["relative_width"] = ntk::relative_width(out.lower, out.upper);
  if (out.exact_zero) lm["exact_zero"] = out.exact_zero_reason;
  return lm;
}

ntk::certificate::claim_part certificate_claim(const ntk::ntk_outcome& out) {
  ntk::mreal upper = out.upper;
  if (!out.exact_zero && out.eigenvector_upper > upper && mpfr_number_p(out.eigenvector_upper.backend().data()))
    upper = out.eigenvector_upper;
  const ntk::json::value b = bound_json(out.lower, upper);
  ntk::certificate::claim_part c;
  c.lower = b.find("lower")->as_string();
  c.upper = b.find("upper")->as_string();
  return c;
}

ntk::certificate::data_part certificate_data(const ntk::dataset& data, const ntk::preprocessing& prep) {
  ntk::certificate::data_part d;
  d.source = data.source;
  d.sha256 = data.sha256;
  d.offset = data.first_row;
  d.limit = data.n;
  d.n = data.n;
  d.d = data.d;
  d.center = prep.center;
  d.normalize = prep.normalize;
  return d;
}

void check_output_path(const std::string& option, const std::string& path) {
  if (path.empty() || path == "-") return;
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    throw usage_error("--" + option + ": cannot write '" + path + "': directory '" + dir + "' " +
                      (access(dir.c_str(), F_OK) != 0 ? "does not exist" : "is not writable"));
}

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text;
    if (text.empty() || text.back() != '\n') std::cout << '\n';
    std::cout.flush();
    return;
  }
  ntk::write_file_atomic(path, text.back() == '\n' ? text : text + "\n");
}

terminal_progress::terminal_progress(bool enabled)
    : enabled_(enabled && isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_(start_) {}

terminal_progress::~terminal_progress() { finish(); }

void terminal_progress::update(std::string_view stage, double fraction) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(2)) return;
  if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  shown_ = true;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const int pct = static_cast<int>(fraction * 100.0 + 0.5);
  std::fprintf(stderr, "\r\033[K%.*s %3d%%  %.0fs", static_cast<int>(stage.size()), stage.data(),
               pct < 0 ? 0 : (pct > 100 ? 100 : pct), secs);
  std::fflush(stderr);
}

void terminal_progress::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shown_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }
}


ntk::json::value attempts_json(const std::vector<ntk::ntk_attempt>& attempts) {
  ntk::json::value a = ntk::json::value::array();
  for (const auto& t : attempts) {
    ntk::json::value e = bound_json(t.lower, t.upper);
    e["precision_bits"] = t.precision_bits;
    if (!t.tier.empty()) e["tier"] = t.tier;
    e["seconds"] = t.seconds;
    if (!t.note.empty()) e["note"] = t.note;
    a.push_back(e);
  }
  return a;
}

ntk::json::value chain_verdict_json(ntk::chain_verdict v) {
  switch (v) {
    case ntk::chain_verdict::holds: return true;
    case ntk::chain_verdict::fails: return false;
    case ntk::chain_verdict::undecided: return "undecided";
    default: return nullptr;
  }
}

// The "chain" array: {"link", "value", "holds"} plus "claim", "precondition", "ratio", "note".
ntk::json::value chain_json(const ntk::chain_outcome& c) {
  ntk::json::value a = ntk::json::value::array();
  for (const auto& l : c.links) {
    ntk::json::value e = ntk::json::value::object();
    e["link"] = l.name;
    e["value"] = bound_json(l.lower, l.upper);
    e["holds"] = chain_verdict_json(l.holds);
    if (!l.claim.empty()) e["claim"] = l.claim;
    if (l.precondition) e["precondition"] = chain_verdict_json(*l.precondition);
    if (l.has_ratio) e["ratio"] = bound_json(l.ratio_lower, l.ratio_upper);
    if (!l.note.empty()) e["note"] = l.note;
    a.push_back(e);
  }
  return a;
}

ntk::json::value chain_run_json(const ntk::chain_outcome& c) {
  ntk::json::value r = ntk::json::value::object();
  ntk::json::value orders = ntk::json::value::array();
  for (unsigned o : c.orders) orders.push_back(o);
  r["orders"] = orders;
  r["precision_bits"] = c.precision_bits;
  r["seconds"] = c.seconds;
  ntk::json::value undecided = ntk::json::value::array();
  for (const auto& u : c.undecided) undecided.push_back(u);
  r["undecided"] = undecided;
  ntk::json::value attempts = ntk::json::value::array();
  for (const auto& t : c.attempts) {
    ntk::json::value e = ntk::json::value::object();
    e["precision_bits"] = t.precision_bits;
    e["seconds"] = t.seconds;
    e["eigen_enclosures"] = t.eigen_enclosures;
    ntk::json::value rec = ntk::json::value::array();
    for (const auto& s : t.recomputed) rec.push_back(s);
    e["recomputed"] = rec;
    attempts.push_back(e);
  }
  r["attempts"] = attempts;
  return r;
}

ntk::json::value float_report_json(const ntk::float_report& r) {
  ntk::json::value f = ntk::json::value::object();
  f["lambda_min"] = r.lambda_min;  // null when the eigenvalues could not be computed
  f["lambda_min_inside"] = r.lambda.inside;
  f["lambda_min_abs_error"] = r.lambda.abs_error;
  f["lambda_min_rel_error"] = r.lambda.rel_error;
  f["negative_eigenvalues"] = static_cast<unsigned long>(r.negative_eigenvalues);
  f["eigenvalues_computed"] = r.eigenvalues_done;
  f["nan_count"] = static_cast<unsigned long>(r.entries.nan_count);
  f["entries_outside"] = static_cast<unsigned long>(r.entries.entries_outside);
  f["entries"] = static_cast<unsigned long>(r.entries.entries);
  f["max_abs_excess"] = r.entries.max_abs_excess;
  f["max_rel_excess"] = r.entries.max_rel_excess;
  f["seconds"] = r.seconds;
  return f;
}

ntk::json::value compare_json(const ntk::compare_job& job, const ntk::compare_outcome& out) {
  ntk::json::value j = ntk::json::value::object();
  j["command"] = "compare";
  j["data"] = data_json(*job.data, job.prep);
  j["model"] = model_json(job.depth, job.convention);
  ntk::json::value cert = ntk::json::value::object();
  cert["lambda_min"] = lambda_min_json(out.certified, job.rtol);
  ntk::json::value ent = ntk::json::value::object();
  ent["precision_bits"] = out.entries_precision_bits;
  ent["max_width"] = out.max_entry_width;
  cert["entries"] = ent;
  j["certified"] = cert;
  // "float64" / "float32": the clipped-arccos form; their "atan2" members: the atan2 form.
  for (const char* prec : {"float64", "float32"}) {
    ntk::json::value block;
    for (const auto& r : out.floats)
      if (r.name == prec) block = float_report_json(r);
    for (const auto& r : out.floats)
      if (r.name == std::string("atan2-") + prec) block["atan2"] = float_report_json(r);
    j[prec] = block;
  }
  return j;
}

std::string fmt_g(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string short_bound(const ntk::mreal& lower, const ntk::mreal& upper, int digits) {
  auto one = [&](const ntk::mreal& x, bool up) -> std::string {
    mpfr_srcptr p = x.backend().data();
    if (mpfr_zero_p(p)) return "0";
    char buf[128];
    mpfr_snprintf(buf, sizeof buf, up ? "%.*RUe" : "%.*RDe", digits - 1, p);
    return buf;
  };
  return "[" + one(lower, false) + ", " + one(upper, true) + "]";
}

std::string data_summary(const ntk::dataset& x, const ntk::preprocessing& prep) {
  std::ostringstream o;
  o << "data        " << x.source << "  (N = " << x.n << ", d = " << x.d << (prep.center ? ", centred" : "")
    << ", normalize " << ntk::normalization_name(prep.normalize) << ")";
  return o.str();
}

std::string status_summary(const ntk::ntk_outcome& out, double rtol) {
  std::ostringstream o;
  if (out.exact_zero) o << "            = 0 exactly: " << out.exact_zero_reason << "\n";
  o << "status      " << (out.certified ? "CERTIFIED" : "NOT CERTIFIED");
  if (!out.exact_zero)
    o << "  (relative width " << fmt_g(ntk::relative_width(out.lower, out.upper), 3) << (out.certified ? " <= " : " > ")
      << "rtol " << rtol << ")";
  o << "\n";
  return o.str();
}

std::string precision_summary(const ntk::ntk_outcome& out) {
  std::ostringstream o;
  o << "precision   " << out.precision_bits << " bits"
    << (out.precision_bits <= 53 ? " (double tier)" : out.tier == "double-double" ? " (double-double)" : " (MPFI)") << ", "
    << out.attempts.size() << " attempt(s)\n";
  return o.str();
}

int report_check(const std::string& path, const ntk::certificate::claim_part& claim,
                 const ntk::certificate::data_part& data, const char* kind_key, const ntk::json::value& kind,
                 const ntk::check_result& r, bool quiet, const std::string& json_path, const std::string& claim_text) {
  if (!json_path.empty()) {
    ntk::json::value j = ntk::json::value::object();
    j["command"] = "check";
    j["certificate"] = path;
    j["valid"] = r.valid;
    j["reason"] = r.valid ? ntk::json::value() : ntk::json::value(r.reason);
    j["claim"]["quantity"] = claim.quantity;
    j["claim"]["lower"] = claim.lower;
    j["claim"]["upper"] = claim.upper;
    j["data"]["source"] = data.source;
    j["data"]["loaded"] = r.data_spec;
    j["data"]["sha256"] = data.sha256;
    j[kind_key] = kind;
    j["lower_proof"] = r.lower_proof;
    j["upper_proof"] = r.upper_proof;
    j["precision_bits"] = r.precision_bits;
    j["seconds"] = r.seconds;
    try {
      write_output(json_path, ntk::json::dump(j) + "\n");
    } catch (const ntk::io_error& e) {
      std::cerr << "certify check: " << e.what() << "\n";
      return 2;
    }
  }
  if (!quiet && json_path != "-") {
    if (r.valid)
      std::cout << "valid: " << claim_text << "\n  lower: " << r.lower_proof << "\n  upper: " << r.upper_proof << "\n";
    else
      std::cout << "invalid: " << r.reason << "\n";
  }
  return r.valid ? 0 : 1;
}

}  // namespace certify
