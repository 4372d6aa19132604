// LipSDP with an untrusted solve (lipsdp_sdpa.cpp or lipsdp_ipm.cpp, on the problem of
// lipsdp_problem.cpp) and a verified-Cholesky proof; see lipsdp.hpp.
#include "lipschitz/lipsdp.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "interval/interval.hpp"
#include "lipschitz/lipsdp_problem.hpp"
#include "linalg/dense.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk {

const char* lipsdp_variant_name(lipsdp_variant v) {
  return v == lipsdp_variant::layer ? "lipsdp-layer" : "lipsdp-neuron";
}

using namespace lipsdp_detail;

namespace {

using steady = std::chrono::steady_clock;
double since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

std::string fmt_g(double x) {
  char b[64];
  std::snprintf(b, sizeof b, "%.10g", x);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The proof.

// -M(0, T) as an interval matrix (both triangles), t per free neuron (scaled units, >= 0).
dense_matrix<dinterval> build_negM0(const problem& P, const std::vector<double>& t) {
  const std::size_t N = P.N;
  dense_matrix<dinterval> K(N, N, dinterval(0.0));
  auto add = [&](std::size_t p, std::size_t q, const dinterval& x) {  // upper triangle p <= q
    dinterval& e = K(p, q);
    if (e.lo == 0 && e.hi == 0) e = x;
    else e = e + x;
  };
  for (const zvec& row : P.C)
    for (std::size_t p = 0; p < row.size(); ++p)
      for (std::size_t q = p; q < row.size(); ++q) add(row[p].idx, row[q].idx, -(row[p].v * row[q].v));
  for (std::size_t i = 0; i < P.neurons.size(); ++i) {
    const free_neuron& n = P.neurons[i];
    const dinterval ti(t[i]);
    add(n.z, n.z, ti * dinterval(2.0));
    const dinterval s = -(dinterval(n.alpha) + dinterval(n.beta)) * ti;
    if (n.alpha + n.beta != 0)
      for (const zentry& a : n.a) add(a.idx, n.z, s * a.v);
    if (n.alpha * n.beta != 0) {
      const dinterval ab2 = dinterval(2.0) * dinterval(n.alpha) * dinterval(n.beta) * ti;
      for (std::size_t p = 0; p < n.a.size(); ++p) {
        const dinterval cp = ab2 * n.a[p].v;
        for (std::size_t q = p; q < n.a.size(); ++q) add(n.a[p].idx, n.a[q].idx, cp * n.a[q].v);
      }
    }
  }
  for (std::size_t p = 0; p < N; ++p)
    for (std::size_t q = p + 1; q < N; ++q) K(q, p) = K(p, q);
  return K;
}

// Floating-point rho_T = min { rho : rho E_0 + K >= 0 } via the Schur complement of the hidden
// block (an estimate; NaN when the hidden block's Cholesky fails).
double rho_for_T(const dense_matrix<dinterval>& K, std::size_t n0, std::string* why) {
  const std::size_t N = K.rows, nh = N - n0;
  std::vector<double> S(n0 * n0);
  for (std::size_t i = 0; i < n0; ++i)
    for (std::size_t j = 0; j < n0; ++j) S[i * n0 + j] = midpoint(K(i, j));
  if (nh > 0) {
    std::vector<double> H(nh * nh), X(nh * n0);
    for (std::size_t i = 0; i < nh; ++i) {
      for (std::size_t j = 0; j < nh; ++j) H[i * nh + j] = midpoint(K(n0 + i, n0 + j));
      for (std::size_t j = 0; j < n0; ++j) X[i * n0 + j] = midpoint(K(n0 + i, j));
    }
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)nh, H.data(), (int)nh) != 0) {
      if (why) *why = "the hidden block of -M(rho, T) is not positive definite in floating point";
      return std::numeric_limits<double>::quiet_NaN();
    }
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, (int)nh, (int)n0, 1.0, H.data(),
                (int)nh, X.data(), (int)n0);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)n0, (int)nh, -1.0, X.data(), (int)n0, 1.0, S.data(),
                (int)n0);
    for (std::size_t i = 0; i < n0; ++i)
      for (std::size_t j = i + 1; j < n0; ++j) S[i * n0 + j] = S[j * n0 + i];
  }
  return -float_eig_smallest(S, n0, nullptr);
}

