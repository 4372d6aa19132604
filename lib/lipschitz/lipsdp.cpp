// LipSDP with an untrusted SDPA solve and a verified-Cholesky proof; see lipsdp.hpp.
#include "lipschitz/lipsdp.hpp"

#include <cblas.h>
#include <lapacke.h>
#include <sdpa_call.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "interval/interval.hpp"
#include "linalg/dense.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk {

const char* lipsdp_variant_name(lipsdp_variant v) {
  return v == lipsdp_variant::layer ? "lipsdp-layer" : "lipsdp-neuron";
}

namespace {

using steady = std::chrono::steady_clock;
double since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

// A linear form in the SDP coordinates z: sorted (index, coefficient enclosure) pairs.
struct zentry {
  std::uint32_t idx;
  dinterval v;
};
using zvec = std::vector<zentry>;

std::string fmt_g(double x) {
  char b[64];
  std::snprintf(b, sizeof b, "%.10g", x);
  return b;
}

bool is_point_one(const dinterval& x) { return x.lo == 1.0 && x.hi == 1.0; }

// Sparse accumulator over z; the first contribution to a slot is copied (exact), later ones are
// added with outward rounding.
struct accumulator {
  std::vector<dinterval> val;
  std::vector<char> used;
  std::vector<std::uint32_t> touched;
  explicit accumulator(std::size_t n) : val(n), used(n, 0) {}
  void add(std::uint32_t i, const dinterval& x) {
    if (!used[i]) {
      used[i] = 1;
      val[i] = x;
      touched.push_back(i);
    } else {
      val[i] = val[i] + x;
    }
  }
  // Adds w * x (w exact).
  void add_scaled(double w, const zvec& x) {
    for (const zentry& e : x) add(e.idx, is_point_one(e.v) ? dinterval(w) : dinterval(w) * e.v);
  }
  zvec take() {
    std::sort(touched.begin(), touched.end());
    zvec r;
    r.reserve(touched.size());
    for (std::uint32_t i : touched) {
      r.push_back({i, val[i]});
      used[i] = 0;
    }
    touched.clear();
    return r;
  }
};

struct free_neuron {
  std::uint32_t z;       // its coordinate in z
  std::size_t hidden;    // index among all hidden neurons, network order
  std::size_t layer;     // 1-based layer
  double alpha, beta;
  zvec a;                // its pre-activation as a linear form in z (indices < z)
};

// The network rewritten in the SDP coordinates z = (x_0, free hidden neurons), weights scaled by
// powers of two: W'_l = 2^-e_l W_l exactly. With sigma_l = 2^-(e_1 + ... + e_l), a certificate
// (rho', t') of the scaled network gives rho = rho' 2^(2 E_L) and t_i = t'_i 2^(2(E_L - E_l)) for
// the original one (E_l = e_1 + ... + e_l), because x'_l = sigma_l x_l.
struct problem {
  std::size_t n0 = 0, N = 0, L = 0, n_hidden = 0;
  std::vector<free_neuron> neurons;
  std::vector<zvec> C;       // output rows (n_L of them)
  std::vector<int> E;        // E[l] = e_1 + ... + e_l, E[0] = 0
  std::vector<std::size_t> layer_free;  // free neurons per layer (index l)
};

// Power iteration estimate of ||W|| (plain floating point, only used to choose a scale).
double norm_estimate(const std::vector<double>& W, std::size_t r, std::size_t c) {
  std::vector<double> x(c, 1.0), y(r);
  double nrm = 0;
  for (int it = 0; it < 30; ++it) {
    double s = 0;
    for (double v : x) s += v * v;
    s = std::sqrt(s);
    if (!(s > 0) || !std::isfinite(s)) return 0;
    for (double& v : x) v /= s;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)r, (int)c, 1.0, W.data(), (int)c, x.data(), 1, 0.0,
                y.data(), 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)r, (int)c, 1.0, W.data(), (int)c, y.data(), 1, 0.0,
                x.data(), 1);
    double yy = 0;
    for (double v : y) yy += v * v;
    nrm = std::sqrt(yy);
  }
  return nrm;
}

