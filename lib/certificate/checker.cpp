// The independent checker (orchestration; see checker.hpp for the method and why each step is
// rigorous). Its numerics are its own: check_exact (exact integer data and Gram matrix), check_mpfi
// (the precise MPFI/MPFR route). It must not share numerical code with the prover.
#include "certificate/checker.hpp"

#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/escalation.hpp"
#include "certificate/check_binary64.hpp"
#include "certificate/check_exact.hpp"
#include "certificate/check_mpfi.hpp"
#include "certificate/io.hpp"
#include "data/load.hpp"

namespace ntk {

namespace {

using namespace check_detail;

// ------------------------------------------------------------------------------ messages

// x·σ in the claim's units (x rational) as a decimal, rounded in direction rnd.
std::string claim_units(const mpq_t x, const mpq_t sigma, mpfr_rnd_t rnd, int digits = 17) {
  qrat y;
  mpq_mul(y.v, x, sigma);
  real f(128);
  mpfr_set_q(f.v, y.v, rnd);
  char* s = nullptr;
  mpfr_asprintf(&s, rnd == MPFR_RNDU ? "%.*RUg" : "%.*RDg", digits, f.v);
  std::string out = s ? s : "?";
  mpfr_free_str(s);
  return out;
}

std::string row_name(const dataset& ds, std::size_t i) { return "row " + std::to_string(ds.first_row + i + 1); }

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

// The fast route (check_binary64.hpp): proves what it can of the two claims (setting lower_done,
// upper_done and the proof texts in res); returns the reason when a Rayleigh quotient proves the
// lower claim false. Undecided parts are left to the MPFI route.
std::optional<std::string> fast_route(const certificate& c, const dataset& ds, const integer_rows& rows, int depth, bool scaled,
                                      const mpq_t tl, const mpq_t tu, const mpq_t sigma, int threads, bool& lower_done,
                                      bool& upper_done, check_result& res) {
  binary64_enclosure e = enclose_kernel_binary64(rows, depth, scaled, threads);
  if (!e.ok) return std::nullopt;
  const std::size_t n = e.n;
  struct candidate {
    std::string what;
    qrat bound;  // >= the Rayleigh quotient over the enclosure
  };
  std::vector<candidate> cands;
  if (!c.hints.eigenvector.empty()) {
    binary64_bound b = rayleigh_upper_binary64(e, c.hints.eigenvector);
    if (b.proved) cands.push_back({"the certificate's eigenvector", b.value});
  }
  {
    std::size_t imin = 0;
    auto hi = [&](std::size_t i) { return e.mid(static_cast<long>(i), static_cast<long>(i)) + e.rad[tri(i, i)]; };
    for (std::size_t i = 1; i < n; ++i)
      if (hi(i) < hi(imin)) imin = i;
    candidate u{"the unit vector of " + row_name(ds, imin) + " (smallest diagonal entry)", {}};
    qrat r;
    mpq_set_d(u.bound.v, e.mid(static_cast<long>(imin), static_cast<long>(imin)));
    mpq_set_d(r.v, e.rad[tri(imin, imin)]);
    mpq_add(u.bound.v, u.bound.v, r.v);  // the upper end of W_ii, exactly
    cands.push_back(u);
  }
  for (const auto& cd : cands) {
    if (!lower_done && mpq_cmp(cd.bound.v, tl) < 0)
      return "the claimed lower bound " + c.claim.lower + " exceeds λ_min: the Rayleigh quotient of " + cd.what + " is at most " +
             claim_units(cd.bound.v, sigma, MPFR_RNDU) + " (binary64 route)";
    if (!upper_done && mpq_cmp(cd.bound.v, tu) <= 0) {
      upper_done = true;
      res.upper_proof = "Rayleigh quotient of " + cd.what + " in binary64 (kernel in binary64 intervals, compensated sums): at most " +
                        claim_units(cd.bound.v, sigma, MPFR_RNDU) + " <= upper";
    }
  }
  if (!lower_done) {
    binary64_bound b = prove_lower_binary64(e, tl, threads);
    if (b.proved) {
      lower_done = true;
      res.lower_proof = b.detail + "; shift lower + " + claim_units(b.value.v, sigma, MPFR_RNDU, 3) + " (radius norm) + " +
                        claim_units(b.rounding.v, sigma, MPFR_RNDU, 3) + " (rounding errors)";
    }
  }
  if (lower_done && upper_done) res.precision_bits = 53;
  return std::nullopt;
}

}  // namespace

// ------------------------------------------------------------------------------ public

std::string resolve_data_source(const std::string& source, const std::string& certificate_dir) {
  if (source.rfind("fashion-mnist:", 0) == 0 || source.rfind("synthetic:", 0) == 0) return source;
  if (source.empty() || source[0] == '/') return source;
  if (file_exists(source)) return source;
  if (!certificate_dir.empty() && certificate_dir != ".") {
    std::string joined = certificate_dir + (certificate_dir.back() == '/' ? "" : "/") + source;
    if (file_exists(joined)) return joined;
  }
  return source;
}

check_result check_certificate(const certificate& c, const check_options& options) {
  const auto start = std::chrono::steady_clock::now();
  check_result res;
  auto finish = [&](bool valid, std::string reason) {
    res.valid = valid;
    res.reason = std::move(reason);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;
  };

  // The claim by itself.
  qrat lower, upper;
  decimal_to_q(lower.v, c.claim.lower);
  decimal_to_q(upper.v, c.claim.upper);
  if (mpq_cmp(lower.v, upper.v) > 0)
    return finish(false, "the claimed lower bound " + c.claim.lower + " exceeds the claimed upper bound " + c.claim.upper);
  if (mpq_sgn(upper.v) < 0)
    return finish(false, "the claimed upper bound " + c.claim.upper + " is negative, but K is positive semidefinite (λ_min >= 0)");

  // The data.
  res.data_spec = resolve_data_source(c.data.source, options.certificate_dir);
  dataset ds = dataset_load(res.data_spec, c.data.offset, c.data.limit);
  std::string want = c.data.sha256, got = ds.sha256;
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char ch) { return std::tolower(ch); });
  std::transform(got.begin(), got.end(), got.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (want != got)
    return finish(false, "data changed: the SHA-256 of " + res.data_spec + " is " + got + ", the certificate has " + want);
  if (ds.n != c.data.n || ds.d != c.data.d)
    return finish(false, "data changed: " + res.data_spec + " gives " + std::to_string(ds.n) + " rows of " + std::to_string(ds.d) +
                             " values, the certificate has n = " + std::to_string(c.data.n) + ", d = " + std::to_string(c.data.d));

  const std::size_t n = ds.n;
  const int depth = c.model.depth;
  const bool scaled = c.data.normalize == normalization::none;
  integer_rows rows = make_integer_rows(ds, c.data.center);

  // σ with f·K(Z) = σ·W.
  qrat sigma;
  if (scaled) mpq_mul(sigma.v, rows.c0.v, rows.c0.v);
  else if (c.data.normalize == normalization::sphere) mpq_set_ui(sigma.v, static_cast<unsigned long>(ds.d), 1);
  else mpq_set_ui(sigma.v, 1, 1);
  {
    qrat f;
    if (c.model.convention == "neural-tangents") mpq_set_ui(f.v, 1, static_cast<unsigned long>(ds.d));
    else mpq_set_ui(f.v, 1, 1);
    if (c.model.convention == "uci") mpq_div_2exp(f.v, f.v, static_cast<mp_bitcnt_t>(depth - 1));
    mpq_mul(sigma.v, sigma.v, f.v);
  }
  qrat tl, tu;
  mpq_div(tl.v, lower.v, sigma.v);
  mpq_div(tu.v, upper.v, sigma.v);

  std::optional<std::size_t> zero_row;
  for (std::size_t i = 0; i < n && !zero_row; ++i)
    if (std::all_of(rows.y.begin() + static_cast<long>(i * rows.d), rows.y.begin() + static_cast<long>((i + 1) * rows.d),
                    [](const zint& z) { return mpz_sgn(z.v) == 0; }))
      zero_row = i;
  if (zero_row && !scaled)
    return finish(false, row_name(ds, *zero_row) + " is zero after preprocessing: the normalised kernel is undefined");

  bool lower_done = false, upper_done = false;
  if (mpq_sgn(tl.v) <= 0) {
    lower_done = true;
    res.lower_proof = "lower <= 0, and K is positive semidefinite";
  }

  std::string upper_note;  // why a hint did not help
  std::optional<std::string> exact_zero;  // λ_min = 0 exactly, and why
  if (c.hints.singular_pair) {
    auto [i, j] = *c.hints.singular_pair;
    if (positively_proportional(rows, i, j))
      exact_zero = row_name(ds, i) + " and " + row_name(ds, j) + " are positively proportional after preprocessing";
    else
      upper_note = "; the singular pair's rows " + std::to_string(ds.first_row + i + 1) + " and " + std::to_string(ds.first_row + j + 1) +
                   " are not positively proportional after preprocessing";
  }
  if (!exact_zero && zero_row) exact_zero = row_name(ds, *zero_row) + " is zero";
  // Depth 1 is the linear kernel Z Z^T: singular when its rank is below n.
  if (!exact_zero && depth == 1 && c.data.center && n >= 2)
    exact_zero = "the depth-1 kernel of centred rows is singular (the rows sum to zero)";
  if (!exact_zero && depth == 1 && n > ds.d)
    exact_zero = "the depth-1 kernel Z Z^T of " + std::to_string(n) + " rows in dimension " + std::to_string(ds.d) +
                 " has rank at most " + std::to_string(ds.d);
  if (exact_zero) {
    upper_done = true;  // upper >= 0 was checked above
    res.upper_proof = *exact_zero + ", so K is singular: λ_min = 0 <= upper";
    if (!lower_done)
      return finish(false, "the claimed lower bound " + c.claim.lower + " is positive, but " + *exact_zero + ", so λ_min = 0");
  }
  if (lower_done && upper_done) return finish(true, "");

  if (options.fast_route && options.method == pd_test::automatic && n > options.exact_max_n) {
    if (auto refuted = fast_route(c, ds, rows, depth, scaled, tl.v, tu.v, sigma.v, options.threads, lower_done, upper_done, res))
      return finish(false, *refuted);
    if (lower_done && upper_done) return finish(true, "");
  }
  const std::vector<zint> gram = exact_gram(rows);  // the precise route from here on

  // Kernel enclosures at increasing precision while the outcome is undecided (base/escalation.hpp):
  // q0 = max(2p, p + 64, min_precision_bits), then 2·q0, 4·q0, ... (options.attempts precisions).
  const long p = c.hints.precision_bits;
  const long q0 = std::max({2 * p, p + 64, options.min_precision_bits});
  const bool use_exact = options.method == pd_test::exact || (options.method == pd_test::automatic && n <= options.exact_max_n);
  std::string lower_fail, upper_fail;
  std::optional<std::string> disproof;  // a Rayleigh quotient below the claimed lower bound: final
  bool upper_undecided = false;
  auto attempt = [&](long q) {
    res.precision_bits = q;
    std::vector<ival> w = enclose_kernel(gram, n, depth, scaled, static_cast<mpfr_prec_t>(q));

    // Rayleigh quotients: the eigenvector hint and the unit vector at the smallest diagonal entry.
    std::vector<std::pair<std::string, std::vector<double>>> candidates;
    if (!c.hints.eigenvector.empty()) candidates.emplace_back("the certificate's eigenvector", c.hints.eigenvector);
    {
      std::size_t imin = 0;
      for (std::size_t i = 1; i < n; ++i)
        if (mpfr_cmp(&w[tri(i, i)].v->right, &w[tri(imin, imin)].v->right) < 0) imin = i;
      std::vector<double> e(n, 0.0);
      e[imin] = 1.0;
      candidates.emplace_back("the unit vector of " + row_name(ds, imin) + " (smallest diagonal entry)", e);
    }
    upper_undecided = false;
    std::string best_above;  // smallest certain lower end of a Rayleigh quotient above upper
    for (const auto& [what, v] : candidates) {
      rayleigh ray = rayleigh_bounds(w, n, v, static_cast<mpfr_prec_t>(q));
      qrat t, ratio_hi;
      if (mpq_sgn(ray.den_lo.v) <= 0) continue;
      mpq_div(ratio_hi.v, ray.num_hi.v, ray.den_lo.v);  // >= vᵀWv/vᵀv >= λ_min (num_hi >= 0)
      if (!lower_done && mpq_cmp(ratio_hi.v, tl.v) < 0) {
        disproof = "the claimed lower bound " + c.claim.lower + " exceeds λ_min: the Rayleigh quotient of " + what +
                   " is at most " + claim_units(ratio_hi.v, sigma.v, MPFR_RNDU);
        return q;
      }
      if (upper_done) continue;
      mpq_mul(t.v, tu.v, ray.den_lo.v);
      if (mpq_cmp(ray.num_hi.v, t.v) <= 0) {
        upper_done = true;
        res.upper_proof = "Rayleigh quotient of " + what + " at " + std::to_string(q) + " bits: at most " +
                          claim_units(ratio_hi.v, sigma.v, MPFR_RNDU) + " <= upper";
        continue;
      }
      // Not proved: decided (the quotient is surely above upper) or undecided at this precision?
      qrat ratio_lo;
      mpq_div(ratio_lo.v, ray.num_lo.v, ray.den_hi.v);
      if (mpq_cmp(ratio_lo.v, tu.v) <= 0) upper_undecided = true;
      std::string s = "the Rayleigh quotient of " + what + " is at least " + claim_units(ratio_lo.v, sigma.v, MPFR_RNDD);
      if (best_above.empty()) best_above = s;
    }
    if (!upper_done) upper_fail = "the claimed upper bound " + c.claim.upper + " is not proved: " + best_above + upper_note;

    if (!lower_done) {
      mid_rad m = midpoint_radius(w, static_cast<mpfr_prec_t>(q));
      real r(rad_prec);
      radius_norm(r.v, m, n);
      pd_outcome o = use_exact ? exact_ldlt(m, n, tl.v, r.v, static_cast<mpfr_prec_t>(q))
                               : floating_cholesky(m, n, tl.v, r.v, static_cast<mpfr_prec_t>(q));
      if (o.proved) {
        lower_done = true;
        qrat rq;
        mpfr_get_q(rq.v, r.v);
        res.lower_proof = o.detail + ", kernel enclosed at " + std::to_string(q) + " bits; shift lower + " +
                          claim_units(rq.v, sigma.v, MPFR_RNDU, 3) + " (radius norm)";
        if (mpq_sgn(o.rounding_shift.v) > 0)
          res.lower_proof += " + " + claim_units(o.rounding_shift.v, sigma.v, MPFR_RNDU, 3) + " (rounding errors)";
      } else {
        lower_fail = "the claimed lower bound " + c.claim.lower + " is not proved: " + o.detail + " for the shift lower + ‖radius‖ at " +
                     std::to_string(q) + " bits";
      }
    }
    return q;
  };
  null_progress no_progress;
  escalate(
      doubling_schedule(q0, std::max(1, options.attempts)), attempt,
      [&](long&) {
        // A disproof is final, and more precision cannot change a decided upper failure.
        return disproof || (lower_done && !upper_undecided) ? escalation_step::stop : escalation_step::go_on;
      },
      [&] { return lower_done && upper_done; }, no_progress);
  if (disproof) return finish(false, *disproof);
  if (lower_done && upper_done) return finish(true, "");
  if (!upper_done && !lower_done) return finish(false, lower_fail + "; " + upper_fail);
  return finish(false, !lower_done ? lower_fail : upper_fail);
}

check_result check_certificate_file(const std::string& path, check_options options) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const io_error& e) {
    throw certificate_error(e.what());
  }
  certificate c = parse_certificate(text);
  auto slash = path.rfind('/');
  options.certificate_dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return check_certificate(c, options);
}

}  // namespace ntk
