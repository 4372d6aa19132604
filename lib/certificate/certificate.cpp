#include "certificate/certificate.hpp"

#include <cmath>

namespace ntk {

namespace {

constexpr long long max_depth = 10000;

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

bool known_convention(const std::string& s) { return s == "paper" || s == "neural-tangents" || s == "uci"; }

// Domain checks shared by writing and reading; `where` prefixes the messages.
void validate(const certificate& c) {
  auto bad = [](const std::string& what) { throw certificate_error(what); };
  if (c.claim.quantity != "lambda_min") bad("claim.quantity: unknown quantity '" + c.claim.quantity + "' (expected \"lambda_min\")");
  if (!is_exact_decimal(c.claim.lower)) bad("claim.lower: '" + c.claim.lower + "' is not a decimal number");
  if (!is_exact_decimal(c.claim.upper)) bad("claim.upper: '" + c.claim.upper + "' is not a decimal number");
  if (!is_hex64(c.data.sha256)) bad("data.sha256: expected 64 hexadecimal digits");
  if (c.data.limit && *c.data.limit == 0) bad("data.limit: must be at least 1");
  if (c.data.n == 0) bad("data.n: must be at least 1");
  if (c.data.d == 0) bad("data.d: must be at least 1");
  if (c.model.depth < 1 || c.model.depth > max_depth) bad("model.depth: must be from 1 to 10000");
  if (c.model.activation != "relu") bad("model.activation: unknown activation '" + c.model.activation + "' (expected \"relu\")");
  if (!known_convention(c.model.convention))
    bad("model.convention: unknown convention '" + c.model.convention + "' (expected paper, neural-tangents or uci)");
  if (c.hints.precision_bits < 2 || c.hints.precision_bits > 65536) bad("hints.precision_bits: must be from 2 to 65536");
  if (!c.hints.shift.empty() && !is_exact_decimal(c.hints.shift)) bad("hints.shift: '" + c.hints.shift + "' is not a decimal number");
  if (!c.hints.eigenvector.empty()) {
    if (c.hints.eigenvector.size() != c.data.n)
      bad("hints.eigenvector: has " + std::to_string(c.hints.eigenvector.size()) + " entries, data.n is " + std::to_string(c.data.n));
    bool nonzero = false;
    for (double x : c.hints.eigenvector) {
      if (!std::isfinite(x)) bad("hints.eigenvector: entries must be finite numbers");
      nonzero = nonzero || x != 0.0;
    }
    if (!nonzero) bad("hints.eigenvector: must not be the zero vector");
  }
  if (c.hints.singular_pair) {
    auto [i, j] = *c.hints.singular_pair;
    if (i >= c.data.n || j >= c.data.n || i == j)
      bad("hints.singular_pair: needs two different row indices below data.n = " + std::to_string(c.data.n));
  }
}

// Member access with certificate_error messages that name the full path of the member.
struct reader {
  const json::value& v;
  std::string path;

  const json::value* get(const std::string& key, bool required) const {
    const json::value* m = v.find(key);
    if (!m && required) throw certificate_error("missing member '" + qualified(key) + "'");
    return m;
  }
  std::string qualified(const std::string& key) const { return path.empty() ? key : path + "." + key; }

  template <class F>
  auto typed(const std::string& key, F&& f) const {
    try {
      return f(*get(key, true));
    } catch (const json::type_error& e) {
      throw certificate_error(qualified(key) + ": " + e.what());
    }
  }
  std::string str(const std::string& key) const {
    return typed(key, [](const json::value& m) { return m.as_string(); });
  }
  bool boolean(const std::string& key) const {
    return typed(key, [](const json::value& m) { return m.as_bool(); });
  }
  long long integer(const std::string& key, long long min) const {
    long long x = typed(key, [](const json::value& m) { return m.as_integer(); });
    if (x < min) throw certificate_error(qualified(key) + ": must be at least " + std::to_string(min));
    return x;
  }
  reader object(const std::string& key, bool required = true) const {
    const json::value* m = get(key, required);
    if (m && !m->is_object())
      throw certificate_error(qualified(key) + ": expected an object, found " + (m->is_array() ? "an " : "a ") +
                              json::kind_name(m->type()));
    static const json::value empty = json::value::object();
    return reader{m ? *m : empty, qualified(key)};
  }
  bool has(const std::string& key) const { return v.find(key) != nullptr; }
};

}  // namespace

bool is_exact_decimal(std::string_view s) {
  std::size_t i = 0, n = s.size();
  if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t digits = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t ed = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i, ++ed;
    if (ed == 0 || ed > 5) return false;  // exponents beyond 10^99999 are not plausible bounds
  }
  return i == n;
}