// Endpoint times 2^e, rounded outward when the result leaves the normal range.
double ldexp_out(double x, int e, bool up) {
  if (x == 0) return 0;
  const double r = std::ldexp(x, e);
  if (std::fabs(r) >= DBL_MIN && std::isfinite(r)) return r;
  return up ? round_up(r) : round_down(r);
}

// Proves lambda_min(K + rho E_0) > 0 (after an exact diagonal power-of-two scaling).
bool prove_at(const dense_matrix<dinterval>& K, std::size_t n0, double rho, std::string* why) {
  const std::size_t N = K.rows;
  dense_matrix<dinterval> A = K;
  for (std::size_t p = 0; p < n0; ++p) A(p, p) = A(p, p) + dinterval(rho);
  std::vector<int> s(N, 0);
  for (std::size_t p = 0; p < N; ++p) {
    const double d = A(p, p).lo;
    if (!(d > 0) || !std::isfinite(d)) {
      if (why) *why = "a diagonal entry of -M is not positive";
      return false;
    }
    s[p] = -(std::ilogb(d) / 2);
  }
  for (std::size_t p = 0; p < N; ++p)
    for (std::size_t q = 0; q < N; ++q) {
      dinterval& x = A(p, q);
      const int e = s[p] + s[q];
      x = dinterval(ldexp_out(x.lo, e, false), ldexp_out(x.hi, e, true));
    }
  return prove_lambda_min_greater<dinterval>(A, mreal(0), why);
}
}  // namespace

lipsdp_result lipsdp_certify(const network& net, lipsdp_variant v, const neuron_slopes* slopes,
                             progress_sink& progress) {
  return lipsdp_certify(net, v, slopes, progress, lipsdp_options{});
}

