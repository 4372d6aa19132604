#include "driver/ntk_lambda_min.hpp"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <type_traits>

#include "data/checks.hpp"
#include "interval/interval.hpp"
#include "kernel/float_kernel.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "kernel/ntk_tiles.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/lambda_min_lean.hpp"
#include "linalg/dd_convert.hpp"
#include "linalg/midrad.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {

double relative_width(const mreal& lower, const mreal& upper) {
  if (!isfinite(lower) || !isfinite(upper)) return std::numeric_limits<double>::infinity();
  if (lower > upper) return std::numeric_limits<double>::infinity();  // empty: not an enclosure
  if (lower == 0 && upper == 0) return 0.0;
  mreal w, m;
  mpfr_sub(w.backend().data(), upper.backend().data(), lower.backend().data(), MPFR_RNDU);
  mreal al = abs(lower), au = abs(upper);
  m = al > au ? al : au;
  mpfr_div(w.backend().data(), w.backend().data(), m.backend().data(), MPFR_RNDU);
  return mpfr_get_d(w.backend().data(), MPFR_RNDU);
}

bool absorb_attempt(ntk_outcome& best, const ntk_attempt& a) {
  if (a.lower_proved && (!best.lower_proved || a.lower > best.lower)) {
    best.lower = a.lower;
    best.lower_proved = true;
  }
  if (a.upper_proved && (!best.upper_proved || a.upper < best.upper)) {
    best.upper = a.upper;
    best.upper_proved = true;
  }
  return !(best.lower_proved && best.upper_proved && best.lower > best.upper);
}

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// One certification attempt in the tier of I. The hint carries the float eigenpair between tiers.
template <class I>
ntk_attempt attempt_tier(const ntk_job& job, lambda_min_hint& hint, std::vector<double>& vec_out,
                         mreal& vec_upper_out, mreal& shift_out, progress_sink& progress) {
  const auto t0 = clock_type::now();
  const lambda_min_hint* h = hint.vector.empty() ? nullptr : &hint;
  lambda_min_bounds b;
  if constexpr (interval_traits<I>::is_double_tier) {
    // Memory-lean: K^(L) tile by tile straight into the midpoint and radius row sums (ntk_tiles.hpp),
    // then the shift search on it with one factor (lambda_min_lean.hpp).
    kernel_midrad k = ntk_kernel_midrad(*job.data, job.prep, job.depth, job.convention, progress);
    b = lambda_min_enclose_lean(k.store, true, h, progress, job.data->n <= dense_fallback_max_n);
  } else {
    dense_matrix<I> k;
    {
      // The geometry (three n x n interval matrices) is freed before the eigenvalue work.
      geometry<I> g = geometry_compute<I>(*job.data, job.prep, progress);
      k = ntk_compute<I>(g, job.depth, progress);
    }
    apply_convention(k, kernel_which::K, job.convention, job.data->d, job.depth);
    // The precise tier may prove the lower bound by a double-word Cholesky when that is accurate
    // enough for --rtol (lambda_min_options): much faster than MPFR at 128 bits.
    lambda_min_options opt;
    opt.dw_relative_width = job.rtol / 8;
    if constexpr (std::is_same_v<I, ddinterval>) {
      // Double-double tier: the entries (ddinterval) are rounded outward into MPFI at the working
      // precision (dd_tier_mpfr_bits, set by the caller), then the same verified λ_min.
      dense_matrix<minterval> km = to_minterval_matrix(k);
      k = dense_matrix<I>();
      b = lambda_min_enclose_mpfr(km, true, h, progress, opt);
    } else {
      b = lambda_min_enclose_mpfr(k, true, h, progress, opt);
    }
  }
  ntk_attempt a;
  a.precision_bits = interval_traits<I>::precision_bits();
  a.tier = std::is_same_v<I, dinterval> ? "binary64" : std::is_same_v<I, ddinterval> ? "double-double" : "mpfi";
  a.lower = b.lower;
  a.upper = b.upper;
  a.lower_proved = b.lower_proved;
  a.upper_proved = b.upper_proved;
  a.note = b.note;
  a.seconds = seconds_since(t0);
  if (!b.vector.empty()) {
    hint.vector = b.vector;
    hint.value = b.estimate;
    vec_out = b.vector;
    vec_upper_out = b.vector_upper;
  }
  shift_out = b.shift;
  return a;
}

// λ_min = 0 exactly: two positively proportional rows, or the linear kernel of rank-deficient data.
bool exact_zero_case(const ntk_job& job, ntk_outcome& out) {
  const dataset& x = *job.data;
  if (auto pair = dataset_find_parallel_pair(x, job.prep)) {
    out.singular_pair = pair;
    out.exact_zero_reason = "rows " + std::to_string(x.first_row + pair->first + 1) + " and " +
                            std::to_string(x.first_row + pair->second + 1) +
                            " are positively proportional, so K is singular";
    return true;
  }
  if (job.depth == 1 && x.n > x.d) {
    out.exact_zero_reason = "depth 1 kernel XX^T of N > d rows has rank <= d < N";
    return true;
  }
  if (job.depth == 1 && job.prep.center && x.n >= 2) {
    out.exact_zero_reason = "depth 1 kernel of centred rows: the rows sum to zero, so XX^T 1 = 0";
    return true;
  }
  return false;
}

