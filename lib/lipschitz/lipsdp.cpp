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
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
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
      // A neuron with a constant pre-activation, or whose output no later layer reads, does not
      // change the map's variation: dropped (like a neuron with slopes [0, 0]).
      bool unused = true;
      const std::size_t rn = net.rows(l + 1);
      for (std::size_t o = 0; o < rn && unused; ++o) unused = Ws[l + 1][o * r + j] == 0;
      if (pre.empty() || unused) continue;
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

// with_entries = false: only the variable numbering (the structured solver reads the problem itself).
sdp_data build_sdp(const problem& P, lipsdp_variant v, bool with_entries) {
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
  if (!with_entries) return D;
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
  bool echo = false;
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
        if (s->echo) std::fprintf(stderr, "%s\n", s->line.c_str());
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
  display_state st{&progress, {}, 0, std::getenv("NTK_LIPSDP_ECHO") != nullptr};
  cookie_io_functions_t fns{nullptr, display_write, nullptr, nullptr};
  FILE* disp = fopencookie(&st, "w", fns);
  if (disp) setvbuf(disp, nullptr, _IOLBF, 0);
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
// A primal-dual interior-point method (HKM direction, Mehrotra predictor-corrector, infeasible
// start) specialised to LipSDP's structure: every multiplier's constraint matrix has rank 2,
//     A_i = -G_i = [a_i e_z] [[-2 alpha beta, alpha + beta], [alpha + beta, -2]] [a_i e_z]',
// with a_i supported on the previous layer's block, so the Schur complement
//     H_ij = tr(A_i X A_j S^-1) = tr(Q_i (U_i' X U_j) Q_j (U_j' S^-1 U_i))
// needs only U'XU and U'S^-1U (dense products of the size of the weight matrices), where a generic
// sparse SDP code spends O(m N nnz) per iteration. Untrusted like any solver: only its (rho, T)
// are used, and the proof decides.
//   (P) min <C, X>  s.t. <A_k, X> + <A_k^lp, x> = b_k,  X >= 0, x >= 0
//   (D) max b'y     s.t. sum_k y_k A_k + S = C, S >= 0, s = y_t >= 0,
// y = (rho, t_groups), b = (-1, 0, ..., 0), C = -C_out'C_out, A_rho = -E_0, A_g = sum_{i in g} A_i.
struct ipm_block {
  std::size_t i0, i1, lo, hi;  // neurons [i0, i1) (one layer), columns [lo, hi) of their a_i
  std::vector<double> A;       // (i1 - i0) x (hi - lo), row-major
  bool has_q11 = false;
};

struct ipm_data {
  std::size_t N = 0, n0 = 0, nf = 0, mt = 0;
  std::vector<std::uint32_t> z;
  std::vector<double> q11, q12, q22;
  std::vector<int> grp;  // neuron -> group (0..mt-1)
  std::vector<ipm_block> blocks;
  std::vector<double> C;  // N x N
};

ipm_data make_ipm_data(const problem& P, const sdp_data& D) {
  ipm_data d;
  d.N = P.N;
  d.n0 = P.n0;
  d.nf = P.neurons.size();
  d.mt = D.m - 1;
  for (std::size_t i = 0; i < d.nf; ++i) {
    const free_neuron& n = P.neurons[i];
    d.z.push_back(n.z);
    d.q11.push_back(-2 * n.alpha * n.beta);
    d.q12.push_back(n.alpha + n.beta);
    d.q22.push_back(-2.0);
    d.grp.push_back(D.group[i] - 2);
  }
  for (std::size_t i = 0; i < d.nf;) {
    std::size_t j = i;
    ipm_block b;
    b.i0 = i;
    b.lo = d.N;
    b.hi = 0;
    while (j < d.nf && P.neurons[j].layer == P.neurons[i].layer) {
      for (const zentry& e : P.neurons[j].a) {
        b.lo = std::min<std::size_t>(b.lo, e.idx);
        b.hi = std::max<std::size_t>(b.hi, e.idx + 1);
      }
      if (d.q11[j] != 0) b.has_q11 = true;
      ++j;
    }
    b.i1 = j;
    if (b.hi <= b.lo) b.lo = b.hi = 0;
    const std::size_t w = b.hi - b.lo;
    b.A.assign((j - i) * w, 0.0);
    for (std::size_t k = i; k < j; ++k)
      for (const zentry& e : P.neurons[k].a) b.A[(k - i) * w + (e.idx - b.lo)] = midpoint(e.v);
    d.blocks.push_back(std::move(b));
    i = j;
  }
  d.C.assign(d.N * d.N, 0.0);
  for (const zvec& row : P.C)
    for (const zentry& p : row)
      for (const zentry& q : row) d.C[p.idx * d.N + q.idx] -= midpoint(p.v) * midpoint(q.v);
  return d;
}

// out = sum_i yn_i A_i - yr E_0 (dense, overwritten). yn per neuron.
void ipm_aty(const ipm_data& d, double yr, const std::vector<double>& yn, double* out) {
  const std::size_t N = d.N;
  std::fill(out, out + N * N, 0.0);
  for (std::size_t p = 0; p < d.n0; ++p) out[p * N + p] = -yr;
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo;
    for (std::size_t i = b.i0; i < b.i1; ++i) {
      const double y = yn[i];
      if (y == 0) continue;
      const double* a = b.A.data() + (i - b.i0) * w;
      const std::size_t z = d.z[i];
      out[z * N + z] += y * d.q22[i];
      const double c = y * d.q12[i];
      for (std::size_t p = 0; p < w; ++p) {
        out[(b.lo + p) * N + z] += c * a[p];
        out[z * N + b.lo + p] += c * a[p];
      }
      if (d.q11[i] != 0)
        cblas_dger(CblasRowMajor, (int)w, (int)w, y * d.q11[i], a, 1, a, 1, out + b.lo * N + b.lo, (int)N);
    }
  }
}