problem build_problem(const network& net, const neuron_slopes* slopes) {
  problem P;
  P.L = net.depth();
  if (P.L < 1 || net.widths.size() != P.L + 1)
    throw std::invalid_argument("lipsdp: the network needs at least one layer and widths n_0..n_L");
  for (std::size_t l = 1; l <= P.L; ++l) {
    if (net.W(l).size() != net.rows(l) * net.cols(l))
      throw std::invalid_argument("lipsdp: W_" + std::to_string(l) + " has " + std::to_string(net.W(l).size()) +
                                  " entries, expected " + std::to_string(net.rows(l) * net.cols(l)));
    for (double w : net.W(l))
      if (!std::isfinite(w)) throw std::invalid_argument("lipsdp: W_" + std::to_string(l) + " has a non-finite entry");
    if (net.widths[l] == 0) throw std::invalid_argument("lipsdp: empty layer");
  }
  P.n0 = net.widths[0];
  for (std::size_t l = 1; l < P.L; ++l) P.n_hidden += net.widths[l];
  const bool have_slopes = slopes && !(slopes->alpha.empty() && slopes->beta.empty());
  if (have_slopes) {
    if (slopes->alpha.size() != P.n_hidden || slopes->beta.size() != P.n_hidden)
      throw std::invalid_argument("lipsdp: slopes need " + std::to_string(P.n_hidden) + " entries (hidden neurons)");
    for (std::size_t i = 0; i < P.n_hidden; ++i)
      if (!(std::isfinite(slopes->alpha[i]) && std::isfinite(slopes->beta[i]) && slopes->alpha[i] <= slopes->beta[i]))
        throw std::invalid_argument("lipsdp: slopes of hidden neuron " + std::to_string(i) + " are not alpha <= beta, finite");
  }

  // Power-of-two scales; a layer whose entries would lose bits (subnormal range) is not scaled.
  std::vector<int> e(P.L + 1, 0);
  std::vector<std::vector<double>> Ws(P.L + 1);
  for (std::size_t l = 1; l <= P.L; ++l) {
    const double nrm = norm_estimate(net.W(l), net.rows(l), net.cols(l));
    int el = 0;
    if (nrm > 0 && std::isfinite(nrm)) el = (int)std::lround(std::log2(nrm));
    Ws[l] = net.W(l);
    bool exact = true;
    for (double& w : Ws[l]) {
      const double s = std::ldexp(w, -el);
      if (w != 0 && !(std::fabs(s) >= DBL_MIN && std::isfinite(s) && std::ldexp(s, el) == w)) exact = false;
      w = s;
    }
    if (!exact) {
      Ws[l] = net.W(l);
      el = 0;
    }
    e[l] = el;
  }
  P.E.assign(P.L + 1, 0);
  for (std::size_t l = 1; l <= P.L; ++l) P.E[l] = P.E[l - 1] + e[l];

  accumulator acc(P.n0 + P.n_hidden);
  std::vector<zvec> x_prev(P.n0);
  for (std::size_t k = 0; k < P.n0; ++k) x_prev[k] = {{(std::uint32_t)k, dinterval(1.0)}};
  std::uint32_t next_z = (std::uint32_t)P.n0;
  std::size_t h = 0;
  P.layer_free.assign(P.L + 1, 0);
  for (std::size_t l = 1; l < P.L; ++l) {
    const std::size_t r = net.rows(l), c = net.cols(l);
    std::vector<zvec> x_cur(r);
    for (std::size_t j = 0; j < r; ++j, ++h) {
      for (std::size_t k = 0; k < c; ++k) {
        const double w = Ws[l][j * c + k];
        if (w != 0) acc.add_scaled(w, x_prev[k]);
      }
      zvec pre = acc.take();
      const double al = have_slopes ? slopes->alpha[h] : 0.0;
      const double be = have_slopes ? slopes->beta[h] : 1.0;
      if (al == be) {
        if (al == 0) continue;  // constant output: dropped
        if (al != 1.0)
          for (zentry& z : pre) z.v = dinterval(al) * z.v;
        x_cur[j] = std::move(pre);
      } else {
        free_neuron fn{next_z++, h, l, al, be, std::move(pre)};
        x_cur[j] = {{fn.z, dinterval(1.0)}};
        P.neurons.push_back(std::move(fn));
        ++P.layer_free[l];
      }
    }
    x_prev = std::move(x_cur);
  }
  P.N = next_z;
  const std::size_t r = net.rows(P.L), c = net.cols(P.L);
  P.C.resize(r);
  for (std::size_t j = 0; j < r; ++j) {
    for (std::size_t k = 0; k < c; ++k) {
      const double w = Ws[P.L][j * c + k];
      if (w != 0) acc.add_scaled(w, x_prev[k]);
    }
    P.C[j] = acc.take();
  }
  return P;
}

double midpoint(const dinterval& x) { return 0.5 * x.lo + 0.5 * x.hi; }