// What plain float64 code says: the closed-form kernel and LAPACK's smallest eigenpair (full), or
// the kernel's Rayleigh quotient at `at` (fast, see ntk_job::float64_method).
// The fast form never stores the n x n float kernel (float_ntk_rayleigh: same entries, rows by
// panels on all cores, summation order of its own).
double float64_lambda_min(const ntk_job& job, std::vector<double>* vec, const std::vector<double>* at = nullptr) {
  const convention_factor f = kernel_convention_factor(job.convention, job.data->d, job.depth);
  if (at) {
    if (at->size() != job.data->n) return std::numeric_limits<double>::quiet_NaN();
    return float_ntk_rayleigh(*job.data, job.prep, job.depth, *at, f.pow2, f.divisor);
  }
  dense_matrix<double> kf = float_ntk<double>(*job.data, job.prep, job.depth);
  for (double& e : kf.data) e = std::ldexp(e, -f.pow2) / f.divisor;
  return float_eig_smallest(kf.data, job.data->n, vec);
}

bool float64_full(const ntk_job& job) {
  switch (job.float64_how) {
    case ntk_job::float64_method::full: return true;
    case ntk_job::float64_method::fast: return false;
    default: return job.data->n <= float64_full_max_n;
  }
}

// K^(L) is positively homogeneous of degree 2 in the data, K(2^-e x) = 2^-2e K(x). Data whose
// magnitude would push Gram entries out of the double range are rescaled by an exact power of two;
// the returned e is 0 when no rescaling is needed or when it would not be exact (a value would
// lose bits as a subnormal). Normalised rows do not depend on the scale at all.
int homogeneity_exponent(const dataset& x, const preprocessing& prep) {
  if (prep.normalize != normalization::none) return 0;
  double m = 0;
  for (double v : x.x) m = std::max(m, std::fabs(v));
  if (!(m > 0) || !std::isfinite(m)) return 0;
  int e = 0;
  std::frexp(m * (x.scale_num / x.scale_den), &e);
  if (e > -100 && e < 100) return 0;
  for (double v : x.x)
    if (std::ldexp(std::ldexp(v, -e), e) != v) return 0;
  return e;
}

void scale_bound(mreal& b, long e2) {
  mpfr_mul_2si(b.backend().data(), b.backend().data(), e2, MPFR_RNDN);  // exact
}

ntk_outcome ntk_lambda_min_scaled(const ntk_job& job, progress_sink& progress);

}  // namespace

long peak_rss_bytes() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return ru.ru_maxrss * 1024L;  // Linux: kilobytes
}

namespace {

// Automatic escalation stops at the double tier above precise_tier_max_n rows (see the header);
// returns whether it did.
bool cap_precise_tier(ntk_job& job) {
  if (!job.precision.automatic || job.data->n <= precise_tier_max_n || job.precision.max_bits <= 53) return false;
  job.precision.max_bits = 53;
  return true;
}

void note_capped(ntk_outcome& out, std::size_t n) {
  if (out.certified || out.exact_zero || out.attempts.empty()) return;
  std::string& note = out.attempts.back().note;
  note += std::string(note.empty() ? "" : "; ") + "the double-double and MPFI tiers were not attempted: N = " + std::to_string(n) +
          " > " + std::to_string(precise_tier_max_n) +
          " (its dense MPFR Cholesky would take hours); a fixed --precision forces it";
}

ntk_outcome ntk_lambda_min_unscaled(const ntk_job& job, progress_sink& progress);

}  // namespace

bool dd_tier_applies(const precision_policy& policy) {
  return policy.automatic && policy.max_bits >= dd_tier_bits;
}

std::vector<long> precision_schedule(const precision_policy& policy) {
  std::vector<long> s = escalation_schedule(policy);
  if (!dd_tier_applies(policy)) return s;
  // binary64, then the double-double tier in place of an MPFI attempt at the same 106 bits.
  std::vector<long> r{s.front()};
  r.push_back(dd_tier_bits);
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i] != dd_tier_bits) r.push_back(s[i]);
  return r;
}

ntk_outcome ntk_lambda_min(const ntk_job& job_in, progress_sink& progress) {
  ntk_job job = job_in;
  const bool capped = cap_precise_tier(job);
  ntk_outcome out = ntk_lambda_min_unscaled(job, progress);
  if (capped) note_capped(out, job.data->n);
  return out;
}

