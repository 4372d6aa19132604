#include "empirical/empirical.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "base/escalation.hpp"
#include "data/checks.hpp"
#include "interval/interval.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk {

const char* bound_verdict_name(bound_verdict v) {
  switch (v) {
    case bound_verdict::holds: return "true";
    case bound_verdict::fails: return "false";
    default: return "undecided";
  }
}

std::optional<std::vector<beta_square>> init_beta_sq(const network& net) {
  const std::string& s = net.source;
  if (s.rfind("random:", 0) != 0) return std::nullopt;
  std::string init = "he";
  const auto p = s.find("init=");
  if (p != std::string::npos) init = s.substr(p + 5, s.find('&', p) == std::string::npos ? std::string::npos : s.find('&', p) - p - 5);
  std::vector<beta_square> b(net.depth());
  for (std::size_t l = 1; l <= net.depth(); ++l) {
    const double nin = static_cast<double>(net.widths[l - 1]);
    if (init == "he") b[l - 1] = {2.0, nin};
    else if (init == "lecun") b[l - 1] = {1.0, nin};
    else if (init == "normal") b[l - 1] = {1.0, 1.0};
    else return std::nullopt;
  }
  return b;
}

namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

mreal mreal_of(double v) {
  mreal r;
  mpfr_set_d(r.backend().data(), v, MPFR_RNDN);
  return r;
}

template <class I>
mbound bound_of(const I& x) {
  mbound b;
  if constexpr (interval_traits<I>::is_double_tier) {
    b.lower = mreal_of(x.lo);
    b.upper = mreal_of(x.hi);
  } else {
    mpfr_set_prec(b.lower.backend().data(), mpfi_get_prec(mpfi_of(x)));
    mpfr_set_prec(b.upper.backend().data(), mpfi_get_prec(mpfi_of(x)));
    mpfr_set(b.lower.backend().data(), &mpfi_of(x)->left, MPFR_RNDD);
    mpfr_set(b.upper.backend().data(), &mpfi_of(x)->right, MPFR_RNDU);
  }
  return b;
}

// [min_i lower, min_i upper] of enclosures: contains min_i of the values.
template <class I>
mbound min_of(const std::vector<I>& v) {
  mbound b = bound_of(v.at(0));
  for (std::size_t i = 1; i < v.size(); ++i) {
    mbound c = bound_of(v[i]);
    if (c.lower < b.lower) b.lower = c.lower;
    if (c.upper < b.upper) b.upper = c.upper;
  }
  return b;
}

// Rows i < j whose stored values are identical (so are their preprocessed rows): the first pair.
std::optional<std::pair<std::size_t, std::size_t>> identical_rows(const dataset& x) {
  std::map<std::vector<double>, std::size_t> seen;
  for (std::size_t i = 0; i < x.n; ++i) {
    std::vector<double> r(x.row(i), x.row(i) + x.d);
    for (double& v : r)
      if (v == 0) v = 0.0;  // -0 == +0
    auto [it, inserted] = seen.emplace(std::move(r), i);
    if (!inserted) return std::make_pair(it->second, i);
  }
  return std::nullopt;
}

// Rows that make every feature matrix (and K̄) singular: identical rows, or, without biases (then
// f_k and b_k are positively homogeneous of degree 1 and 0), positively proportional rows.
std::optional<std::pair<std::size_t, std::size_t>> singular_pair(const network& net, const dataset& x,
                                                                 const preprocessing& prep) {
  if (!net.has_biases) return dataset_find_parallel_pair(x, prep);
  if (prep.normalize != normalization::none && !prep.center) return dataset_find_parallel_pair(x, prep);
  return identical_rows(x);
}

std::size_t parameter_count(const network& net) {
  std::size_t p = 0;
  for (std::size_t l = 1; l <= net.depth(); ++l) p += net.rows(l) * net.cols(l) + (net.has_biases ? net.rows(l) : 0);
  return p;
}

template <class I>
bool is_point_zero(const I& x) {
  return lower_d(x) == 0 && upper_d(x) == 0;
}

struct tier_result {
  lambda_min_bounds b;
  bool exact_zero = false;
  std::string reason;
};