// <A_rho, X> and <A_i, X> per neuron, X symmetric.
void ipm_ax(const ipm_data& d, const double* X, double& r, std::vector<double>& n) {
  const std::size_t N = d.N;
  r = 0;
  for (std::size_t p = 0; p < d.n0; ++p) r -= X[p * N + p];
  n.assign(d.nf, 0.0);
  std::vector<double> T;
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo, nb = b.i1 - b.i0;
    if (b.has_q11 && w > 0) {
      T.assign(nb * w, 0.0);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)w, (int)w, 1.0, b.A.data(), (int)w,
                  X + b.lo * N + b.lo, (int)N, 0.0, T.data(), (int)w);
    }
    for (std::size_t i = b.i0; i < b.i1; ++i) {
      const double* a = b.A.data() + (i - b.i0) * w;
      const std::size_t z = d.z[i];
      double ax = 0;
      for (std::size_t p = 0; p < w; ++p) ax += a[p] * X[(b.lo + p) * N + z];
      double v = 2 * d.q12[i] * ax + d.q22[i] * X[z * N + z];
      if (d.q11[i] != 0) v += d.q11[i] * cblas_ddot((int)w, a, 1, T.data() + (i - b.i0) * w, 1);
      n[i] = v;
    }
  }
}

// V = X U (N x 2nf, columns: a_1..a_nf, e_z1..e_znf) and P = U'V (2nf x 2nf).
void ipm_uxu(const ipm_data& d, const double* X, std::vector<double>& V, std::vector<double>& P) {
  const std::size_t N = d.N, R = 2 * d.nf;
  V.assign(N * R, 0.0);
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo, nb = b.i1 - b.i0;
    if (w > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)nb, (int)w, 1.0, X + b.lo, (int)N,
                  b.A.data(), (int)w, 0.0, V.data() + b.i0, (int)R);
  }
  for (std::size_t i = 0; i < d.nf; ++i)
    for (std::size_t p = 0; p < N; ++p) V[p * R + d.nf + i] = X[p * N + d.z[i]];
  P.assign(R * R, 0.0);
  for (const ipm_block& b : d.blocks) {
    const std::size_t w = b.hi - b.lo, nb = b.i1 - b.i0;
    if (w > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)R, (int)w, 1.0, b.A.data(), (int)w,
                  V.data() + b.lo * R, (int)R, 0.0, P.data() + b.i0 * R, (int)R);
  }
  for (std::size_t i = 0; i < d.nf; ++i) std::copy_n(V.data() + d.z[i] * R, R, P.data() + (d.nf + i) * R);
}

