// One attempt of the lower-bound chain in the tier of I (see chain_state.hpp): the enclosures of
// the components, the links computed from them, and the claims' verdicts.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "driver/chain_state.hpp"
#include "hermite/coefficients.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"

namespace ntk::chain_detail {

namespace {

using clock_type = std::chrono::steady_clock;

// ---- one attempt in the tier of I -------------------------------------------------------------

template <class I>
void enclose_component(const dense_matrix<I>& A, component& c, chain_attempt& info, progress_sink& progress) {
  progress.update("chain: " + c.label + ", " + std::to_string(interval_traits<I>::precision_bits()) + " bits", 0.5);
  const lambda_min_bounds b =
      lambda_min_enclose<I>(A, true, c.hint.vector.empty() ? nullptr : &c.hint, progress);
  tighten(c.value, from_lambda(b));
  if (!b.vector.empty()) {
    c.hint.vector = b.vector;
    c.hint.value = b.estimate;
  }
  ++info.eigen_enclosures;
  info.recomputed.push_back(c.label);
}

template <class I>
class chain_visitor final : public layer_visitor<I> {
 public:
  chain_visitor(const geometry<I>& g, chain_state& st, const plan& p, chain_attempt& info, progress_sink& progress)
      : g_(g), st_(st), plan_(p), info_(info), progress_(progress) {}

  bool wants_gdot() const override { return false; }

  void layer(int l, const dense_matrix<I>& rho, const dense_matrix<I>&, const dense_matrix<I>&,
             const dense_matrix<I>*, const dense_matrix<I>&) override {
    const std::size_t li = static_cast<std::size_t>(l - 1), n = rho.rows;
    const long nn = static_cast<long>(n);
    if (plan_.G[li]) {
      dense_matrix<I> G(n, n);
#pragma omp parallel for schedule(dynamic, 16)
      for (long ii = 0; ii < nn; ++ii) {
        const auto i = static_cast<std::size_t>(ii);
        for (std::size_t j = 0; j < n; ++j) G(i, j) = i == j ? g_.sqnorm[i] : I(pair_scale(g_, i, j) * rho(i, j));
      }
      enclose_component(G, st_.G[li], info_, progress_);
    }
    if (li < gersh_layers(st_.depth)) gershgorin(li, rho);
    if (l < st_.depth) {
      for (std::size_t k = 0; k < st_.orders.size(); ++k) {
        if (!plan_.P[li][k]) continue;
        const unsigned r = st_.orders[k];
        dense_matrix<I> P(n, n);
#pragma omp parallel for schedule(dynamic, 16)
        for (long ii = 0; ii < nn; ++ii) {
          const auto i = static_cast<std::size_t>(ii);
          for (std::size_t j = 0; j < n; ++j)
            P(i, j) = i == j ? interval_traits<I>::point(1.0) : hadamard_entry_power(rho(i, j), r);
        }
        enclose_component(P, st_.P[li][k], info_, progress_);
      }
    }
  }

 private:
  // 1 − max_i Σ_{j≠i} |ρ_ij|^r for every order, into st_.gersh[li].
  void gershgorin(std::size_t li, const dense_matrix<I>& rho) {
    const std::size_t n = rho.rows, K = st_.orders.size();
    const long nn = static_cast<long>(n);
    std::vector<I> row_sum(n * K, interval_traits<I>::point(0.0));
#pragma omp parallel for schedule(dynamic, 16)
    for (long ii = 0; ii < nn; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const I a = interval_abs(rho(i, j));
        for (std::size_t k = 0; k < K; ++k) row_sum[i * K + k] = row_sum[i * K + k] + pow_nonneg(a, st_.orders[k]);
      }
    }
    for (std::size_t k = 0; k < K; ++k) {
      I mx = interval_traits<I>::point(0.0);
      for (std::size_t i = 0; i < n; ++i) mx = i == 0 ? row_sum[k] : interval_max(mx, row_sum[i * K + k]);
      bounds b = from_tier(I(1.0 - mx));
      // A positively proportional pair has |Ĝ_ij| = 1 in every layer, so its row sum is >= 1.
      if (st_.parallel_pair && mpfr_sgn(b.hi.backend().data()) > 0) b.hi = exact_d(0.0);
      tighten(st_.gersh[li][k], b);
    }
  }