// λ_min of a PSD interval matrix, with a structural exact zero when one is known.
template <class I>
tier_result enclose_psd(const dense_matrix<I>& A, const lambda_min_hint* hint, progress_sink& progress) {
  tier_result r;
  for (std::size_t i = 0; i < A.rows; ++i)
    if (is_point_zero(A(i, i))) {
      r.exact_zero = true;
      r.reason = "diagonal entry " + std::to_string(i + 1) + " is exactly 0 (a PSD matrix with a zero diagonal entry is singular)";
      return r;
    }
  r.b = lambda_min_enclose<I>(A, true, hint, progress);
  return r;
}

mbound zero_bound() {
  mbound b;
  b.lower = 0;
  b.upper = 0;
  return b;
}

bool meets(const mbound& b, double rtol) { return relative_width(b.lower, b.upper) <= rtol; }

void finish_schur(empirical_outcome& out);
double mpfi_cost(const network& net, std::size_t N);

// The layer decomposition from one tier's parts.
template <class I>
void fill_layers(const empirical_job& job, const empirical_parts<I>& parts, empirical_outcome& out,
                 progress_sink& progress) {
  const network& net = *job.net;
  const dataset& x = *job.data;
  const std::size_t N = x.n, L = net.depth();
  const auto pair = singular_pair(net, x, job.prep);
  out.layers.clear();
  for (std::size_t k = 0; k < L; ++k) {
    empirical_layer e;
    e.k = k;
    std::string zero;
    const std::size_t nk = net.widths[k];
    if (nk < N) zero = "F_k has n_k = " + std::to_string(nk) + " < N = " + std::to_string(N) + " columns";
    else if (parts.live_feature_columns[k] < N)
      zero = "only " + std::to_string(parts.live_feature_columns[k]) + " < N = " + std::to_string(N) +
             " columns of F_k are not exactly zero (dead units)";
    else if (pair) zero = "rows " + std::to_string(x.first_row + pair->first + 1) + " and " + std::to_string(x.first_row + pair->second + 1) + " give proportional features";
    else if (k == 0 && job.prep.center && N >= 2) zero = "the centred rows sum to zero";
    else
      for (std::size_t i = 0; i < N && zero.empty(); ++i)
        if (parts.zero_feature_rows[k][i]) zero = "row " + std::to_string(i + 1) + " of F_k is exactly zero";
    if (!zero.empty()) {
      e.gram_lambda_min = zero_bound();
      e.gram_certified = true;
      e.gram_note = "exactly 0: " + zero;
    } else {
      progress.update("empirical: gram lambda_min " + std::to_string(k), 0.0);
      tier_result t = enclose_psd<I>(parts.feature_gram[k], nullptr, progress);
      if (t.exact_zero) {
        e.gram_lambda_min = zero_bound();
        e.gram_certified = true;
        e.gram_note = "exactly 0: " + t.reason;
      } else {
        e.gram_lambda_min = {t.b.lower, t.b.upper};
        e.gram_certified = t.b.lower_proved && t.b.upper_proved && meets(e.gram_lambda_min, job.rtol);
        e.gram_note = t.b.note;
      }
    }
    e.backward_min_sq = min_of(parts.backward_sq[k]);
    out.layers.push_back(e);
  }
  finish_schur(out);
}

// Recomputes each layer's term gram·bms and their sum Jlb.
void finish_schur(empirical_outcome& out) {
  for (auto& e : out.layers) {
    // term = gram · bms, both >= 0 (gram's lower may be clamped at 0 by known_psd).
    mreal gl = e.gram_lambda_min.lower > 0 ? e.gram_lambda_min.lower : mreal(0);
    mreal bl = e.backward_min_sq.lower > 0 ? e.backward_min_sq.lower : mreal(0);
    mpfr_mul(e.term.lower.backend().data(), gl.backend().data(), bl.backend().data(), MPFR_RNDD);
    mpfr_mul(e.term.upper.backend().data(), e.gram_lambda_min.upper.backend().data(),
             e.backward_min_sq.upper.backend().data(), MPFR_RNDU);
  }
  out.schur.lower = 0;
  out.schur.upper = 0;
  for (const auto& e : out.layers) {
    mpfr_add(out.schur.lower.backend().data(), out.schur.lower.backend().data(), e.term.lower.backend().data(), MPFR_RNDD);
    mpfr_add(out.schur.upper.backend().data(), out.schur.upper.backend().data(), e.term.upper.backend().data(), MPFR_RNDU);
  }
  out.layers_computed = true;
}

