// The empirical-NTK certificate and its independent checker (see empirical_certificate.hpp).
// Written directly on GMP, MPFR and MPFI; shares only the data and network readers with the prover.
#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "certificate/empirical_certificate.hpp"
#include "data/errors.hpp"
#include "data/load.hpp"
#include "network/load.hpp"

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

// ------------------------------------------------------------------------------ MPFI arrays

class ivec {
 public:
  ivec(std::size_t n, mpfr_prec_t q) : v_(n) {
    for (auto& x : v_) {
      mpfi_init2(&x, q);
      mpfi_set_ui(&x, 0);
    }
  }
  ~ivec() {
    for (auto& x : v_) mpfi_clear(&x);
  }
  ivec(const ivec&) = delete;
  ivec& operator=(const ivec&) = delete;
  mpfi_ptr operator[](std::size_t i) { return &v_[i]; }
  mpfi_srcptr operator[](std::size_t i) const { return &v_[i]; }
  std::size_t size() const { return v_.size(); }

 private:
  std::vector<__mpfi_struct> v_;
};

struct itmp {
  mpfi_t x;
  explicit itmp(mpfr_prec_t q) { mpfi_init2(x, q); }
  ~itmp() { mpfi_clear(x); }
};

// ------------------------------------------------------------------------------ kernel

struct kernel_result {
  std::unique_ptr<ivec> K;  // n x n
  bool decided = true;
  std::string why;  // when !decided
};

// Exact rational forward pass of one row up to layer l; sets sign of pre-activation j of layer l.
int exact_sign(const network& net, const dataset& ds, bool center, std::size_t i, std::size_t l, std::size_t j) {
  const std::size_t d = ds.d, n = ds.n;
  std::vector<mpq_t> f(d);
  mpq_t t, s;
  mpq_init(t);
  mpq_init(s);
  for (auto& v : f) mpq_init(v);
  for (std::size_t k = 0; k < d; ++k) {
    mpq_set_d(f[k], ds.x[i * d + k]);
    if (center) {
      mpq_set_ui(s, 0, 1);
      for (std::size_t r = 0; r < n; ++r) {
        mpq_set_d(t, ds.x[r * d + k]);
        mpq_add(s, s, t);
      }
      mpq_set_ui(t, static_cast<unsigned long>(n), 1);
      mpq_div(s, s, t);
      mpq_sub(f[k], f[k], s);
    }
    mpq_set_d(t, ds.scale_num);
    mpq_mul(f[k], f[k], t);
    mpq_set_d(t, ds.scale_den);
    mpq_div(f[k], f[k], t);
  }
  int sign = 0;
  for (std::size_t layer = 1; layer <= l; ++layer) {
    const std::size_t nin = net.cols(layer), nout = net.rows(layer);
    std::vector<mpq_t> g(nout);
    for (std::size_t o = 0; o < nout; ++o) {
      mpq_init(g[o]);
      mpq_set_d(g[o], net.has_biases ? net.biases[layer - 1][o] : 0.0);
      for (std::size_t k = 0; k < nin; ++k) {
        mpq_set_d(t, net.weights[layer - 1][o * nin + k]);
        mpq_mul(t, t, f[k]);
        mpq_add(g[o], g[o], t);
      }
    }
    for (auto& v : f) mpq_clear(v);
    if (layer == l) sign = mpq_sgn(g[j]);
    f.swap(g);
    if (layer < l)
      for (auto& v : f)
        if (mpq_sgn(v) < 0) mpq_set_ui(v, 0, 1);
  }
  for (auto& v : f) mpq_clear(v);
  mpq_clear(t);
  mpq_clear(s);
  return sign;
}

