#include "driver/chain.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "base/escalation.hpp"
#include "data/checks.hpp"
#include "hermite/coefficients.hpp"
#include "interval/interval.hpp"
#include "kernel/convention.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk {

const char* chain_verdict_name(chain_verdict v) {
  switch (v) {
    case chain_verdict::holds: return "true";
    case chain_verdict::fails: return "false";
    case chain_verdict::undecided: return "undecided";
    default: return "null";
  }
}

std::vector<unsigned> chain_normalize_orders(std::vector<unsigned> orders) {
  if (orders.empty()) throw std::invalid_argument("the chain needs at least one Hermite order");
  for (unsigned r : orders)
    if (r < 1 || r > chain_max_order)
      throw std::invalid_argument("Hermite order " + std::to_string(r) + " is outside [1, " +
                                  std::to_string(chain_max_order) + "]");
  std::sort(orders.begin(), orders.end());
  orders.erase(std::unique(orders.begin(), orders.end()), orders.end());
  return orders;
}

namespace {

using clock_type = std::chrono::steady_clock;
constexpr double inf = std::numeric_limits<double>::infinity();

// ---- enclosures as two MPFR endpoints, independent of the tier that produced them ----------------

void set_exact(mreal& dst, mpfr_srcptr src) {
  mpfr_set_prec(dst.backend().data(), mpfr_get_prec(src));
  mpfr_set(dst.backend().data(), src, MPFR_RNDN);  // exact: same precision
}

mreal exact_d(double x) {
  mreal r;
  mpfr_set_prec(r.backend().data(), 53);
  mpfr_set_d(r.backend().data(), x, MPFR_RNDN);  // exact
  return r;
}

// The value lies in [lo, hi]; (-inf, +inf) when nothing is known.
struct bounds {
  mreal lo = exact_d(-inf), hi = exact_d(inf);
};

bounds exact_zero() {
  bounds b;
  b.lo = exact_d(0.0);
  b.hi = exact_d(0.0);
  return b;
}

// best := best ∩ b (both contain the same number). An empty intersection can only come from a defect
// upstream; the hull is kept then, which contains the value if either did.
void tighten(bounds& best, const bounds& b) {
  const bool lo_better = mpfr_cmp(b.lo.backend().data(), best.lo.backend().data()) > 0;
  const bool hi_better = mpfr_cmp(b.hi.backend().data(), best.hi.backend().data()) < 0;
  mpfr_srcptr new_lo = lo_better ? b.lo.backend().data() : best.lo.backend().data();
  mpfr_srcptr new_hi = hi_better ? b.hi.backend().data() : best.hi.backend().data();
  if (mpfr_cmp(new_lo, new_hi) > 0) {
    if (mpfr_cmp(b.lo.backend().data(), best.lo.backend().data()) < 0) set_exact(best.lo, b.lo.backend().data());
    if (mpfr_cmp(b.hi.backend().data(), best.hi.backend().data()) > 0) set_exact(best.hi, b.hi.backend().data());
    return;
  }
  if (lo_better) set_exact(best.lo, b.lo.backend().data());
  if (hi_better) set_exact(best.hi, b.hi.backend().data());
}

bounds from_lambda(const lambda_min_bounds& b) {
  bounds r;
  if (b.lower_proved) set_exact(r.lo, b.lower.backend().data());
  if (b.upper_proved) set_exact(r.hi, b.upper.backend().data());
  return r;
}

// ---- tier conversions and the few endpoint operations the interval concept lacks --------------

// Contains every point of b (rounded outward to the tier).
dinterval to_tier(const bounds& b, const dinterval*) {
  return {mpfr_get_d(b.lo.backend().data(), MPFR_RNDD), mpfr_get_d(b.hi.backend().data(), MPFR_RNDU)};
}
minterval to_tier(const bounds& b, const minterval*) {
  minterval r;
  mpfi_interv_fr(mpfi_of(r), b.lo.backend().data(), b.hi.backend().data());
  return r;
}
template <class I>
I to_tier(const bounds& b) {
  return to_tier(b, static_cast<const I*>(nullptr));
}

// The endpoints of x exactly; a NaN endpoint means "no enclosure" and becomes -inf / +inf.
bounds from_tier(const dinterval& x) {
  bounds b;
  if (x.lo == x.lo) b.lo = exact_d(x.lo);
  if (x.hi == x.hi) b.hi = exact_d(x.hi);
  return b;
}
bounds from_tier(const minterval& x) {
  bounds b;
  if (!mpfr_nan_p(&mpfi_of(x)->left)) set_exact(b.lo, &mpfi_of(x)->left);
  if (!mpfr_nan_p(&mpfi_of(x)->right)) set_exact(b.hi, &mpfi_of(x)->right);
  return b;
}

bool is_zero_point(const dinterval& x) { return x.lo == 0 && x.hi == 0; }
bool is_zero_point(const minterval& x) {
  return mpfr_zero_p(&mpfi_of(x)->left) && mpfr_zero_p(&mpfi_of(x)->right);
}

// Contains min(a, b) / max(a, b) for every a in x, b in y (endpointwise).
dinterval interval_min(const dinterval& x, const dinterval& y) { return {std::min(x.lo, y.lo), std::min(x.hi, y.hi)}; }
dinterval interval_max(const dinterval& x, const dinterval& y) { return {std::max(x.lo, y.lo), std::max(x.hi, y.hi)}; }
minterval interval_min(const minterval& x, const minterval& y) {
  minterval r;
  mpfr_min(&mpfi_of(r)->left, &mpfi_of(x)->left, &mpfi_of(y)->left, MPFR_RNDD);
  mpfr_min(&mpfi_of(r)->right, &mpfi_of(x)->right, &mpfi_of(y)->right, MPFR_RNDU);
  return r;
}
minterval interval_max(const minterval& x, const minterval& y) {
  minterval r;
  mpfr_max(&mpfi_of(r)->left, &mpfi_of(x)->left, &mpfi_of(y)->left, MPFR_RNDD);
  mpfr_max(&mpfi_of(r)->right, &mpfi_of(x)->right, &mpfi_of(y)->right, MPFR_RNDU);
  return r;
}

// Contains |t| for every t in x.
dinterval interval_abs(const dinterval& x) { return abs(x); }
minterval interval_abs(const minterval& x) {
  minterval r;
  mpfi_abs(mpfi_of(r), mpfi_of(x));
  return r;
}

// Contains t^n for every t >= 0 in x, x ⊂ [0, inf) (binary powering of nonnegative intervals).
template <class I>
I pow_nonneg(const I& x, unsigned n) {
  I result = interval_traits<I>::point(1.0), base = x;
  bool first = true;
  while (n) {
    if (n & 1) {
      result = first ? base : result * base;
      first = false;
    }
    n >>= 1;
    if (n) base = base * base;
  }
  return result;
}

// Contains t^r for every t in x (r >= 1): even powers through t² >= 0, odd ones as t·(t²)^((r-1)/2).
template <class I>
I hadamard_entry_power(const I& x, unsigned r) {
  if (r == 1) return x;
  const I p = pow_nonneg(I(sqr(x)), r / 2);
  return r % 2 ? I(x * p) : p;
}

// Arithmetic on quantities that are >= 0 by theory (eigenvalues of PSD matrices, m, c_r, clamped
// Gershgorin bounds): an exact zero stays exactly zero (the tiers' outward rounding would widen
// 0 + 0 to a tiny interval around 0), and results are intersected with [0, inf).
template <class I>
I nonneg(const I& x) {
  return intersect(x, 0.0, inf);
}
template <class I>
I add_nonneg(const I& a, const I& b) {
  if (is_zero_point(a)) return b;
  if (is_zero_point(b)) return a;
  return nonneg(I(a + b));
}
template <class I>
I mul_nonneg(const I& a, const I& b) {
  if (is_zero_point(a) || is_zero_point(b)) return interval_traits<I>::point(0.0);
  return nonneg(I(a * b));
}
template <class I>
I scale_nonneg(const I& x, const convention_factor& f) {
  if (is_zero_point(x)) return x;
  return nonneg(apply_convention_factor(x, f));
}

// ---- the chain's state across attempts ----------------------------------------------------------

struct component {
  bounds value;
  lambda_min_hint hint;
  bool exact = false;  // value known exactly by structure: never recomputed
  std::string label;
};

// Which eigenvalue enclosures an attempt computes.
struct plan {
  bool K = false;
  std::vector<char> G;               // [l-1], l = 1..L
  std::vector<std::vector<char>> P;  // [l-1][k], l = 1..L-1
};

// Link indices: lambda_min, schur, hermite:r (k), hermite:all, gershgorin:r (k), scale:r (k), upper.
struct link_layout {
  std::size_t k = 0;
  std::size_t lambda_min() const { return 0; }
  std::size_t schur() const { return 1; }
  std::size_t hermite(std::size_t i) const { return 2 + i; }
  std::size_t hermite_all() const { return 2 + k; }
  std::size_t gershgorin(std::size_t i) const { return 3 + k + i; }
  std::size_t scale(std::size_t i) const { return 3 + 2 * k + i; }
  std::size_t upper() const { return 3 + 3 * k; }
  std::size_t count() const { return 4 + 3 * k; }
};

// A claim lhs <= rhs, reported as the `holds` of link `owner`.
struct claim {
  std::size_t owner, lhs, rhs;
  bool equal_by_construction = false;
  // Undecided with both sides narrower than a vanishing fraction of the scale: not escalated further.
  std::string tie;
};

struct chain_state {
  int depth = 1;
  std::vector<unsigned> orders;
  std::vector<char> order_is_zero;  // c_r = 0 exactly (odd r >= 3): the order contributes nothing
  convention_factor factor;
  link_layout layout;
  component K;                              // λ_min(f·K^(L))
  std::vector<component> G;                 // λ_min(G^(l)), [l-1]
  std::vector<std::vector<component>> P;    // λ_min((Ĝ^(l))^∘r), [l-1][k], l = 1..L-1
  std::vector<std::vector<bounds>> gersh;   // 1 − max_i Σ_{j≠i}|Ĝ^(l)_ij|^r, [l-1][k], l = 1..max(L-1, 1)
  bool parallel_pair = false;               // every Gershgorin bound is <= 0 by structure
  bounds m;                                 // min_i ‖x̃_i‖²
  std::vector<bounds> links;
  std::vector<claim> claims;
  std::vector<std::string> precondition_tie;  // [k], as claim::tie
};

std::size_t gersh_layers(int depth) { return static_cast<std::size_t>(std::max(depth - 1, 1)); }

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

chain_verdict verdict(const chain_state& st, const claim& c) {
  if (c.equal_by_construction) return chain_verdict::holds;
  return compare_le(st.links[c.lhs], st.links[c.rhs]);
}

// 1 − max_i Σ_{j≠i}|Ĝ^(1)_ij|^r > 0 ?
chain_verdict precondition(const chain_state& st, std::size_t k) {
  const bounds& b = st.gersh[0][k];
  if (mpfr_sgn(b.lo.backend().data()) > 0) return chain_verdict::holds;
  if (mpfr_sgn(b.hi.backend().data()) <= 0) return chain_verdict::fails;
  return chain_verdict::undecided;
}

bool lambda_min_claims_decided(const chain_state& st) {
  for (const claim& c : st.claims)
    if ((c.lhs == st.layout.lambda_min() || c.rhs == st.layout.lambda_min()) &&
        verdict(st, c) == chain_verdict::undecided)
      return false;
  return true;
}

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

// The eigenvalue enclosures the undecided claims depend on.
plan next_plan(const chain_state& st) {
  const link_layout& at = st.layout;
  const std::size_t K = st.orders.size();
  const int L = st.depth;
  plan p;
  p.G.assign(static_cast<std::size_t>(L), 0);
  p.P.assign(static_cast<std::size_t>(L - 1), std::vector<char>(K, 0));
  auto need_hermite = [&](std::size_t k) {
    p.G[0] = 1;
    for (int l = 1; l < L; ++l) p.P[l - 1][k] = 1;
  };
  auto need = [&](std::size_t link) {
    if (link == at.lambda_min()) {
      p.K = true;
      if (L == 1) p.G[0] = 1;  // K^(1) = G^(1): its enclosure comes from the G^(1) one
    }
    if (link == at.schur()) std::fill(p.G.begin(), p.G.end(), 1);
    for (std::size_t k = 0; k < K; ++k)
      if (link == at.hermite(k) || link == at.hermite_all()) need_hermite(k);
  };
  for (const claim& c : st.claims) {
    if (!c.tie.empty() || verdict(st, c) != chain_verdict::undecided) continue;
    need(c.lhs);
    need(c.rhs);
  }
  // Structurally exact or unused components are never computed.
  if (st.K.exact) p.K = false;
  for (int l = 1; l <= L; ++l)
    if (st.G[l - 1].exact) p.G[l - 1] = 0;
  for (int l = 1; l < L; ++l)
    for (std::size_t k = 0; k < K; ++k)
      if (st.P[l - 1][k].exact || st.order_is_zero[k]) p.P[l - 1][k] = 0;
  return p;
}

// Nothing left that a higher precision could decide.
bool all_decided(const chain_state& st) {
  for (const claim& c : st.claims)
    if (c.tie.empty() && verdict(st, c) == chain_verdict::undecided) return false;
  for (std::size_t k = 0; k < st.orders.size(); ++k)
    if (st.precondition_tie[k].empty() && precondition(st, k) == chain_verdict::undecided) return false;
  return true;
}

// Width hi - lo rounded up (+inf when a side is unbounded).
mreal width_up(const bounds& b) {
  mreal w;
  mpfr_set_prec(w.backend().data(), 64);
  mpfr_sub(w.backend().data(), b.hi.backend().data(), b.lo.backend().data(), MPFR_RNDU);
  return w;
}

// After an MPFI attempt at `bits`: an undecided claim whose two sides are both narrower than
// 2^(-3·bits/4) of the chain's scale f·L·m (the upper link) cannot be told apart from an
// equality; it is not escalated further (a margin that small is vanishing, and equal sides
// never separate). Likewise a precondition quantity (of scale 1) narrower than 2^(-3·bits/4).
void mark_ties(chain_state& st, long bits) {
  if (bits <= 53) return;
  const long e = -(3 * bits) / 4;
  mreal tol;
  mpfr_set_prec(tol.backend().data(), 64);
  mpfr_mul_2si(tol.backend().data(), st.links[st.layout.upper()].lo.backend().data(), e, MPFR_RNDD);
  const std::string text = "undecided at " + std::to_string(bits) + " bits: both sides agree to within 2^" +
                           std::to_string(e);
  if (mpfr_number_p(tol.backend().data()) && mpfr_sgn(tol.backend().data()) > 0) {
    for (claim& c : st.claims) {
      if (!c.tie.empty() || verdict(st, c) != chain_verdict::undecided) continue;
      if (mpfr_cmp(width_up(st.links[c.lhs]).backend().data(), tol.backend().data()) <= 0 &&
          mpfr_cmp(width_up(st.links[c.rhs]).backend().data(), tol.backend().data()) <= 0)
        c.tie = text + " of L*m (equal?); not escalated further";
    }
  }
  for (std::size_t k = 0; k < st.orders.size(); ++k) {
    if (!st.precondition_tie[k].empty() || precondition(st, k) != chain_verdict::undecided) continue;
    if (mpfr_cmp_d(width_up(st.gersh[0][k]).backend().data(), std::ldexp(1.0, static_cast<int>(e))) <= 0)
      st.precondition_tie[k] = "precondition " + text + " of 1 with 0 (equal?); not escalated further";
  }
}

// C(d + r - 1, r) < n: the symmetric r-tensors over R^d (where the rows of X̂^{*r} live) have
// fewer dimensions than there are rows. The partial products C(d-1+t, t) are integers and
// nondecreasing in t, so the loop stops as soon as they reach n.
bool symmetric_power_dim_below(std::size_t d, unsigned r, std::size_t n) {
  if (d == 0) return n > 0;
  long double c = 1;
  for (unsigned t = 1; t <= r; ++t) {
    c = c * static_cast<long double>(d - 1 + t) / t;
    if (c >= static_cast<long double>(n)) return false;
  }
  return c < static_cast<long double>(n);
}

void mark_exact_zero(component& c) {
  c.value = exact_zero();
  c.exact = true;
}

// Structure that fixes eigenvalues exactly (see the header comment).
void apply_structure(const ntk_job& job, chain_state& st, const ntk_outcome* known) {
  const dataset& x = *job.data;
  const std::size_t n = x.n, d = x.d;
  if (dataset_find_parallel_pair(x, job.prep)) {
    st.parallel_pair = true;
    mark_exact_zero(st.K);
    for (auto& c : st.G) mark_exact_zero(c);
    for (auto& row : st.P)
      for (auto& c : row) mark_exact_zero(c);
    return;
  }
  // rank G^(1) = rank X̃ <= d, and <= n - 1 for centred rows (they sum to zero).
  bool g1_singular = n > d || (job.prep.center && n >= 2);
  // Two antiparallel rows (x_j = -c·x_i, c > 0): Ĝ^(1)_ij = -1 and Ĝ^(1)_jk = -Ĝ^(1)_ik, so e_i + e_j
  // is a null vector of G^(1) and of every (Ĝ^(1))^∘r. Found as positively proportional rows after
  // flipping every row to a positive first nonzero entry (exact); without centring only, and for
  // two centred rows, which are always antiparallel.
  bool antiparallel = job.prep.center && n == 2;
  if (!job.prep.center && n >= 2) {
    dataset flipped = x;
    for (std::size_t i = 0; i < n; ++i) {
      double* row = flipped.x.data() + i * d;
      std::size_t f = 0;
      while (f < d && row[f] == 0) ++f;
      if (f < d && row[f] < 0)
        for (std::size_t k = 0; k < d; ++k) row[k] = -row[k];
    }
    antiparallel = dataset_find_parallel_pair(flipped, job.prep).has_value();
  }
  g1_singular = g1_singular || antiparallel;
  if (g1_singular) mark_exact_zero(st.G[0]);
  if (antiparallel && st.depth >= 2)
    for (auto& c : st.P[0]) mark_exact_zero(c);
  if (g1_singular && st.depth == 1) mark_exact_zero(st.K);
  if (known && known->exact_zero) mark_exact_zero(st.K);
  // (Ĝ^(1))^∘r = X̂^{*r}(X̂^{*r})ᵀ has rank <= C(d + r - 1, r); for r = 1 it has the rank of G^(1).
  if (st.depth >= 2) {
    for (std::size_t k = 0; k < st.orders.size(); ++k) {
      const unsigned r = st.orders[k];
      if ((r == 1 && g1_singular) || symmetric_power_dim_below(d, r, n)) mark_exact_zero(st.P[0][k]);
    }
  }
}

std::string layer_label(const char* what, int l) { return std::string("lambda_min(") + what + "^(" + std::to_string(l) + "))"; }

}  // namespace

