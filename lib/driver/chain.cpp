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
#include "driver/chain_state.hpp"
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
using namespace chain_detail;

namespace {

using clock_type = std::chrono::steady_clock;

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