  const geometry<I>& g_;
  chain_state& st_;
  const plan& plan_;
  chain_attempt& info_;
  progress_sink& progress_;
};

// Every link's value from the current component enclosures, in the arithmetic of tier I.
template <class I>
std::vector<bounds> compute_links(const chain_state& st) {
  using tr = interval_traits<I>;
  const link_layout& at = st.layout;
  const std::size_t K = st.orders.size();
  const int L = st.depth;
  const I zero = tr::point(0.0);
  const I m = to_tier<I>(st.m);
  std::vector<I> c(K), mc(K);
  for (std::size_t k = 0; k < K; ++k) {
    c[k] = st.order_is_zero[k] ? zero : nonneg(hermite_c<I>(hermite::activation::relu, st.orders[k]));
    mc[k] = mul_nonneg(m, c[k]);
  }
  auto lam = [](const component& x) { return nonneg(to_tier<I>(x.value)); };
  auto scaled = [&](const I& x) { return from_tier(scale_nonneg(x, st.factor)); };

  std::vector<bounds> out(at.count());
  out[at.lambda_min()] = st.K.value;
  I schur = zero;
  for (int l = 1; l <= L; ++l) schur = add_nonneg(schur, lam(st.G[l - 1]));
  out[at.schur()] = scaled(schur);

  const I g1 = lam(st.G[0]);
  I all = g1;
  for (std::size_t k = 0; k < K; ++k) {
    I h = g1;
    for (int l = 2; l <= L; ++l) {
      if (st.order_is_zero[k]) continue;
      const I term = mul_nonneg(mc[k], lam(st.P[l - 2][k]));
      h = add_nonneg(h, term);
      all = add_nonneg(all, term);
    }
    out[at.hermite(k)] = scaled(h);
  }
  out[at.hermite_all()] = K == 1 ? out[at.hermite(0)] : scaled(all);

  for (std::size_t k = 0; k < K; ++k) {
    I gs = zero;
    for (int l = 2; l <= L; ++l) {
      const I bound = interval_max(to_tier<I>(st.gersh[l - 2][k]), zero);  // max(0, 1 − max_i Σ ...)
      gs = add_nonneg(gs, mul_nonneg(mc[k], bound));
    }
    out[at.gershgorin(k)] = scaled(gs);
    // μ_r² = c_r/2 (halving is exact in both tiers).
    out[at.scale(k)] = scaled(mul_nonneg(m, kernel_detail::times_pow2(c[k], -1)));
  }
  out[at.upper()] = scaled(mul_nonneg(m, tr::point(static_cast<double>(L))));
  return out;
}

void absorb_links(chain_state& st, const std::vector<bounds>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) tighten(st.links[i], values[i]);
  // The Rayleigh quotient of the unit vector e_i is K_ii = L‖x̃_i‖², so λ_min(f·K) <= f·L·m: the
  // proof of the upper link is also an upper bound of lambda_min (exact when the norms are).
  {
    bounds rayleigh;
    rayleigh.hi = st.links[st.layout.upper()].hi;
    tighten(st.links[st.layout.lambda_min()], rayleigh);
    tighten(st.K.value, rayleigh);
  }
  if (st.depth == 1) {
    // L = 1: K^(1) = G^(1), so lambda_min, schur and every hermite link are one number.
    const link_layout& at = st.layout;
    std::vector<std::size_t> same = {at.lambda_min(), at.schur(), at.hermite_all()};
    for (std::size_t k = 0; k < st.orders.size(); ++k) same.push_back(at.hermite(k));
    bounds common = st.links[same[0]];
    for (std::size_t i : same) tighten(common, st.links[i]);
    for (std::size_t i : same) st.links[i] = common;
    tighten(st.K.value, common);
  }
}

chain_verdict compare_le(const bounds& a, const bounds& b) {
  if (mpfr_cmp(a.hi.backend().data(), b.lo.backend().data()) <= 0) return chain_verdict::holds;
  if (mpfr_cmp(a.lo.backend().data(), b.hi.backend().data()) > 0) return chain_verdict::fails;
  return chain_verdict::undecided;
}

}  // namespace

chain_verdict verdict(const chain_state& st, const claim& c) {
  if (c.equal_by_construction) return chain_verdict::holds;
  return compare_le(st.links[c.lhs], st.links[c.rhs]);
}

chain_verdict precondition(const chain_state& st, std::size_t k) {
  const bounds& b = st.gersh[0][k];
  if (mpfr_sgn(b.lo.backend().data()) > 0) return chain_verdict::holds;
  if (mpfr_sgn(b.hi.backend().data()) <= 0) return chain_verdict::fails;
  return chain_verdict::undecided;
}

namespace {

bool lambda_min_claims_decided(const chain_state& st) {
  for (const claim& c : st.claims)
    if ((c.lhs == st.layout.lambda_min() || c.rhs == st.layout.lambda_min()) &&
        verdict(st, c) == chain_verdict::undecided)
      return false;
  return true;
}

}  // namespace

template <class I>
chain_attempt run_attempt(const ntk_job& job, chain_state& st, const plan& p, progress_sink& progress) {
  const auto t0 = clock_type::now();
  chain_attempt info;
  info.precision_bits = interval_traits<I>::precision_bits();
  const geometry<I> g = geometry_compute<I>(*job.data, job.prep, progress);
  I mi = g.sqnorm.empty() ? interval_traits<I>::point(0.0) : g.sqnorm[0];
  for (std::size_t i = 1; i < g.n; ++i) mi = interval_min(mi, g.sqnorm[i]);
  tighten(st.m, from_tier(mi));

  chain_visitor<I> visitor(g, st, p, info, progress);
  dense_matrix<I> k = ntk_compute<I>(g, st.depth, progress, &visitor);
  absorb_links(st, compute_links<I>(st));
  // λ_min(K^(L)) only when a claim needs a tighter enclosure than the one at hand (L = 1: it is
  // λ_min(G^(1)) times f, already absorbed).
  if (p.K && st.depth > 1 && !st.K.exact && !lambda_min_claims_decided(st)) {
    apply_convention(k, kernel_which::K, job.convention, job.data->d, st.depth);
    enclose_component(k, st.K, info, progress);
    absorb_links(st, compute_links<I>(st));
  }
  info.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return info;
}

template chain_attempt run_attempt<dinterval>(const ntk_job&, chain_state&, const plan&, progress_sink&);
template chain_attempt run_attempt<minterval>(const ntk_job&, chain_state&, const plan&, progress_sink&);

}  // namespace ntk::chain_detail
