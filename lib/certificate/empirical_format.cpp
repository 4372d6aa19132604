// The empirical-NTK certificate format: reading and writing (see empirical_certificate.hpp).
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "certificate/empirical_certificate.hpp"

namespace ntk {
namespace {

// ------------------------------------------------------------------------------ JSON

const json::value& member(const json::value& v, const std::string& key, const std::string& path) {
  const json::value* m = v.is_object() ? v.find(key) : nullptr;
  if (!m) throw certificate_error(path + key + ": missing");
  return *m;
}
std::string str_member(const json::value& v, const std::string& key, const std::string& path) {
  const json::value& m = member(v, key, path);
  if (!m.is_string()) throw certificate_error(path + key + ": not a string");
  return m.as_string();
}
long long int_member(const json::value& v, const std::string& key, const std::string& path) {
  const json::value& m = member(v, key, path);
  if (!m.is_number()) throw certificate_error(path + key + ": not a number");
  const double d = m.as_number();
  if (d != std::floor(d) || d < 0 || d > 1e15) throw certificate_error(path + key + ": not a whole number");
  return static_cast<long long>(d);
}
bool bool_member(const json::value& v, const std::string& key, const std::string& path) {
  const json::value& m = member(v, key, path);
  if (!m.is_bool()) throw certificate_error(path + key + ": not true/false");
  return m.as_bool();
}

}  // namespace

// ------------------------------------------------------------------------------ format

bool is_empirical_certificate_text(const std::string& text) {
  try {
    const json::value v = json::parse(text);
    const json::value* f = v.is_object() ? v.find("format") : nullptr;
    const json::value* nm = f && f->is_object() ? f->find("name") : nullptr;
    return nm && nm->is_string() && nm->as_string() == empirical_certificate_format_name;
  } catch (const std::exception&) {
    return false;
  }
}

std::string empirical_certificate_json(const empirical_certificate& c) {
  if (!is_exact_decimal(c.claim.lower) || !is_exact_decimal(c.claim.upper))
    throw certificate_error("claim: bounds must be exact decimals");
  json::value j = json::value::object();
  j["format"]["name"] = empirical_certificate_format_name;
  j["format"]["version"] = 1;
  j["claim"]["quantity"] = "empirical_lambda_min";
  j["claim"]["lower"] = c.claim.lower;
  j["claim"]["upper"] = c.claim.upper;
  json::value d = json::value::object();
  d["source"] = c.data.source;
  d["sha256"] = c.data.sha256;
  d["offset"] = static_cast<unsigned long>(c.data.offset);
  d["limit"] = c.data.limit ? json::value(static_cast<unsigned long>(*c.data.limit)) : json::value();
  d["n"] = static_cast<unsigned long>(c.data.n);
  d["d"] = static_cast<unsigned long>(c.data.d);
  d["center"] = c.data.center;
  d["normalize"] = normalization_name(c.data.normalize);
  j["data"] = d;
  json::value nw = json::value::object();
  nw["source"] = c.network.source;
  nw["sha256"] = c.network.sha256;
  nw["layout"] = c.network.layout;
  nw["output"] = c.network.output ? json::value(static_cast<unsigned long>(*c.network.output)) : json::value();
  json::value w = json::value::array();
  for (auto x : c.network.widths) w.push_back(static_cast<unsigned long>(x));
  nw["widths"] = w;
  nw["biases"] = c.network.biases;
  j["network"] = nw;
  json::value h = json::value::object();
  h["precision_bits"] = c.hints.precision_bits;
  if (!c.hints.eigenvector.empty()) {
    json::value e = json::value::array();
    for (double x : c.hints.eigenvector) e.push_back(x);
    h["eigenvector"] = e;
  }
  if (c.hints.singular_pair) {
    json::value p = json::value::array();
    p.push_back(static_cast<unsigned long>(c.hints.singular_pair->first));
    p.push_back(static_cast<unsigned long>(c.hints.singular_pair->second));
    h["singular_pair"] = p;
  }
  j["hints"] = h;
  j["producer"]["name"] = "ntkcert";
  j["producer"]["version"] = "0.1.0";
  return json::dump(j) + "\n";
}

empirical_certificate parse_empirical_certificate(const std::string& text) {
  json::value v;
  try {
    v = json::parse(text);
  } catch (const json::error& e) {
    throw certificate_error(std::string("not JSON: ") + e.what());
  }
  empirical_certificate c;
  const json::value& f = member(v, "format", "");
  if (str_member(f, "name", "format.") != empirical_certificate_format_name)
    throw certificate_error("format.name: not an empirical certificate");
  if (int_member(f, "version", "format.") != 1) throw certificate_error("format.version: unsupported version (this checker reads version 1)");
  const json::value& cl = member(v, "claim", "");
  c.claim.quantity = str_member(cl, "quantity", "claim.");
  if (c.claim.quantity != "empirical_lambda_min") throw certificate_error("claim.quantity: expected empirical_lambda_min");
  c.claim.lower = str_member(cl, "lower", "claim.");
  c.claim.upper = str_member(cl, "upper", "claim.");
  if (!is_exact_decimal(c.claim.lower)) throw certificate_error("claim.lower: not an exact decimal");
  if (!is_exact_decimal(c.claim.upper)) throw certificate_error("claim.upper: not an exact decimal");
  const json::value& d = member(v, "data", "");
  c.data.source = str_member(d, "source", "data.");
  c.data.sha256 = str_member(d, "sha256", "data.");
  c.data.offset = static_cast<std::size_t>(int_member(d, "offset", "data."));
  if (const json::value* lim = d.find("limit"); lim && !lim->is_null()) c.data.limit = static_cast<std::size_t>(int_member(d, "limit", "data."));
  c.data.n = static_cast<std::size_t>(int_member(d, "n", "data."));
  c.data.d = static_cast<std::size_t>(int_member(d, "d", "data."));
  c.data.center = bool_member(d, "center", "data.");
  const std::string nm = str_member(d, "normalize", "data.");
  if (nm == "none") c.data.normalize = normalization::none;
  else if (nm == "sphere") c.data.normalize = normalization::sphere;
  else if (nm == "unit") c.data.normalize = normalization::unit;
  else throw certificate_error("data.normalize: unknown value '" + nm + "'");
  if (c.data.n == 0 || c.data.d == 0) throw certificate_error("data: n and d must be positive");
  const json::value& nw = member(v, "network", "");
  c.network.source = str_member(nw, "source", "network.");
  c.network.sha256 = str_member(nw, "sha256", "network.");
  c.network.layout = str_member(nw, "layout", "network.");
  if (c.network.layout != "detect" && c.network.layout != "out-in" && c.network.layout != "in-out")
    throw certificate_error("network.layout: unknown value '" + c.network.layout + "'");
  if (const json::value* o = nw.find("output"); o && !o->is_null()) c.network.output = static_cast<std::size_t>(int_member(nw, "output", "network."));
  const json::value& w = member(nw, "widths", "network.");
  if (!w.is_array() || w.as_array().size() < 2) throw certificate_error("network.widths: expected an array of at least two widths");
  for (const auto& x : w.as_array()) {
    if (!x.is_number() || x.as_number() < 1) throw certificate_error("network.widths: not a positive whole number");
    c.network.widths.push_back(static_cast<std::size_t>(x.as_number()));
  }
  c.network.biases = bool_member(nw, "biases", "network.");
  if (const json::value* h = v.find("hints"); h && h->is_object()) {
    if (h->find("precision_bits")) c.hints.precision_bits = static_cast<long>(int_member(*h, "precision_bits", "hints."));
    if (const json::value* e = h->find("eigenvector"); e) {
      if (!e->is_array() || e->as_array().size() != c.data.n) throw certificate_error("hints.eigenvector: expected n numbers");
      for (const auto& x : e->as_array()) {
        if (!x.is_number() || !std::isfinite(x.as_number())) throw certificate_error("hints.eigenvector: not a finite number");
        c.hints.eigenvector.push_back(x.as_number());
      }
    }
    if (const json::value* p = h->find("singular_pair"); p) {
      if (!p->is_array() || p->as_array().size() != 2) throw certificate_error("hints.singular_pair: expected [i, j]");
      const double a = p->as_array()[0].as_number(), b = p->as_array()[1].as_number();
      if (!(a >= 0 && b >= 0 && a < c.data.n && b < c.data.n && a != b)) throw certificate_error("hints.singular_pair: out of range");
      c.hints.singular_pair = std::make_pair(static_cast<std::size_t>(a), static_cast<std::size_t>(b));
    }
  }
  return c;
}

}  // namespace ntk