// Largest alpha <= 1 with M + alpha dM > 0 (times gamma), M = L L' given by its Cholesky factor
// (row-major lower). Lanczos estimate of lambda_min(L^-1 dM L^-T), checked by the caller.
double ipm_step_estimate(const std::vector<double>& L, const std::vector<double>& dM, std::size_t N) {
  const int K = (int)std::min<std::size_t>(40, N);
  std::vector<double> Q((std::size_t)K * N), w(N), u(N);
  std::vector<double> alpha(K), beta(K);
  std::mt19937_64 rng(12345);
  std::normal_distribution<double> nd;
  for (std::size_t p = 0; p < N; ++p) Q[p] = nd(rng);
  double nrm = cblas_dnrm2((int)N, Q.data(), 1);
  cblas_dscal((int)N, 1 / nrm, Q.data(), 1);
  int k = 0;
  for (; k < K; ++k) {
    double* q = Q.data() + (std::size_t)k * N;
    std::copy_n(q, N, w.data());
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)N, L.data(), (int)N, w.data(), 1);
    cblas_dsymv(CblasRowMajor, CblasLower, (int)N, 1.0, dM.data(), (int)N, w.data(), 1, 0.0, u.data(), 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)N, L.data(), (int)N, u.data(), 1);
    alpha[k] = cblas_ddot((int)N, q, 1, u.data(), 1);
    for (int j = 0; j <= k; ++j) {  // full reorthogonalisation
      const double* qj = Q.data() + (std::size_t)j * N;
      const double c = cblas_ddot((int)N, qj, 1, u.data(), 1);
      cblas_daxpy((int)N, -c, qj, 1, u.data(), 1);
    }
    beta[k] = cblas_dnrm2((int)N, u.data(), 1);
    if (k + 1 == K || !(beta[k] > 1e-12 * (std::fabs(alpha[k]) + 1e-300))) {
      ++k;
      break;
    }
    double* qn = Q.data() + (std::size_t)(k + 1) * N;
    for (std::size_t p = 0; p < N; ++p) qn[p] = u[p] / beta[k];
  }
  std::vector<double> dd(alpha.begin(), alpha.begin() + k), ee(beta.begin(), beta.begin() + std::max(k - 1, 0));
  ee.resize(std::max(k, 1));
  LAPACKE_dsterf(k, dd.data(), ee.data());
  const double lmin = *std::min_element(dd.begin(), dd.end());
  // Lanczos' smallest Ritz value is >= lambda_min: widen it a little.
  const double est = lmin - 0.05 * std::fabs(lmin);
  return est < 0 ? -1.0 / est : std::numeric_limits<double>::infinity();
}

bool chol_lower(std::vector<double>& A, std::size_t N) {
  return LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)N, A.data(), (int)N) == 0;
}

void symmetrize(std::vector<double>& A, std::size_t N) {
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j) {
      const double v = 0.5 * (A[i * N + j] + A[j * N + i]);
      A[i * N + j] = A[j * N + i] = v;
    }
}

double dot_all(const std::vector<double>& a, const std::vector<double>& b) {
  return cblas_ddot((int)a.size(), a.data(), 1, b.data(), 1);
}