// Layer Gram enclosures wider than rtol are recomputed in the MPFI tier (128, 256, ... bits) when
// its cost allows; each new enclosure is intersected with the old one (both contain the value).
void refine_layers(const empirical_job& job, empirical_outcome& out, progress_sink& progress) {
  auto pending = [&] {
    for (const auto& e : out.layers)
      if (!e.gram_certified) return true;
    return false;
  };
  if (!pending() || !job.precision.automatic || mpfi_cost(*job.net, job.data->n) > job.max_layer_mpfi_operations) return;
  auto refine = [&](long bits) {
    set_working_precision_bits(bits);
    const empirical_parts<minterval> mp = empirical_kernel<minterval>(*job.net, *job.data, job.prep, progress);
    for (auto& e : out.layers) {
      if (e.gram_certified) continue;
      tier_result t = enclose_psd<minterval>(mp.feature_gram[e.k], nullptr, progress);
      if (t.exact_zero) {
        e.gram_lambda_min = zero_bound();
        e.gram_certified = true;
        e.gram_note = "exactly 0: " + t.reason;
        continue;
      }
      if (t.b.lower_proved && t.b.lower > e.gram_lambda_min.lower) e.gram_lambda_min.lower = t.b.lower;
      if (t.b.upper_proved && t.b.upper < e.gram_lambda_min.upper) e.gram_lambda_min.upper = t.b.upper;
      e.gram_certified = meets(e.gram_lambda_min, job.rtol);
      e.gram_note = e.gram_certified ? "MPFI at " + std::to_string(bits) + " bits" : t.b.note;
    }
    return bits;
  };
  escalate(doubling_schedule_upto(128, job.precision.max_bits), refine, [](long&) { return escalation_step::go_on; },
           [&] { return !pending(); }, progress);
  finish_schur(out);
}

// The limit matrix of docs/math.md §5 for these widths and β in tier I.
template <class I>
class limit_visitor final : public layer_visitor<I> {
 public:
  explicit limit_visitor(std::vector<I> c) : c_(std::move(c)) {}
  void layer(int l, const dense_matrix<I>& rho, const dense_matrix<I>&, const dense_matrix<I>&,
             const dense_matrix<I>* gdot, const dense_matrix<I>&) override {
    const I& cl = c_[static_cast<std::size_t>(l - 1)];
    if (l == 1) {
      H = dense_matrix<I>(rho.rows, rho.cols);
      for (std::size_t t = 0; t < rho.data.size(); ++t) H.data[t] = cl * rho.data[t];
      return;
    }
    for (std::size_t t = 0; t < rho.data.size(); ++t) H.data[t] = cl * rho.data[t] + H.data[t] * gdot->data[t];
  }
  dense_matrix<I> H;

 private:
  std::vector<I> c_;
};

template <class I>
double mid_of(const I& x) {
  return 0.5 * lower_d(x) + 0.5 * upper_d(x);
}

template <class I>
void fill_infinite(const empirical_job& job, const empirical_parts<I>& parts, empirical_outcome& out,
                   progress_sink& progress) {
  using tr = interval_traits<I>;
  const network& net = *job.net;
  const std::size_t L = net.depth(), N = job.data->n;
  if (!job.beta_sq) {
    out.infinite.note = "the initialisation scales beta_l are not known for this network (estimated nothing)";
    return;
  }
  if (net.has_biases) {
    out.infinite.note = "the network has biases; the limit of docs/math.md section 5 is for networks without biases";
    return;
  }
  const auto& beta = *job.beta_sq;
  std::vector<I> b2(L);
  for (std::size_t l = 0; l < L; ++l) b2[l] = tr::point(beta[l].num) / tr::point(beta[l].den);
  std::vector<I> c(L);
  for (std::size_t l = 0; l < L; ++l) {
    I p = tr::point(1.0);
    for (std::size_t m = 0; m < L; ++m)
      if (m != l) p = p * b2[m];
    c[l] = p;
  }
  I pref = tr::point(1.0);
  for (std::size_t l = 1; l < L; ++l) pref = pref * (tr::point(static_cast<double>(net.widths[l])) / 2.0);
  geometry<I> g = geometry_compute<I>(*job.data, job.prep, progress);
  limit_visitor<I> vis(c);
  ntk_compute<I>(g, static_cast<int>(L), progress, &vis);
  dense_matrix<I> Kinf(N, N);
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = 0; j < N; ++j) Kinf(i, j) = pref * vis.H(i, j) * pair_scale(g, i, j);
  double num = 0, den = 0;
  for (std::size_t t = 0; t < N * N; ++t) {
    const double a = mid_of(parts.K.data[t]), b = mid_of(Kinf.data[t]);
    num += (a - b) * (a - b);
    den += b * b;
  }
  out.infinite.relative_frobenius_distance = std::sqrt(num / den);
  tier_result t = enclose_psd<I>(Kinf, nullptr, progress);
  if (t.exact_zero) {
    out.infinite.lambda_min = zero_bound();
    out.infinite.lambda_certified = true;
  } else {
    out.infinite.lambda_min = {t.b.lower, t.b.upper};
    out.infinite.lambda_certified = t.b.lower_proved && t.b.upper_proved && meets(out.infinite.lambda_min, job.rtol);
    if (!t.b.note.empty()) out.infinite.note = t.b.note;
  }
  out.infinite.computed = true;
}