json::value to_json(const certificate& c) {
  validate(c);
  json::value v = json::value::object();
  v["format"]["name"] = certificate_format_name;
  v["format"]["version"] = certificate_format_version;
  v["claim"]["quantity"] = c.claim.quantity;
  v["claim"]["lower"] = c.claim.lower;
  v["claim"]["upper"] = c.claim.upper;
  json::value& d = v["data"];
  d["source"] = c.data.source;
  d["sha256"] = c.data.sha256;
  d["offset"] = c.data.offset;
  d["limit"] = c.data.limit ? json::value(*c.data.limit) : json::value();
  d["n"] = c.data.n;
  d["d"] = c.data.d;
  d["center"] = c.data.center;
  d["normalize"] = normalization_name(c.data.normalize);
  v["model"]["depth"] = c.model.depth;
  v["model"]["activation"] = c.model.activation;
  v["model"]["convention"] = c.model.convention;
  json::value& h = v["hints"];
  h = json::value::object();
  h["precision_bits"] = c.hints.precision_bits;
  if (!c.hints.shift.empty()) h["shift"] = c.hints.shift;
  if (!c.hints.eigenvector.empty()) {
    json::value e = json::value::array();
    e.as_array().reserve(c.hints.eigenvector.size());
    for (double x : c.hints.eigenvector) e.push_back(x);
    h["eigenvector"] = std::move(e);
  }
  if (c.hints.singular_pair) {
    json::value p = json::value::array();
    p.push_back(c.hints.singular_pair->first);
    p.push_back(c.hints.singular_pair->second);
    h["singular_pair"] = std::move(p);
  }
  v["producer"]["name"] = c.producer.name;
  v["producer"]["version"] = c.producer.version;
  return v;
}

certificate certificate_from_json(const json::value& v) {
  if (!v.is_object())
    throw certificate_error(std::string("a certificate is a JSON object, found ") + (v.is_array() ? "an " : "a ") +
                            json::kind_name(v.type()));
  reader root{v, ""};
  reader format = root.object("format");
  std::string name = format.str("name");
  if (name != certificate_format_name)
    throw certificate_error("format.name: unknown format '" + name + "' (expected \"" + certificate_format_name + "\")");
  const json::value* ver = format.get("version", true);
  if (!ver->is_number() || ver->as_number() != certificate_format_version)
    throw certificate_error("format.version: unsupported version " + json::dump(*ver, 0) + " (this checker reads version " +
                            std::to_string(certificate_format_version) + ")");

  certificate c;
  reader claim = root.object("claim");
  c.claim.quantity = claim.str("quantity");
  c.claim.lower = claim.str("lower");
  c.claim.upper = claim.str("upper");

  reader data = root.object("data");
  c.data.source = data.str("source");
  c.data.sha256 = data.str("sha256");
  c.data.offset = static_cast<std::size_t>(data.integer("offset", 0));
  if (const json::value* lim = data.get("limit", false); lim && !lim->is_null())
    c.data.limit = static_cast<std::size_t>(data.integer("limit", 1));
  c.data.n = static_cast<std::size_t>(data.integer("n", 1));
  c.data.d = static_cast<std::size_t>(data.integer("d", 1));
  c.data.center = data.boolean("center");
  std::string norm = data.str("normalize");
  if (norm == "none") c.data.normalize = normalization::none;
  else if (norm == "sphere") c.data.normalize = normalization::sphere;
  else if (norm == "unit") c.data.normalize = normalization::unit;
  else throw certificate_error("data.normalize: unknown normalisation '" + norm + "' (expected none, sphere or unit)");

  reader model = root.object("model");
  long long depth = model.integer("depth", 1);
  if (depth > max_depth) throw certificate_error("model.depth: must be from 1 to 10000");
  c.model.depth = static_cast<int>(depth);
  c.model.activation = model.str("activation");
  c.model.convention = model.str("convention");

  reader hints = root.object("hints", false);
  if (hints.has("precision_bits")) c.hints.precision_bits = static_cast<long>(hints.integer("precision_bits", 2));
  if (hints.has("shift")) c.hints.shift = hints.str("shift");
  if (hints.has("eigenvector")) {
    hints.typed("eigenvector", [&](const json::value& e) {
      for (const auto& x : e.as_array()) c.hints.eigenvector.push_back(x.as_number());
      if (c.hints.eigenvector.empty()) throw certificate_error("hints.eigenvector: must not be empty");
      return 0;
    });
  }
  if (hints.has("singular_pair")) {
    hints.typed("singular_pair", [&](const json::value& p) {
      const auto& a = p.as_array();
      if (a.size() != 2) throw certificate_error("hints.singular_pair: expected two row indices");
      long long i = a[0].as_integer(), j = a[1].as_integer();
      if (i < 0 || j < 0) throw certificate_error("hints.singular_pair: row indices must be non-negative");
      c.hints.singular_pair = std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
      return 0;
    });
  }

  if (root.has("producer")) {
    reader producer = root.object("producer");
    if (producer.has("name")) c.producer.name = producer.str("name");
    if (producer.has("version")) c.producer.version = producer.str("version");
  }
  validate(c);
  return c;
}

std::string certificate_json(const certificate& c) { return json::dump(to_json(c)) + "\n"; }

certificate parse_certificate(std::string_view text) {
  json::value v;
  try {
    v = json::parse(text);
  } catch (const json::parse_error& e) {
    throw certificate_error(std::string("not JSON: ") + e.what());
  }
  return certificate_from_json(v);
}

}  // namespace ntk