solve_outcome solve_structured(const ipm_data& d, double eps, progress_sink& progress, bool echo) {
  const std::size_t N = d.N, nf = d.nf, mt = d.mt, m = 1 + mt, R = 2 * nf, NN = N * N;
  const double nc = (double)(N + mt);
  solve_outcome out;
  double cnorm = 0;
  for (double v : d.C) cnorm += v * v;
  cnorm = std::sqrt(cnorm);
  const double xi = std::max(10.0, std::sqrt((double)N)), eta = std::max({10.0, std::sqrt((double)N), cnorm});
  std::vector<double> X(NN, 0.0), S(NN, 0.0), y(m, 0.0), xl(mt, xi), sl(mt, eta);
  for (std::size_t p = 0; p < N; ++p) X[p * N + p] = xi, S[p * N + p] = eta;
  std::vector<double> Rd(NN), tmp(NN), tmp2(NN), Si(NN), LS(NN), G1(NN), dX(NN), dS(NN), Corr(NN), LX(NN);
  std::vector<double> VX, PX, VS, PS, H(m * m), Rdl(mt), yn(nf);
  std::vector<double> an, anS, anG, anC;
  auto expand = [&](const std::vector<double>& yv) {  // group -> neuron values
    for (std::size_t i = 0; i < nf; ++i) yn[i] = yv[1 + d.grp[i]];
  };
  auto group_sum = [&](double r, const std::vector<double>& n) {
    std::vector<double> g(m, 0.0);
    g[0] = r;
    for (std::size_t i = 0; i < nf; ++i) g[1 + d.grp[i]] += n[i];
    return g;
  };
  auto gemm = [&](const double* A, const double* B, double* Cm) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)N, (int)N, 1.0, A, (int)N, B, (int)N, 0.0, Cm,
                (int)N);
  };
  // Step length for the SDP part, verified by a Cholesky (backtracking).
  auto step = [&](const std::vector<double>& M, const std::vector<double>& dM, std::vector<double>& L, bool have_L,
                  const std::vector<double>& v, const std::vector<double>& dv, double gamma) {
    if (!have_L) {
      L = M;
      if (!chol_lower(L, N)) return 0.0;
    }
    double a = std::min(1.0, gamma * ipm_step_estimate(L, dM, N));
    for (std::size_t g = 0; g < v.size(); ++g)
      if (dv[g] < 0) a = std::min(a, gamma * (-v[g] / dv[g]));
    for (int tries = 0; tries < 30; ++tries) {
      for (std::size_t k = 0; k < NN; ++k) tmp2[k] = M[k] + a * dM[k];
      if (chol_lower(tmp2, N)) return a;
      a *= 0.7;
    }
    return 0.0;
  };
  int it = 0;
  out.phase = "maxiter";
  for (; it < 150; ++it) {
    // Residuals.
    expand(y);
    ipm_aty(d, y[0], yn, tmp.data());
    for (std::size_t k = 0; k < NN; ++k) Rd[k] = d.C[k] - S[k] - tmp[k];
    for (std::size_t g = 0; g < mt; ++g) Rdl[g] = -sl[g] + y[1 + g];
    double ar;
    ipm_ax(d, X.data(), ar, an);
    std::vector<double> AX = group_sum(ar, an);
    std::vector<double> Rp(m);
    Rp[0] = -1.0 - AX[0];
    for (std::size_t g = 0; g < mt; ++g) Rp[1 + g] = -AX[1 + g] + xl[g];
    const double pobj = dot_all(d.C, X), dobj = -y[0];
    const double mu = (dot_all(X, S) + dot_all(xl, sl)) / nc;
    const double relgap = std::fabs(pobj - dobj) / (1 + std::fabs(pobj) + std::fabs(dobj));
    const double pinf = std::sqrt(dot_all(Rp, Rp)) / 2.0;
    const double dinf = std::sqrt(dot_all(Rd, Rd) + dot_all(Rdl, Rdl)) / (1 + cnorm);
    if (echo)
      std::fprintf(stderr, "%3d mu %.3e pobj %+.10e dobj %+.10e gap %.2e pinf %.2e dinf %.2e\n", it, mu, pobj, dobj,
                   relgap, pinf, dinf);
    progress.update("lipsdp: interior point iteration " + std::to_string(it + 1),
                    std::min(0.9, std::max(0.0, std::log10(std::max(relgap, 1e-12)) / -8.0 * 0.9)));
    if (relgap < eps && pinf < eps && dinf < eps) {
      out.phase = "pdOPT";
      break;
    }
    // S^-1 and the Schur complement.
    LS = S;
    if (!chol_lower(LS, N)) {
      out.phase = "S lost definiteness";
      break;
    }
    Si = LS;
    LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (int)N, Si.data(), (int)N);
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = i + 1; j < N; ++j) Si[i * N + j] = Si[j * N + i];
    ipm_uxu(d, X.data(), VX, PX);
    ipm_uxu(d, Si.data(), VS, PS);
    std::vector<double> Hn(nf * nf), Hr(nf);
    for (std::size_t i = 0; i < nf; ++i) {
      const double qi[2][2] = {{d.q11[i], d.q12[i]}, {d.q12[i], d.q22[i]}};
      for (std::size_t j = 0; j < nf; ++j) {
        const double qj[2][2] = {{d.q11[j], d.q12[j]}, {d.q12[j], d.q22[j]}};
        const double px[2][2] = {{PX[i * R + j], PX[i * R + nf + j]}, {PX[(nf + i) * R + j], PX[(nf + i) * R + nf + j]}};
        const double ps[2][2] = {{PS[i * R + j], PS[i * R + nf + j]}, {PS[(nf + i) * R + j], PS[(nf + i) * R + nf + j]}};
        double t1[2][2], t2[2][2];
        for (int a = 0; a < 2; ++a)
          for (int c = 0; c < 2; ++c) t1[a][c] = qi[a][0] * px[0][c] + qi[a][1] * px[1][c];
        for (int a = 0; a < 2; ++a)
          for (int c = 0; c < 2; ++c) t2[a][c] = t1[a][0] * qj[0][c] + t1[a][1] * qj[1][c];
        Hn[i * nf + j] = t2[0][0] * ps[0][0] + t2[0][1] * ps[0][1] + t2[1][0] * ps[1][0] + t2[1][1] * ps[1][1];
      }
      // H_rho,i = -tr(Q_i Z_i'), Z_i = (S^-1 U_i)_0' (X U_i)_0.
      double zz[2][2] = {{0, 0}, {0, 0}};
      for (std::size_t p = 0; p < d.n0; ++p) {
        const double s0 = VS[p * R + i], s1 = VS[p * R + nf + i], x0 = VX[p * R + i], x1 = VX[p * R + nf + i];
        zz[0][0] += s0 * x0;
        zz[0][1] += s0 * x1;
        zz[1][0] += s1 * x0;
        zz[1][1] += s1 * x1;
      }
      Hr[i] = -(qi[0][0] * zz[0][0] + qi[0][1] * zz[0][1] + qi[1][0] * zz[1][0] + qi[1][1] * zz[1][1]);
    }
    std::fill(H.begin(), H.end(), 0.0);
    for (std::size_t p = 0; p < d.n0; ++p)
      for (std::size_t q = 0; q < d.n0; ++q) H[0] += X[p * N + q] * Si[p * N + q];
    for (std::size_t i = 0; i < nf; ++i) {
      const std::size_t gi = 1 + d.grp[i];
      H[gi] += Hr[i];
      H[gi * m] += Hr[i];
      for (std::size_t j = 0; j < nf; ++j) H[gi * m + 1 + d.grp[j]] += Hn[i * nf + j];
    }
    for (std::size_t g = 0; g < mt; ++g) H[(1 + g) * m + 1 + g] += xl[g] / sl[g];
    std::vector<double> LH = H;
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)m, LH.data(), (int)m) != 0) {
      double dmax = 0;
      for (std::size_t k = 0; k < m; ++k) dmax = std::max(dmax, H[k * m + k]);
      LH = H;
      for (std::size_t k = 0; k < m; ++k) LH[k * m + k] += 1e-12 * dmax;
      if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)m, LH.data(), (int)m) != 0) {
        out.phase = "Schur complement singular";
        break;
      }
    }
    auto solveH = [&](std::vector<double> r) {
      LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (int)m, 1, LH.data(), (int)m, r.data(), 1);
      return r;
    };
    // G1 = X Rd S^-1 (symmetrised), A(G1), A(S^-1).
    gemm(X.data(), Rd.data(), tmp.data());
    gemm(tmp.data(), Si.data(), G1.data());
    symmetrize(G1, N);
    double rS, rG;
    ipm_ax(d, Si.data(), rS, anS);
    ipm_ax(d, G1.data(), rG, anG);
    std::vector<double> ASi = group_sum(rS, anS), AG = group_sum(rG, anG);
    std::vector<double> rhs_base(m), rhs_mu(m);
    for (std::size_t k = 0; k < m; ++k) rhs_base[k] = (k == 0 ? -1.0 : 0.0) + AG[k], rhs_mu[k] = ASi[k];
    for (std::size_t g = 0; g < mt; ++g) {
      rhs_base[1 + g] -= xl[g] * Rdl[g] / sl[g];
      rhs_mu[1 + g] -= 1.0 / sl[g];
    }
    std::vector<double> dsl(mt), dxl(mt);
    auto direction = [&](const std::vector<double>& rhs, double smu, bool corr) {
      std::vector<double> dy = solveH(rhs);
      expand(dy);
      ipm_aty(d, dy[0], yn, tmp.data());
      for (std::size_t k = 0; k < NN; ++k) dS[k] = Rd[k] - tmp[k];
      for (std::size_t g = 0; g < mt; ++g) dsl[g] = Rdl[g] + dy[1 + g];
      gemm(X.data(), dS.data(), tmp.data());
      gemm(tmp.data(), Si.data(), dX.data());
      symmetrize(dX, N);
      for (std::size_t k = 0; k < NN; ++k) dX[k] = smu * Si[k] - X[k] - dX[k] + (corr ? Corr[k] : 0.0);
      for (std::size_t g = 0; g < mt; ++g) dxl[g] = smu / sl[g] - xl[g] - xl[g] * dsl[g] / sl[g];
      return dy;
    };
    // Predictor.
    direction(rhs_base, 0.0, false);
    const double ap = step(X, dX, LX, false, xl, dxl, 1.0);
    const double ad = step(S, dS, LS, true, sl, dsl, 1.0);
    double mu_aff = 0;
    for (std::size_t k = 0; k < NN; ++k) mu_aff += (X[k] + ap * dX[k]) * (S[k] + ad * dS[k]);
    for (std::size_t g = 0; g < mt; ++g) mu_aff += (xl[g] + ap * dxl[g]) * (sl[g] + ad * dsl[g]);
    mu_aff /= nc;
    const double sigma = std::min(1.0, std::pow(std::max(mu_aff, 0.0) / mu, 3));
    // Corrector: Corr = -dX_p dS_p S^-1 (symmetrised), corr_lp = -dx dz / s.
    gemm(dX.data(), dS.data(), tmp.data());
    gemm(tmp.data(), Si.data(), Corr.data());
    symmetrize(Corr, N);
    for (double& v : Corr) v = -v;
    std::vector<double> corr_l(mt);
    for (std::size_t g = 0; g < mt; ++g) corr_l[g] = -dxl[g] * dsl[g] / sl[g];
    double rC;
    ipm_ax(d, Corr.data(), rC, anC);
    std::vector<double> AC = group_sum(rC, anC);
    std::vector<double> rhs(m);
    for (std::size_t k = 0; k < m; ++k) rhs[k] = rhs_base[k] - sigma * mu * rhs_mu[k] - AC[k];
    for (std::size_t g = 0; g < mt; ++g) rhs[1 + g] += corr_l[g];  // - A_lp(corr_l) = + corr_l
    std::vector<double> dy = direction(rhs, sigma * mu, true);
    for (std::size_t g = 0; g < mt; ++g) dxl[g] += corr_l[g];
    const double gamma = 0.95;
    const double a_p = step(X, dX, LX, true, xl, dxl, gamma);
    const double a_d = step(S, dS, LS, true, sl, dsl, gamma);
    if (a_p == 0 && a_d == 0) {
      out.phase = "stalled";
      break;
    }
    for (std::size_t k = 0; k < NN; ++k) X[k] += a_p * dX[k], S[k] += a_d * dS[k];
    for (std::size_t g = 0; g < mt; ++g) xl[g] += a_p * dxl[g], sl[g] += a_d * dsl[g];
    for (std::size_t k = 0; k < m; ++k) y[k] += a_d * dy[k];
  }
  out.iterations = it;
  out.rho = y[0];
  out.x.assign(y.begin() + 1, y.end());
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