// K̄ enclosed at precision q. Signs: from the enclosure, else exact (no normalisation), else undecided.
kernel_result enclose_empirical(const network& net, const dataset& ds, const certificate::data_part& dp, mpfr_prec_t q) {
  kernel_result out;
  const std::size_t n = ds.n, d = ds.d, L = net.depth();
  itmp t(q), u(q);
  // Rows.
  ivec X(n * d, q);
  for (std::size_t i = 0; i < n * d; ++i) {
    mpfi_set_d(X[i], ds.x[i]);
    mpfi_mul_d(X[i], X[i], ds.scale_num);
    mpfi_div_d(X[i], X[i], ds.scale_den);
  }
  if (dp.center)
    for (std::size_t k = 0; k < d; ++k) {
      mpfi_set_ui(t.x, 0);
      for (std::size_t i = 0; i < n; ++i) mpfi_add(t.x, t.x, X[i * d + k]);
      mpfi_div_ui(t.x, t.x, static_cast<unsigned long>(n));
      for (std::size_t i = 0; i < n; ++i) mpfi_sub(X[i * d + k], X[i * d + k], t.x);
    }
  if (dp.normalize != normalization::none)
    for (std::size_t i = 0; i < n; ++i) {
      mpfi_set_ui(t.x, 0);
      for (std::size_t k = 0; k < d; ++k) {
        mpfi_sqr(u.x, X[i * d + k]);
        mpfi_add(t.x, t.x, u.x);
      }
      mpfi_ui_div(t.x, dp.normalize == normalization::sphere ? static_cast<unsigned long>(d) : 1UL, t.x);
      mpfi_sqrt(t.x, t.x);
      for (std::size_t k = 0; k < d; ++k) mpfi_mul(X[i * d + k], X[i * d + k], t.x);
    }
  // Per row: features f_0..f_{L-1} and deltas δ_1..δ_L.
  std::size_t P = 0;
  for (std::size_t l = 1; l <= L; ++l) P += net.rows(l) * net.cols(l) + (net.has_biases ? net.rows(l) : 0);
  const bool explicit_jacobian = static_cast<double>(n) * static_cast<double>(P) <= 4e6;
  std::vector<std::vector<std::unique_ptr<ivec>>> F(n), D(n);
  std::unique_ptr<ivec> J;
  if (explicit_jacobian) J = std::make_unique<ivec>(n * P, q);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::unique_ptr<ivec>> f(L), g(L + 1);
    std::vector<std::vector<char>> act(L + 1);
    f[0] = std::make_unique<ivec>(d, q);
    for (std::size_t k = 0; k < d; ++k) mpfi_set(f[0]->operator[](k), X[i * d + k]);
    for (std::size_t l = 1; l < L; ++l) {
      const std::size_t nin = net.cols(l), nout = net.rows(l);
      g[l] = std::make_unique<ivec>(nout, q);
      f[l] = std::make_unique<ivec>(nout, q);
      act[l].assign(nout, 0);
      for (std::size_t o = 0; o < nout; ++o) {
        mpfi_ptr go = (*g[l])[o];
        mpfi_set_d(go, net.has_biases ? net.biases[l - 1][o] : 0.0);
        for (std::size_t k = 0; k < nin; ++k) {
          mpfi_mul_d(t.x, (*f[l - 1])[k], net.weights[l - 1][o * nin + k]);
          mpfi_add(go, go, t.x);
        }
        int sg;
        if (mpfi_is_strictly_pos(go) > 0) sg = 1;
        else if (mpfi_is_strictly_neg(go) > 0) sg = -1;
        else if (dp.normalize == normalization::none) sg = exact_sign(net, ds, dp.center, i, l, o);
        else {
          out.decided = false;
          out.why = "the sign of pre-activation " + std::to_string(o) + " of layer " + std::to_string(l) + " at row " +
                    std::to_string(ds.first_row + i + 1) + " is not decided at " + std::to_string(q) + " bits";
          return out;
        }
        act[l][o] = sg > 0;
        if (sg > 0) mpfi_set(( *f[l])[o], go);
        else mpfi_set_ui((*f[l])[o], 0);
      }
    }
    std::vector<std::unique_ptr<ivec>> delta(L + 1);
    delta[L] = std::make_unique<ivec>(1, q);
    mpfi_set_ui((*delta[L])[0], 1);
    for (std::size_t l = L - 1; l >= 1; --l) {
      const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
      delta[l] = std::make_unique<ivec>(nl, q);
      for (std::size_t k = 0; k < nl; ++k) {
        if (!act[l][k]) continue;
        mpfi_ptr dk = (*delta[l])[k];
        for (std::size_t o = 0; o < nup; ++o) {
          mpfi_mul_d(t.x, (*delta[l + 1])[o], net.weights[l][o * nl + k]);
          mpfi_add(dk, dk, t.x);
        }
      }
      if (l == 1) break;
    }
    if (explicit_jacobian) {
      std::size_t p = 0;
      for (std::size_t l = 1; l <= L; ++l) {
        const std::size_t nin = net.cols(l), nout = net.rows(l);
        for (std::size_t o = 0; o < nout; ++o)
          for (std::size_t k = 0; k < nin; ++k) mpfi_mul((*J)[i * P + p++], (*delta[l])[o], (*f[l - 1])[k]);
        if (net.has_biases)
          for (std::size_t o = 0; o < nout; ++o) mpfi_set((*J)[i * P + p++], (*delta[l])[o]);
      }
    } else {
      F[i] = std::move(f);
      D[i] = std::move(delta);
    }
  }
  out.K = std::make_unique<ivec>(n * n, q);
  ivec& K = *out.K;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) {
      mpfi_ptr kij = K[i * n + j];
      if (explicit_jacobian) {
        for (std::size_t p = 0; p < P; ++p) {
          mpfi_mul(t.x, (*J)[i * P + p], (*J)[j * P + p]);
          mpfi_add(kij, kij, t.x);
        }
      } else {
        for (std::size_t l = 1; l <= L; ++l) {
          const std::size_t nin = net.cols(l), nout = net.rows(l);
          mpfi_set_ui(t.x, net.has_biases ? 1 : 0);
          for (std::size_t k = 0; k < nin; ++k) {
            mpfi_mul(u.x, (*F[i][l - 1])[k], (*F[j][l - 1])[k]);
            mpfi_add(t.x, t.x, u.x);
          }
          itmp s(q);
          mpfi_set_ui(s.x, 0);
          for (std::size_t o = 0; o < nout; ++o) {
            mpfi_mul(u.x, (*D[i][l])[o], (*D[j][l])[o]);
            mpfi_add(s.x, s.x, u.x);
          }
          mpfi_mul(t.x, t.x, s.x);
          mpfi_add(kij, kij, t.x);
        }
      }
      if (j != i) mpfi_set(K[j * n + i], kij);
    }
  return out;
}