template <class I>
void fill_summary(const empirical_parts<I>& parts, empirical_outcome& out) {
  std::vector<I> diag(parts.n);
  for (std::size_t i = 0; i < parts.n; ++i) diag[i] = parts.K(i, i);
  out.diagonal_min = min_of(diag);
  out.activations = parts.activations;
  out.method = parts.method;
}

double mpfi_cost(const network& net, std::size_t N) {
  double c = 0;
  for (std::size_t l = 1; l <= net.depth(); ++l) c += 2.0 * N * net.rows(l) * net.cols(l);
  for (std::size_t k = 0; k < net.depth(); ++k) c += 0.5 * N * N * (net.widths[k] + net.widths[k + 1]);
  return c;
}

}  // namespace

empirical_outcome empirical_lambda_min(const empirical_job& job, progress_sink& progress) {
  const auto t0 = clock_type::now();
  if (!job.net || !job.data) throw std::invalid_argument("empirical_lambda_min: no network or no data");
  const network& net = *job.net;
  const dataset& x = *job.data;
  set_working_precision_bits(std::max<long>(64, job.precision.automatic ? 64 : job.precision.fixed_bits));
  dataset_check_rows(x, job.prep);
  empirical_outcome out;
  ntk_outcome& lam = out.lambda;
  lam.lower = -std::numeric_limits<double>::infinity();
  lam.upper = std::numeric_limits<double>::infinity();
  lam.eigenvector_upper = std::numeric_limits<double>::infinity();
  out.parameters = parameter_count(net);

  // Structural exact zeros of λ_min(K̄).
  std::string zero_reason;
  std::optional<std::pair<std::size_t, std::size_t>> zero_pair;
  if (auto p = singular_pair(net, x, job.prep)) {
    zero_pair = p;
    zero_reason = "rows " + std::to_string(x.first_row + p->first + 1) + " and " + std::to_string(x.first_row + p->second + 1) +
                  (net.has_biases ? " are identical after preprocessing" : " are positively proportional after preprocessing") +
                  ", so the Jacobian has two proportional rows";
  } else if (net.depth() == 1 && !net.has_biases && job.prep.center && x.n >= 2) {
    zero_reason = "depth 1 without biases: K = X Xᵀ of centred rows, which sum to zero, so K 1 = 0";
  } else if (out.parameters < x.n) {
    zero_reason = "N = " + std::to_string(x.n) + " rows exceed the P = " + std::to_string(out.parameters) +
                  " parameters: rank(J) <= P < N";
  }

  lambda_min_hint hint;
  bool double_parts_done = false;
  empirical_parts<dinterval> dparts;
  // One precision after another (base/escalation.hpp). The binary64 tier always runs (it also
  // feeds the layer report) unless a precision is fixed.
  bool mpfi_skipped = false;
  auto run = escalate(
      escalation_schedule(job.precision),
      [&](long bits) -> std::optional<ntk_attempt> {
        ntk_attempt a;
        a.precision_bits = bits;
        const auto ta = clock_type::now();
        tier_result t;
        if (bits <= binary64_bits) {
          const auto tk = clock_type::now();
          dparts = empirical_kernel_fast(net, x, job.prep, progress);
          out.kernel_seconds = seconds_since(tk);
          double_parts_done = true;
          fill_summary(dparts, out);
          if (!zero_reason.empty()) return std::nullopt;
          t = enclose_psd<dinterval>(dparts.K, nullptr, progress);
        } else {
          if (!zero_reason.empty()) return std::nullopt;
          const double cost = mpfi_cost(net, x.n);
          if (cost > job.max_mpfi_operations) {
            a.note = "MPFI tier skipped: about " + std::to_string(static_cast<long long>(cost)) +
                     " interval operations, above the limit of " + std::to_string(static_cast<long long>(job.max_mpfi_operations));
            a.lower = -std::numeric_limits<double>::infinity();
            a.upper = std::numeric_limits<double>::infinity();
            mpfi_skipped = true;  // recorded, then the escalation stops
            return a;
          }
          set_working_precision_bits(bits);
          empirical_parts<minterval> mparts = empirical_kernel<minterval>(net, x, job.prep, progress);
          fill_summary(mparts, out);
          if (!double_parts_done && job.layers) fill_layers(job, mparts, out, progress);
          t = enclose_psd<minterval>(mparts.K, hint.vector.empty() ? nullptr : &hint, progress);
          if (!double_parts_done && job.infinite_width) fill_infinite(job, mparts, out, progress);
        }
        if (t.exact_zero) {
          zero_reason = t.reason;
          return std::nullopt;
        }
        a.lower = t.b.lower;
        a.upper = t.b.upper;
        a.lower_proved = t.b.lower_proved;
        a.upper_proved = t.b.upper_proved;
        a.note = t.b.note;
        a.seconds = seconds_since(ta);
        if (!t.b.vector.empty()) {
          hint.vector = t.b.vector;
          hint.value = t.b.estimate;
          lam.eigenvector = t.b.vector;
          lam.eigenvector_upper = t.b.vector_upper;
        }
        if (bits <= binary64_bits) {
          lam.float64_lambda_min = t.b.estimate;
          lam.float64_done = std::isfinite(t.b.estimate);
        }
        lam.shift = t.b.shift;
        return a;
      },
      [&](ntk_attempt& a) {
        if (mpfi_skipped) return escalation_step::stop;
        // An empty intersection only fails the width test below (relative_width is +inf).
        (void)absorb_attempt(lam, a);
        lam.precision_bits = a.precision_bits;
        return escalation_step::go_on;
      },
      [&] {
        return out.activations.undecided == 0 && lam.lower_proved && lam.upper_proved &&
               relative_width(lam.lower, lam.upper) <= job.rtol;
      },
      progress);
  lam.attempts = std::move(run.attempts);
  lam.certified = run.end == escalation_end::good_enough;
  if (!zero_reason.empty() && out.activations.undecided == 0) {
    lam.exact_zero = true;
    lam.exact_zero_reason = zero_reason;
    lam.singular_pair = zero_pair;
    lam.lower = 0;
    lam.upper = 0;
    lam.lower_proved = lam.upper_proved = true;
    lam.certified = true;
    if (lam.precision_bits == 0) lam.precision_bits = 53;
  }
  lam.seconds = seconds_since(t0);

  if (double_parts_done) {
    if (job.layers) {
      const auto tl = clock_type::now();
      fill_layers(job, dparts, out, progress);
      refine_layers(job, out, progress);
      out.layers_seconds = seconds_since(tl);
    }
    if (job.infinite_width) {
      const auto ti = clock_type::now();
      fill_infinite(job, dparts, out, progress);
      out.infinite_seconds = seconds_since(ti);
    }
  }
  if (out.layers_computed) {
    // Depth 1 (the linear model): K̄ = F_0F_0ᵀ (+ 11ᵀ) and Jlb = λ_min(F_0F_0ᵀ) <= λ_min(K̄) by construction.
    if (net.depth() == 1) out.schur_holds = bound_verdict::holds;
    else if (lam.lower_proved && out.schur.upper <= lam.lower) out.schur_holds = bound_verdict::holds;
    else if (lam.upper_proved && out.schur.lower > lam.upper) out.schur_holds = bound_verdict::fails;
  }
  if (lam.upper_proved && lam.upper <= out.diagonal_min.lower) out.diagonal_holds = bound_verdict::holds;
  else if (lam.lower_proved && lam.lower > out.diagonal_min.upper) out.diagonal_holds = bound_verdict::fails;
  return out;
}

}  // namespace ntk
