// The independent checker of empirical-NTK certificates (see empirical_certificate.hpp).
// Written directly on GMP, MPFR and MPFI; shares only the data and network readers with the prover.
#include <gmp.h>
#include <mpfi.h>
#include <mpfr.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/escalation.hpp"
#include "certificate/empirical_certificate.hpp"
#include "certificate/empirical_kernel.hpp"
#include "data/errors.hpp"
#include "data/load.hpp"
#include "network/load.hpp"

namespace ntk {
namespace {

using empirical_detail::enclose_empirical;
using empirical_detail::itmp;
using empirical_detail::ivec;
using empirical_detail::kernel_result;

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
  std::optional<std::string> disproof;  // a Rayleigh quotient below the claimed lower bound: final
  // The kernel at q0, 2·q0 and 4·q0 bits while the outcome is undecided (base/escalation.hpp).
  auto attempt = [&](mpfr_prec_t q) {
    res.precision_bits = q;
    kernel_result kr = enclose_empirical(net, ds, c.data, q);
    if (!kr.decided) {
      last_fail = kr.why;
      return q;
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
        disproof = "the claimed lower bound " + c.claim.lower +
                   " exceeds λ_min: the Rayleigh quotient of the certificate's eigenvector is at most " + buf;
        return q;
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
    return q;
  };
  if (!(lower_done && upper_done)) {
    null_progress no_progress;
    escalate(
        doubling_schedule(q0, 3), attempt,
        [&](mpfr_prec_t&) { return disproof ? escalation_step::stop : escalation_step::go_on; },
        [&] { return lower_done && upper_done; }, no_progress);
  }
  if (disproof) return finish(false, *disproof);
  if (lower_done && upper_done) return finish(true, "");
  return finish(false, last_fail.empty() ? "not proved" : last_fail);
}

}  // namespace ntk