// ------------------------------------------------------------------------------ proofs

// λ_min(K) > t for every symmetric K in the enclosure, by one MPFR Cholesky (see the header).
bool prove_lower(const ivec& K, std::size_t n, const mpq_t tq, mpfr_prec_t q, std::string& how) {
  std::vector<mpfr_t> M(n * n);
  for (auto& m : M) mpfr_init2(m, q);
  mpfr_t r, x, c, tr, sh;
  mpfr_inits2(q, r, x, c, tr, sh, static_cast<mpfr_ptr>(nullptr));
  mpfr_set_ui(r, 0, MPFR_RNDU);
  for (std::size_t a = 0; a < n * n; ++a) {
    mpfi_mid(M[a], K[a]);
    mpfi_diam_abs(x, K[a]);  // radius <= width
    mpfr_sqr(x, x, MPFR_RNDU);
    mpfr_add(r, r, x, MPFR_RNDU);
  }
  mpfr_sqrt(r, r, MPFR_RNDU);  // ‖radius‖_F, an upper bound of ‖radius‖_2
  mpfr_set_ui(tr, 0, MPFR_RNDU);
  for (std::size_t a = 0; a < n; ++a) {
    mpfr_abs(x, M[a * n + a], MPFR_RNDU);
    mpfr_add(tr, tr, x, MPFR_RNDU);
  }
  // c = 2(n+1)·2^-q·tr
  mpfr_mul_ui(c, tr, static_cast<unsigned long>(2 * (n + 1)), MPFR_RNDU);
  mpfr_mul_2si(c, c, -static_cast<long>(q), MPFR_RNDU);
  mpfr_set_q(sh, tq, MPFR_RNDU);
  mpfr_add(sh, sh, r, MPFR_RNDU);
  mpfr_add(sh, sh, c, MPFR_RNDU);
  for (std::size_t a = 0; a < n; ++a) mpfr_sub(M[a * n + a], M[a * n + a], sh, MPFR_RNDD);
  mpfr_clear_flags();
  bool ok = true;
  for (std::size_t k = 0; k < n && ok; ++k) {
    for (std::size_t s = 0; s < k; ++s) {
      mpfr_mul(x, M[k * n + s], M[k * n + s], MPFR_RNDN);
      mpfr_sub(M[k * n + k], M[k * n + k], x, MPFR_RNDN);
    }
    if (!(mpfr_sgn(M[k * n + k]) > 0) || mpfr_nan_p(M[k * n + k])) {
      ok = false;
      break;
    }
    mpfr_sqrt(M[k * n + k], M[k * n + k], MPFR_RNDN);
    for (std::size_t i = k + 1; i < n; ++i) {
      for (std::size_t s = 0; s < k; ++s) {
        mpfr_mul(x, M[i * n + s], M[k * n + s], MPFR_RNDN);
        mpfr_sub(M[i * n + k], M[i * n + k], x, MPFR_RNDN);
      }
      mpfr_div(M[i * n + k], M[i * n + k], M[k * n + k], MPFR_RNDN);
    }
  }
  if (mpfr_underflow_p() || mpfr_overflow_p() || mpfr_nanflag_p()) ok = false;
  if (ok) {
    char buf[64];
    mpfr_snprintf(buf, sizeof buf, "%.3Rg", r);
    how = "MPFR Cholesky at " + std::to_string(q) + " bits of the midpoint shifted by lower + ‖radius‖_F (" + buf +
          ") + Rump's constant: all pivots positive";
  }
  for (auto& m : M) mpfr_clear(m);
  mpfr_clears(r, x, c, tr, sh, static_cast<mpfr_ptr>(nullptr));
  return ok;
}