lipsdp_result lipsdp_certify(const network& net, lipsdp_variant v, const neuron_slopes* slopes,
                             progress_sink& progress, const lipsdp_options& opt) {
  const auto t0 = steady::now();
  lipsdp_result res;
  progress.update("lipsdp: building the SDP", 0.0);
  const problem P = build_problem(net, slopes);
  res.free_neurons = P.neurons.size();
  // OpenBLAS' threads cost more than they gain on small matrices (and spin on a busy machine):
  // one thread below N = 400, restored on return.
  struct blas_threads_guard {
    int saved = openblas_get_num_threads();
    explicit blas_threads_guard(bool one) {
      if (one) openblas_set_num_threads(1);
    }
    ~blas_threads_guard() { openblas_set_num_threads(saved); }
  } blas_guard(P.N < 400);
  const int EL = P.E[P.L];

  // Solve (untrusted).
  double rho_s = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> t(P.neurons.size(), 0.0);
  std::string solve_note;
  if (!P.neurons.empty() || !opt.dump_sdpa.empty()) {
    const sdp_data D = build_sdp(P, v, opt.solver == "sdpa" || !opt.dump_sdpa.empty());
    if (!opt.dump_sdpa.empty()) write_sdpa_file(D, opt.dump_sdpa);
    if (opt.dump_only) {
      res.note = "SDP written to " + opt.dump_sdpa + "; not solved";
      res.seconds = since(t0);
      return res;
    }
    if (!P.neurons.empty()) {
      const bool use_sdpa = opt.solver == "sdpa";
      const auto ts = steady::now();
      solve_outcome so;
      if (use_sdpa) {
        res.solver = sdpa_version();
        so = solve_sdpa(D, opt, progress);
      } else {
        res.solver = "structured interior point (HKM, rank-2 multipliers)";
        so = solve_structured(make_ipm_data(P, D), opt.solver_epsilon, progress, std::getenv("NTK_LIPSDP_ECHO") != nullptr);
      }
      res.solve_seconds = since(ts);
      rho_s = so.rho;
      for (std::size_t i = 0; i < P.neurons.size(); ++i) t[i] = so.x[D.group[i] - 2];
      solve_note = "solver phase " + so.phase + " after " + std::to_string(so.iterations) + " iterations" +
                   (so.warnings.empty() ? std::string() : " (sdpa: " + so.warnings + ")");
      if (opt.tamper) opt.tamper(rho_s, t);
      res.solver_value = std::sqrt(std::ldexp(std::max(rho_s, 0.0), 2 * EL));
    }
  }
  if (P.neurons.empty()) {
    res.solver = "none";
  }
  for (double& ti : t)
    if (!(ti > 0)) ti = 0;  // clip (NaN too)

  auto finish = [&](const std::vector<double>& tt) {
    res.multipliers.assign(P.n_hidden, 0.0);
    for (std::size_t i = 0; i < P.neurons.size(); ++i)
      res.multipliers[P.neurons[i].hidden] = std::ldexp(tt[i], 2 * (EL - P.E[P.neurons[i].layer]));
    res.seconds = since(t0);
    return res;
  };

  // Prove: rho' = rho_T (1 + delta) for increasing delta, capped at rho_s (1 + max_relative_increase);
  // if the hidden block is not positive definite, scale T up slightly and retry.
  const double scales[] = {0.0, 1e-6, 1e-4};
  const double deltas[] = {1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3};
  std::string last_why;
  std::vector<double> tt = t;
  for (double sc : scales) {
    for (std::size_t i = 0; i < t.size(); ++i) tt[i] = t[i] * (1 + sc);
    progress.update("lipsdp: proof", 0.92);
    const dense_matrix<dinterval> K = build_negM0(P, tt);
    std::string why;
    const double rho_T = rho_for_T(K, P.n0, &why);
    if (!std::isfinite(rho_T)) {
      last_why = why.empty() ? "the optimal rho for the solver's T is not finite" : why;
      continue;
    }
    const double base = P.neurons.empty() ? rho_T : rho_s;
    if (!std::isfinite(base)) {
      last_why = "the solver returned no finite rho";
      break;
    }
    const double start = std::max(rho_T, DBL_MIN);
    // rho' <= rho_solver (1 + max_relative_increase); a zero map (rho_T <= 0) may use rho' ~ DBL_MIN.
    double cap = std::max(base, 0.0) * (1 + opt.max_relative_increase);
    if (!(cap >= DBL_MIN)) cap = DBL_MIN * (1 + 2e-3);
    for (double d : deltas) {
      const double rho_p = round_up(start * (1 + d));
      if (rho_p > cap) {
        last_why = "no proof for rho' <= rho_solver (1 + " + fmt_g(opt.max_relative_increase) +
                   "); the floating-point optimum for the solver's T is rho_T = " + fmt_g(rho_T) +
                   " (scaled units) vs rho_solver = " + fmt_g(base);
        break;
      }
      ++res.attempts;
      progress.update("lipsdp: proof attempt " + std::to_string(res.attempts), 0.95);
      std::string w;
      if (prove_at(K, P.n0, rho_p, &w)) {
        const double rho_orig = ldexp_out(rho_p, 2 * EL, true);
        res.rho_proved = rho_orig;
        res.upper = sqrt(dinterval(rho_orig)).hi;
        res.certified = std::isfinite(res.upper);
        res.note = (solve_note.empty() ? std::string("no SDP needed (no unstable hidden neuron)") : solve_note) +
                   "; proved -M(rho', T) > 0 with rho' = rho_T (1 + " + fmt_g(d) + ")" +
                   (sc > 0 ? ", T scaled by 1 + " + fmt_g(sc) : std::string());
        if (!res.certified) {
          res.upper = std::numeric_limits<double>::infinity();
          res.note += "; but sqrt(rho') overflowed";
        }
        progress.update("lipsdp: done", 1.0);
        return finish(tt);
      }
      last_why = w;
    }
  }
  res.certified = false;
  res.upper = std::numeric_limits<double>::infinity();
  res.note = (solve_note.empty() ? std::string() : solve_note + "; ") + "not certified: " + last_why;
  if (opt.solver != "sdpa" && !P.neurons.empty() && P.N <= 400 && !opt.tamper) {
    // Small problem: a second opinion from SDPA costs seconds at most.
    lipsdp_options o2 = opt;
    o2.solver = "sdpa";
    lipsdp_result r2 = lipsdp_certify(net, v, slopes, progress, o2);
    r2.note = "structured solver: " + res.note + "; then SDPA: " + r2.note;
    r2.attempts += res.attempts;
    r2.solve_seconds += res.solve_seconds;
    r2.seconds = since(t0);
    return r2;
  }
  progress.update("lipsdp: done", 1.0);
  return finish(tt);
}

}  // namespace ntk