namespace {

ntk_outcome ntk_lambda_min_unscaled(const ntk_job& job, progress_sink& progress) {
  require_binary64_environment();  // every bound below relies on round-to-nearest, gradual underflow
  const int e = homogeneity_exponent(*job.data, job.prep);
  if (e == 0) return ntk_lambda_min_scaled(job, progress);
  dataset scaled = *job.data;
  for (double& v : scaled.x) v = std::ldexp(v, -e);
  ntk_job inner = job;
  inner.data = &scaled;
  ntk_outcome out = ntk_lambda_min_scaled(inner, progress);
  const long e2 = 2L * e;
  scale_bound(out.lower, e2);
  scale_bound(out.upper, e2);
  if (mpfr_number_p(out.shift.backend().data())) scale_bound(out.shift, e2);
  scale_bound(out.eigenvector_upper, e2);
  for (auto& a : out.attempts) {
    scale_bound(a.lower, e2);
    scale_bound(a.upper, e2);
  }
  if (job.float64) {
    const auto tf = clock_type::now();
    const bool full = float64_full(job);
    if (full || !out.eigenvector.empty()) {
      out.float64_lambda_min = float64_lambda_min(job, nullptr, full ? nullptr : &out.eigenvector);
      out.float64_method = full ? "dsyevr" : "rayleigh";
      out.float64_done = true;
      out.float64_seconds = seconds_since(tf);
    }
  }
  return out;
}

ntk_outcome ntk_lambda_min_scaled(const ntk_job& job, progress_sink& progress) {
  const auto t0 = clock_type::now();
  set_working_precision_bits(std::max<long>(64, job.precision.automatic ? 64 : job.precision.fixed_bits));
  ntk_outcome out;
  out.lower = -std::numeric_limits<double>::infinity();
  out.upper = std::numeric_limits<double>::infinity();
  out.eigenvector_upper = std::numeric_limits<double>::infinity();
  dataset_check_rows(*job.data, job.prep);

  lambda_min_hint hint;
  const bool float64_first = job.float64 && float64_full(job);
  if (float64_first) {
    // Full: LAPACK's eigenpair is computed anyway, so it also steers the double tier.
    const auto tf = clock_type::now();
    progress.update("float64 kernel", 0.0);
    out.float64_lambda_min = float64_lambda_min(job, &hint.vector);
    hint.value = out.float64_lambda_min;
    out.float64_done = true;
    out.float64_method = "dsyevr";
    out.float64_seconds = seconds_since(tf);
  }

  if (exact_zero_case(job, out)) {
    out.exact_zero = true;
    out.lower = 0;
    out.upper = 0;
    out.lower_proved = out.upper_proved = true;
    out.certified = true;
    out.precision_bits = 53;
    out.tier = "binary64";
    out.seconds = seconds_since(t0);
    return out;
  }

  // One precision after another (base/escalation.hpp); every attempt's bounds are valid, so the
  // tightest proven ones over all attempts are kept.
  const bool dd = dd_tier_applies(job.precision);
  auto run = escalate(
      precision_schedule(job.precision),
      [&](long bits) {
        if (bits <= binary64_bits)
          return attempt_tier<dinterval>(job, hint, out.eigenvector, out.eigenvector_upper, out.shift, progress);
        if (dd && bits == dd_tier_bits) {
          set_working_precision_bits(dd_tier_mpfr_bits);
          return attempt_tier<ddinterval>(job, hint, out.eigenvector, out.eigenvector_upper, out.shift, progress);
        }
        set_working_precision_bits(bits);
        return attempt_tier<minterval>(job, hint, out.eigenvector, out.eigenvector_upper, out.shift, progress);
      },
      [&](ntk_attempt& a) {
        out.precision_bits = a.precision_bits;
        out.tier = a.tier;
        if (absorb_attempt(out, a)) return escalation_step::go_on;
        // Two proven bounds that contradict each other mean a defect, never a certificate.
        a.note += std::string(a.note.empty() ? "" : "; ") + "empty enclosure (lower > upper): not certified";
        return escalation_step::stop;
      },
      [&] { return out.lower_proved && out.upper_proved && relative_width(out.lower, out.upper) <= job.rtol; },
      progress);
  out.attempts = std::move(run.attempts);
  out.certified = run.end == escalation_end::good_enough;
  out.seconds = seconds_since(t0);
  if (job.float64 && !float64_first && !out.eigenvector.empty()) {
    // Fast: the float64 kernel's Rayleigh quotient at the certified eigenvector (O(N^2)).
    const auto tf = clock_type::now();
    progress.update("float64 kernel", 0.0);
    out.float64_lambda_min = float64_lambda_min(job, nullptr, &out.eigenvector);
    out.float64_done = std::isfinite(out.float64_lambda_min);
    out.float64_method = "rayleigh";
    out.float64_seconds = seconds_since(tf);
  }
  return out;
}

}  // namespace
}  // namespace ntk