// Upper bound of vᵀKv/vᵀv over the enclosure (v exact doubles), into out (rounded up).
bool rayleigh_upper(const ivec& K, std::size_t n, const std::vector<double>& v, mpfr_prec_t q, mpfr_t out) {
  itmp num(q), den(q), t(q);
  mpfi_set_ui(num.x, 0);
  mpfi_set_ui(den.x, 0);
  for (std::size_t i = 0; i < n; ++i) {
    mpfi_set_d(t.x, v[i]);
    mpfi_sqr(t.x, t.x);
    mpfi_add(den.x, den.x, t.x);
    for (std::size_t j = 0; j < n; ++j) {
      mpfi_mul_d(t.x, K[i * n + j], v[i]);
      mpfi_mul_d(t.x, t.x, v[j]);
      mpfi_add(num.x, num.x, t.x);
    }
  }
  if (!(mpfi_is_strictly_pos(den.x) > 0)) return false;
  mpfi_div(num.x, num.x, den.x);
  mpfi_get_right(out, num.x);
  return mpfr_number_p(out) != 0;
}

std::string resolve(const std::string& s, const check_options& o) { return resolve_data_source(s, o.certificate_dir); }

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

// ------------------------------------------------------------------------------ check

check_result check_empirical_certificate(const empirical_certificate& c, const check_options& options) {
  const auto t0 = std::chrono::steady_clock::now();
  check_result res;
  auto finish = [&](bool valid, const std::string& reason) {
    res.valid = valid;
    res.reason = reason;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
  };
  res.data_spec = resolve(c.data.source, options);
  const dataset ds = dataset_load(res.data_spec, c.data.offset, c.data.limit);
  if (ds.sha256 != c.data.sha256)
    return finish(false, "data changed: the SHA-256 of " + c.data.source + " is " + ds.sha256.substr(0, 8) +
                             "…, the certificate has " + c.data.sha256.substr(0, 8) + "…");
  if (ds.n != c.data.n || ds.d != c.data.d)
    return finish(false, "data changed: " + std::to_string(ds.n) + " x " + std::to_string(ds.d) + " rows, the certificate has " +
                             std::to_string(c.data.n) + " x " + std::to_string(c.data.d));
  const weight_layout lay = c.network.layout == "out-in" ? weight_layout::out_in
                            : c.network.layout == "in-out" ? weight_layout::in_out : weight_layout::detect;
  const std::string nspec = c.network.source.rfind("random:", 0) == 0 ? c.network.source : resolve(c.network.source, options);
  network net = network_load(nspec, lay);
  if (net.sha256 != c.network.sha256)
    return finish(false, "network changed: the SHA-256 of " + c.network.source + " is " + net.sha256.substr(0, 8) +
                             "…, the certificate has " + c.network.sha256.substr(0, 8) + "…");
  if (net.widths != c.network.widths || net.has_biases != c.network.biases)
    return finish(false, "network changed: widths or biases differ from the certificate's");
  if (net.widths[0] != ds.d) return finish(false, "the network's input width differs from d");
  const std::size_t L = net.depth();
  if (c.network.output) {
    const std::size_t j = *c.network.output, nin = net.cols(L);
    if (j >= net.widths[L]) throw certificate_error("network.output: out of range");
    std::vector<double> row(net.weights[L - 1].begin() + static_cast<long>(j * nin),
                            net.weights[L - 1].begin() + static_cast<long>((j + 1) * nin));
    net.weights[L - 1] = row;
    if (net.has_biases) net.biases[L - 1] = {net.biases[L - 1][j]};
    net.widths[L] = 1;
  } else if (net.widths[L] != 1) {
    throw certificate_error("network.output: required for a network with several outputs");
  }
  const std::size_t n = ds.n;
  mpq_t lo, hi, tq;
  mpq_inits(lo, hi, tq, static_cast<mpq_ptr>(nullptr));
  struct qguard {
    mpq_ptr a, b, c;
    ~qguard() { mpq_clears(a, b, c, static_cast<mpq_ptr>(nullptr)); }
  } guard{lo, hi, tq};
  auto to_q = [](mpq_t out, const std::string& s) {
    // decimal string -> rational: mantissa digits and exponent
    std::string m = s, e = "0";
    const auto pe = s.find_first_of("eE");
    if (pe != std::string::npos) {
      m = s.substr(0, pe);
      e = s.substr(pe + 1);
    }
    bool neg = false;
    if (!m.empty() && (m[0] == '-' || m[0] == '+')) {
      neg = m[0] == '-';
      m = m.substr(1);
    }
    long exp10 = std::stol(e);
    const auto dot = m.find('.');
    if (dot != std::string::npos) {
      exp10 -= static_cast<long>(m.size() - dot - 1);
      m.erase(dot, 1);
    }
    mpz_t z, p;
    mpz_init_set_str(z, m.c_str(), 10);
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, static_cast<unsigned long>(std::labs(exp10)));
    mpq_set_z(out, z);
    if (exp10 >= 0) {
      mpz_mul(z, z, p);
      mpq_set_z(out, z);
    } else {
      mpq_set_den(out, p);
      mpq_canonicalize(out);
    }
    if (neg) mpq_neg(out, out);
    mpz_clear(z);
    mpz_clear(p);
  };
  to_q(lo, c.claim.lower);
  to_q(hi, c.claim.upper);
  if (mpq_cmp(lo, hi) > 0) return finish(false, "the claimed lower bound exceeds the upper bound");

  const mpfr_prec_t q0 = std::max<long>({2 * c.hints.precision_bits, c.hints.precision_bits + 64, options.min_precision_bits});
  bool lower_done = mpq_sgn(lo) <= 0, upper_done = false;
  if (lower_done) res.lower_proof = "the claim is <= 0 and K̄ = J Jᵀ is positive semidefinite";
  // Exact zero: a singular pair of identical rows (or proportional without biases) proves λ_min <= 0.
  if (mpq_sgn(hi) >= 0 && c.hints.singular_pair) {
    const auto [a, b] = *c.hints.singular_pair;
    bool same = true;
    for (std::size_t k = 0; k < ds.d && same; ++k) same = ds.x[a * ds.d + k] == ds.x[b * ds.d + k];
    if (!same && !net.has_biases && !c.data.center) {
      // Without biases f(αx) = αf(x) and b_l(αx) = b_l(x) for α > 0: positively proportional rows
      // give proportional Jacobian rows. Exact test: x_a = α x_b with α > 0 (rationals).
      mpq_t p1, p2;
      mpq_inits(p1, p2, static_cast<mpq_ptr>(nullptr));
      std::size_t f = ds.d;
      for (std::size_t k = 0; k < ds.d && f == ds.d; ++k)
        if (ds.x[b * ds.d + k] != 0) f = k;
      bool prop = f < ds.d && ds.x[a * ds.d + f] != 0 && (ds.x[a * ds.d + f] > 0) == (ds.x[b * ds.d + f] > 0);
      for (std::size_t k = 0; k < ds.d && prop; ++k) {
        mpq_set_d(p1, ds.x[a * ds.d + k]);
        mpq_set_d(p2, ds.x[b * ds.d + f]);
        mpq_mul(p1, p1, p2);
        mpq_set_d(p2, ds.x[b * ds.d + k]);
        mpq_t p3;
        mpq_init(p3);
        mpq_set_d(p3, ds.x[a * ds.d + f]);
        mpq_mul(p2, p2, p3);
        mpq_clear(p3);
        prop = mpq_equal(p1, p2) != 0;
      }
      mpq_clears(p1, p2, static_cast<mpq_ptr>(nullptr));
      same = prop;
    }
    if (same) {
      upper_done = true;
      res.upper_proof = "rows " + std::to_string(ds.first_row + a + 1) + " and " + std::to_string(ds.first_row + b + 1) +
                        " are identical (or, without biases, positively proportional), so K̄ has two proportional rows: λ_min <= 0 <= upper";
    }
  }
  if (mpq_sgn(hi) >= 0 && !upper_done) {
    std::size_t P = 0;
    for (std::size_t l = 1; l <= L; ++l) P += net.rows(l) * net.cols(l) + (net.has_biases ? net.rows(l) : 0);
    if (L == 1 && !net.has_biases && c.data.center && n >= 2) {
      upper_done = true;
      res.upper_proof = "depth 1 without biases: K̄ = X Xᵀ of centred rows, so K̄·1 = 0 and λ_min <= 0 <= upper";
    } else if (P < n) {
      upper_done = true;
      res.upper_proof = "rank(J) <= P = " + std::to_string(P) + " < n, so λ_min = 0 <= upper";
    }
  }
  if (mpq_sgn(hi) < 0) return finish(false, "the claimed upper bound is negative, but K̄ is positive semidefinite");
  std::string last_fail;
  for (mpfr_prec_t q = q0; q <= 4 * q0 && !(lower_done && upper_done); q *= 2) {
    res.precision_bits = q;
    kernel_result kr = enclose_empirical(net, ds, c.data, q);
    if (!kr.decided) {
      last_fail = kr.why;
      continue;
    }
    const ivec& K = *kr.K;
    if (!upper_done) {
      mpfr_t r;
      mpfr_init2(r, q);
      std::vector<double> v = c.hints.eigenvector;
      bool ok = !v.empty() && rayleigh_upper(K, n, v, q, r) && mpfr_cmp_q(r, hi) <= 0;
      std::string how;
      if (ok) {
        char buf[64];
        mpfr_snprintf(buf, sizeof buf, "%.17Rg", r);
        how = "Rayleigh quotient of the certificate's eigenvector at " + std::to_string(q) + " bits: at most " + buf + " <= upper";
      } else {
        // e_i at the smallest diagonal upper endpoint.
        std::size_t best = 0;
        for (std::size_t i = 1; i < n; ++i)
          if (mpfr_cmp(&K[i * n + i]->right, &K[best * n + best]->right) < 0) best = i;
        if (mpfr_cmp_q(&K[best * n + best]->right, hi) <= 0) {
          ok = true;
          how = "diagonal entry " + std::to_string(best + 1) + " of K̄ is at most upper";
        } else if (!v.empty() && rayleigh_upper(K, n, v, q, r)) {
          char buf[64];
          mpfr_snprintf(buf, sizeof buf, "%.17Rg", r);
          last_fail = std::string("the claimed upper bound ") + c.claim.upper +
                      " is not proved: the Rayleigh quotient of the certificate's eigenvector is at most " + buf;
        } else {
          last_fail = "the claimed upper bound " + c.claim.upper + " is not proved (no usable eigenvector)";
        }
      }
      if (ok) {
        upper_done = true;
        res.upper_proof = how;
      }
      // A Rayleigh quotient below lower disproves the lower claim.
      if (!v.empty() && rayleigh_upper(K, n, v, q, r) && mpfr_cmp_q(r, lo) < 0) {
        char buf[64];
        mpfr_snprintf(buf, sizeof buf, "%.17Rg", r);
        mpfr_clear(r);
        return finish(false, "the claimed lower bound " + c.claim.lower +
                                 " exceeds λ_min: the Rayleigh quotient of the certificate's eigenvector is at most " + buf);
      }
      mpfr_clear(r);
    }
    if (!lower_done) {
      std::string how;
      if (prove_lower(K, n, lo, q, how)) {
        lower_done = true;
        res.lower_proof = how;
      } else {
        last_fail = "the claimed lower bound " + c.claim.lower + " is not proved at " + std::to_string(q) + " bits";
      }
    }
  }
  if (lower_done && upper_done) return finish(true, "");
  return finish(false, last_fail.empty() ? "not proved" : last_fail);
}

}  // namespace ntk