chain_outcome ntk_chain(const ntk_job& job, const std::vector<unsigned>& orders, const ntk_outcome* known,
                        progress_sink& progress) {
  const auto t0 = clock_type::now();
  if (!job.data) throw std::invalid_argument("ntk_chain: no data");
  if (job.data->n == 0) throw std::invalid_argument("ntk_chain: the data set has no rows");
  chain_outcome out;
  out.orders = chain_normalize_orders(orders);
  chain_state st;
  st.depth = job.depth;
  st.factor = kernel_convention_factor(job.convention, job.data->d, job.depth);  // checks the depth
  st.orders = out.orders;
  const std::size_t K = st.orders.size();
  const int L = st.depth;
  for (unsigned r : st.orders) st.order_is_zero.push_back(hermite::is_zero_order(hermite::activation::relu, r));
  st.layout.k = K;
  dataset_check_rows(*job.data, job.prep);

  st.K.label = layer_label("K", L);
  st.G.resize(static_cast<std::size_t>(L));
  for (int l = 1; l <= L; ++l) st.G[l - 1].label = layer_label("G", l);
  st.P.resize(static_cast<std::size_t>(L - 1), std::vector<component>(K));
  for (int l = 1; l < L; ++l)
    for (std::size_t k = 0; k < K; ++k)
      st.P[l - 1][k].label = "lambda_min(rho^(" + std::to_string(l) + ")^o" + std::to_string(st.orders[k]) + ")";
  st.gersh.assign(gersh_layers(L), std::vector<bounds>(K));
  st.links.assign(st.layout.count(), bounds());
  st.precondition_tie.assign(K, "");

  if (known) {
    bounds b;
    if (known->lower_proved) set_exact(b.lo, known->lower.backend().data());
    if (known->upper_proved) set_exact(b.hi, known->upper.backend().data());
    tighten(st.K.value, b);
    st.K.hint.vector = known->eigenvector;
  }
  apply_structure(job, st, known);

  const link_layout& at = st.layout;
  const std::size_t n = job.data->n;
  // Equalities by construction. N = 1: every matrix is 1 x 1 and Ġ = 1, so K^(L) = Σ_l G^(l) = L·m.
  // N = 2 with λ_min(G^(1)) = 0 exactly: a 2 x 2 unit-diagonal matrix [[1, a], [a, 1]] has
  // λ_min = 1 - |a|, its Gershgorin bound, so every hermite:r term equals the gershgorin:r term.
  const bool schur_equal = L == 1 || n == 1;
  const bool gershgorin_equal = n == 2 && st.G[0].exact;
  st.claims.push_back({at.schur(), at.schur(), at.lambda_min(), schur_equal, {}});
  for (std::size_t k = 0; k < K; ++k) st.claims.push_back({at.hermite(k), at.hermite(k), at.schur(), L == 1, {}});
  st.claims.push_back({at.hermite_all(), at.hermite_all(), at.schur(), L == 1, {}});
  for (std::size_t k = 0; k < K; ++k)
    st.claims.push_back({at.gershgorin(k), at.gershgorin(k), at.hermite(k), gershgorin_equal, {}});
  st.claims.push_back({at.upper(), at.lambda_min(), at.upper(), n == 1, {}});

  const long saved_bits = working_precision_bits();
  try {
    // One precision after another (base/escalation.hpp) until no claim is left that more precision
    // could decide; each attempt computes only what the undecided claims depend on (at first:
    // every component not fixed by structure).
    auto run = escalate(
        escalation_schedule(job.precision),
        [&](long bits) {
          const plan p = next_plan(st);
          if (bits <= binary64_bits) return run_attempt<dinterval>(job, st, p, progress);
          set_working_precision_bits(bits);
          return run_attempt<minterval>(job, st, p, progress);
        },
        [&](chain_attempt& a) {
          out.precision_bits = a.precision_bits;
          mark_ties(st, a.precision_bits);
          return escalation_step::go_on;
        },
        [&] { return all_decided(st); }, progress);
    out.attempts = std::move(run.attempts);
  } catch (...) {
    set_working_precision_bits(saved_bits);
    throw;
  }
  set_working_precision_bits(saved_bits);

  // Assemble the report.
  std::vector<chain_verdict> holds(at.count(), chain_verdict::not_applicable);
  for (const claim& c : st.claims) holds[c.owner] = verdict(st, c);
  auto name_of = [&](std::size_t i) -> std::string {
    if (i == at.lambda_min()) return "lambda_min";
    if (i == at.schur()) return "schur";
    if (i == at.hermite_all()) return "hermite:all";
    if (i == at.upper()) return "upper";
    for (std::size_t k = 0; k < K; ++k) {
      const std::string r = std::to_string(st.orders[k]);
      if (i == at.hermite(k)) return "hermite:" + r;
      if (i == at.gershgorin(k)) return "gershgorin:" + r;
      if (i == at.scale(k)) return "scale:" + r;
    }
    return "?";
  };
  auto claim_of = [&](std::size_t i) -> std::string {
    for (const claim& c : st.claims) {
      if (c.owner != i) continue;
      if (c.lhs == i) return "<= " + name_of(c.rhs);
      return ">= " + name_of(c.lhs);
    }
    return "";
  };
  const bounds& lam = st.links[at.lambda_min()];
  for (std::size_t i = 0; i < at.count(); ++i) {
    chain_link link;
    link.name = name_of(i);
    link.claim = claim_of(i);
    link.lower = st.links[i].lo;
    link.upper = st.links[i].hi;
    link.holds = holds[i];
    if (L == 1 && (i == at.schur() || i == at.hermite_all() || (i >= at.hermite(0) && i < at.hermite_all())))
      link.note = "equal by construction (L = 1: the sums over layers 2..L are empty and K^(1) = G^(1))";
    else if (n == 1 && (i == at.schur() || i == at.upper()))
      link.note = "equal by construction (N = 1: K^(L) = sum of the 1 x 1 matrices G^(l) = L m)";
    else if (gershgorin_equal && i >= at.gershgorin(0) && i < at.scale(0))
      link.note = "equal by construction (N = 2 and lambda_min(G^(1)) = 0: a 2 x 2 unit-diagonal matrix has "
                  "its Gershgorin bound as lambda_min)";
    else if (K == 1 && i == at.hermite_all())
      link.note = "equal to hermite:" + std::to_string(st.orders[0]) + " by construction (one order)";
    if (st.parallel_pair && (i == at.lambda_min() || i == at.schur() || (i >= at.hermite(0) && i <= at.hermite_all())))
      link.note = "0 exactly: two rows are positively proportional, so every G^(l), K^(L) and Hadamard power is singular";
    for (const claim& c : st.claims)
      if (c.owner == i && !c.tie.empty() && link.holds == chain_verdict::undecided)
        link.note += (link.note.empty() ? "" : "; ") + c.tie;
    for (std::size_t k = 0; k < K; ++k) {
      if (i == at.gershgorin(k)) {
        link.precondition = precondition(st, k);
        if (*link.precondition == chain_verdict::undecided && !st.precondition_tie[k].empty())
          link.note += (link.note.empty() ? "" : "; ") + st.precondition_tie[k];
      }
      if (i == at.scale(k)) {
        // ratio = λ_min/m with m > 0 (rows are nonzero); a lower end of m that is not positive
        // leaves the ratio unbounded above.
        link.has_ratio = true;
        const long prec = std::max<long>({53, static_cast<long>(mpfr_get_prec(lam.lo.backend().data())),
                                          static_cast<long>(mpfr_get_prec(lam.hi.backend().data()))});
        mpfr_set_prec(link.ratio_lower.backend().data(), prec);
        mpfr_set_prec(link.ratio_upper.backend().data(), prec);
        const bool lo_nonneg = mpfr_sgn(lam.lo.backend().data()) >= 0;
        const bool hi_nonneg = mpfr_sgn(lam.hi.backend().data()) >= 0;
        mpfr_div(link.ratio_lower.backend().data(), lam.lo.backend().data(),
                 (lo_nonneg ? st.m.hi : st.m.lo).backend().data(), MPFR_RNDD);
        mpfr_div(link.ratio_upper.backend().data(), lam.hi.backend().data(),
                 (hi_nonneg ? st.m.lo : st.m.hi).backend().data(), MPFR_RNDU);
        if (mpfr_sgn(st.m.lo.backend().data()) <= 0 || mpfr_nan_p(link.ratio_lower.backend().data()) ||
            mpfr_nan_p(link.ratio_upper.backend().data())) {
          mpfr_set_inf(link.ratio_lower.backend().data(), -1);
          mpfr_set_inf(link.ratio_upper.backend().data(), 1);
        }
      }
    }
    if (link.holds == chain_verdict::undecided) out.undecided.push_back(link.name);
    if (link.precondition && *link.precondition == chain_verdict::undecided)
      out.undecided.push_back(link.name + " (precondition)");
    out.links.push_back(std::move(link));
  }
  out.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  return out;
}

}  // namespace ntk