// ---------------------------------------------------------------------------------------------
// The SDP in SDPA's form: minimise sum c_k x_k subject to sum_k F_k x_k - F_0 >= 0, with x_1 = rho
// and x_2.. the multipliers (one per free neuron, or one per layer with free neurons), blocks:
// 1 = the N x N LMI -M(rho, T) = rho E_0 - C'C + sum t_i G_i, 2 = LP block t >= 0.
// G_i = 2 alpha beta a a' - (alpha + beta)(a e_k' + e_k a') + 2 e_k e_k'.
struct sdp_entry {
  int k, block, i, j;  // 1-based i <= j
  double v;
};

struct sdp_data {
  int m = 0;         // number of variables
  int N = 0, nlp = 0;
  std::vector<int> group;  // free neuron -> variable index (2..m)
  std::vector<sdp_entry> entries;
};

sdp_data build_sdp(const problem& P, lipsdp_variant v) {
  sdp_data D;
  D.N = (int)P.N;
  D.group.resize(P.neurons.size());
  std::vector<int> layer_var(P.L + 1, 0);
  int m = 1;
  for (std::size_t i = 0; i < P.neurons.size(); ++i) {
    const std::size_t l = P.neurons[i].layer;
    if (v == lipsdp_variant::neuron) {
      D.group[i] = ++m;
    } else {
      if (!layer_var[l]) layer_var[l] = ++m;
      D.group[i] = layer_var[l];
    }
  }
  D.m = m;
  D.nlp = m - 1;
  auto& E = D.entries;
  // F_0 = C'C (upper triangle), aggregated.
  {
    std::unordered_map<std::uint64_t, double> f0;
    for (const zvec& row : P.C)
      for (std::size_t p = 0; p < row.size(); ++p)
        for (std::size_t q = p; q < row.size(); ++q)
          f0[(std::uint64_t)row[p].idx * P.N + row[q].idx] += midpoint(row[p].v) * midpoint(row[q].v);
    for (const auto& [key, val] : f0)
      if (val != 0) E.push_back({0, 1, (int)(key / P.N) + 1, (int)(key % P.N) + 1, val});
  }
  for (std::size_t p = 0; p < P.n0; ++p) E.push_back({1, 1, (int)p + 1, (int)p + 1, 1.0});
  // Multipliers: per variable, the sum of its neurons' G_i. Cross and diagonal entries of
  // different neurons never coincide; the alpha*beta parts may (layer variant): aggregated.
  std::unordered_map<std::uint64_t, double> ab;
  auto flush_ab = [&](int k) {
    for (const auto& [key, val] : ab)
      if (val != 0) E.push_back({k, 1, (int)(key / P.N) + 1, (int)(key % P.N) + 1, val});
    ab.clear();
  };
  for (std::size_t i = 0; i < P.neurons.size(); ++i) {
    const free_neuron& n = P.neurons[i];
    const int k = D.group[i];
    E.push_back({k, 1, (int)n.z + 1, (int)n.z + 1, 2.0});
    const double s = -(n.alpha + n.beta);
    if (s != 0)
      for (const zentry& a : n.a) E.push_back({k, 1, (int)a.idx + 1, (int)n.z + 1, s * midpoint(a.v)});
    const double ab2 = 2 * n.alpha * n.beta;
    if (ab2 != 0)
      for (std::size_t p = 0; p < n.a.size(); ++p)
        for (std::size_t q = p; q < n.a.size(); ++q)
          ab[(std::uint64_t)n.a[p].idx * P.N + n.a[q].idx] += ab2 * midpoint(n.a[p].v) * midpoint(n.a[q].v);
    if (i + 1 == P.neurons.size() || D.group[i + 1] != k) flush_ab(k);
  }
  for (int k = 2; k <= m; ++k) E.push_back({k, 2, k - 1, k - 1, 1.0});
  return D;
}

void write_sdpa_file(const sdp_data& D, const std::string& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("lipsdp: cannot write " + path);
  f.precision(17);
  f << "\"LipSDP: minimise rho\"\n" << D.m << "\n2\n" << D.N << " " << -D.nlp << "\n";
  for (int k = 1; k <= D.m; ++k) f << (k == 1 ? 1 : 0) << (k == D.m ? "\n" : " ");
  for (const sdp_entry& e : D.entries) f << e.k << " " << e.block << " " << e.i << " " << e.j << " " << e.v << "\n";
  if (!f) throw std::runtime_error("lipsdp: write error on " + path);
}

// SDPA's iteration display, turned into progress updates.
struct display_state {
  progress_sink* progress;
  std::string line;
  int iterations = 0;
};

