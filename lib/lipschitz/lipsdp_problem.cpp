// The LipSDP problem in the SDP coordinates and its SDPA form; see lipsdp_problem.hpp.
#include "lipschitz/lipsdp_problem.hpp"

#include <cblas.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "interval/interval.hpp"

namespace ntk::lipsdp_detail {

namespace {

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

}  // namespace

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

}  // namespace ntk::lipsdp_detail