ssize_t display_write(void* cookie, const char* buf, size_t size) {
  auto* s = static_cast<display_state*>(cookie);
  for (size_t i = 0; i < size; ++i) {
    if (buf[i] != '\n') {
      s->line.push_back(buf[i]);
      continue;
    }
    std::size_t p = s->line.find_first_not_of(' ');
    if (p != std::string::npos && std::isdigit((unsigned char)s->line[p])) {
      std::size_t q = p;
      while (q < s->line.size() && std::isdigit((unsigned char)s->line[q])) ++q;
      if (q < s->line.size() && s->line[q] == ' ') {
        ++s->iterations;
        s->progress->update("lipsdp: sdpa iteration " + std::to_string(s->iterations),
                            std::min(0.9, s->iterations / 60.0));
      }
    }
    s->line.clear();
  }
  return (ssize_t)size;
}

std::string sdpa_version() {
  char buf[256] = {0};
  FILE* f = fmemopen(buf, sizeof buf - 1, "w");
  if (!f) return "sdpa";
  SDPA::printSDPAVersion(f);
  fclose(f);
  std::string s(buf);
  std::size_t p = s.find_first_of("0123456789");
  std::string ver;
  while (p != std::string::npos && p < s.size() && (std::isdigit((unsigned char)s[p]) || s[p] == '.')) ver.push_back(s[p++]);
  return ver.empty() ? "sdpa" : "sdpa " + ver;
}

struct solve_outcome {
  double rho = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x;  // variables 2..m
  std::string phase;
  std::string warnings;  // what SDPA printed besides its iteration display
  int iterations = 0;
};

solve_outcome solve_sdpa(const sdp_data& D, const lipsdp_options& opt, progress_sink& progress) {
  display_state st{&progress, {}, 0};
  cookie_io_functions_t fns{nullptr, display_write, nullptr, nullptr};
  FILE* disp = fopencookie(&st, "w", fns);
  solve_outcome out;
  {
    SDPA S;
    S.setParameterType(SDPA::PARAMETER_DEFAULT);
    S.setParameterEpsilonStar(opt.solver_epsilon);
    S.setParameterEpsilonDash(opt.solver_epsilon);
    S.setParameterMaxIteration(200);
    S.setDisplay(disp);
    if (opt.solver_threads > 0) S.setNumThreads(opt.solver_threads);
    S.inputConstraintNumber(D.m);
    S.inputBlockNumber(D.nlp > 0 ? 2 : 1);
    S.inputBlockSize(1, D.N);
    S.inputBlockType(1, SDPA::SDP);
    if (D.nlp > 0) {
      S.inputBlockSize(2, -D.nlp);
      S.inputBlockType(2, SDPA::LP);
    }
    S.initializeUpperTriangleSpace();
    for (int k = 1; k <= D.m; ++k) S.inputCVec(k, k == 1 ? 1.0 : 0.0);
    for (const sdp_entry& e : D.entries) S.inputElement(e.k, e.block, e.i, e.j, e.v);
    S.initializeUpperTriangle();
    S.initializeSolve();
    // SDPA writes warnings ("Strange behavior ...") to std::cout; keep them out of the caller's
    // output and report them in the note instead.
    std::ostringstream warn;
    std::streambuf* old = std::cout.rdbuf(warn.rdbuf());
    try {
      S.solve();
    } catch (...) {
      std::cout.rdbuf(old);
      throw;
    }
    std::cout.rdbuf(old);
    out.warnings = warn.str();
    while (!out.warnings.empty() && (out.warnings.back() == '\n' || out.warnings.back() == ' ')) out.warnings.pop_back();
    for (char& ch : out.warnings)
      if (ch == '\n') ch = ';';
    const double* x = S.getResultXVec();
    out.rho = x[0];
    out.x.assign(x + 1, x + D.m);
    char ph[64] = {0};
    S.getPhaseString(ph);
    out.phase = ph;
    out.iterations = S.getIteration();
  }
  if (disp) fclose(disp);
  return out;
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
  const int EL = P.E[P.L];

  // Solve (untrusted).
  double rho_s = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> t(P.neurons.size(), 0.0);
  std::string solve_note;
  if (!P.neurons.empty() || !opt.dump_sdpa.empty()) {
    const sdp_data D = build_sdp(P, v);
    if (!opt.dump_sdpa.empty()) write_sdpa_file(D, opt.dump_sdpa);
    if (opt.dump_only) {
      res.note = "SDP written to " + opt.dump_sdpa + "; not solved";
      res.seconds = since(t0);
      return res;
    }
    if (!P.neurons.empty()) {
      res.solver = sdpa_version();
      const auto ts = steady::now();
      solve_outcome so = solve_sdpa(D, opt, progress);
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
    const double cap = std::max(std::max(base, 0.0) * (1 + opt.max_relative_increase), start * (1 + 2e-12));
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
  progress.update("lipsdp: done", 1.0);
  return finish(tt);
}

}  // namespace ntk
