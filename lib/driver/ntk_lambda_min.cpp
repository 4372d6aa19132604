#include "driver/ntk_lambda_min.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "data/checks.hpp"
#include "interval/interval.hpp"
#include "kernel/float_kernel.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "linalg/float_eig.hpp"
#include "linalg/lambda_min.hpp"
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
  dense_matrix<I> k;
  {
    // The geometry (three n x n interval matrices) is freed before the eigenvalue work.
    geometry<I> g = geometry_compute<I>(*job.data, job.prep, progress);
    k = ntk_compute<I>(g, job.depth, progress);
  }
  apply_convention(k, kernel_which::K, job.convention, job.data->d, job.depth);
  lambda_min_bounds b = lambda_min_enclose<I>(k, true, hint.vector.empty() ? nullptr : &hint, progress);
  ntk_attempt a;
  a.precision_bits = interval_traits<I>::precision_bits();
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
double float64_lambda_min(const ntk_job& job, std::vector<double>* vec, const std::vector<double>* at = nullptr) {
  dense_matrix<double> kf = float_ntk<double>(*job.data, job.prep, job.depth);
  const convention_factor f = kernel_convention_factor(job.convention, job.data->d, job.depth);
  for (double& e : kf.data) e = std::ldexp(e, -f.pow2) / f.divisor;
  if (at) {
    const std::size_t n = job.data->n;
    if (at->size() != n) return std::numeric_limits<double>::quiet_NaN();
    return rayleigh_float(kf.data.data(), n, *at).rho;
  }
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

ntk_outcome ntk_lambda_min(const ntk_job& job, progress_sink& progress) {
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

namespace {

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
    out.seconds = seconds_since(t0);
    return out;
  }

  std::vector<long> schedule;
  if (job.precision.automatic) {
    schedule.push_back(53);
    for (long b = 128; b <= job.precision.max_bits; b *= 2) schedule.push_back(b);
    if (schedule.back() != job.precision.max_bits && job.precision.max_bits > 53)
      schedule.push_back(job.precision.max_bits);
  } else {
    schedule.push_back(job.precision.fixed_bits);
  }

  for (long bits : schedule) {
    ntk_attempt a;
    if (bits <= 53) {
      a = attempt_tier<dinterval>(job, hint, out.eigenvector, out.eigenvector_upper, out.shift, progress);
    } else {
      set_working_precision_bits(bits);
      a = attempt_tier<minterval>(job, hint, out.eigenvector, out.eigenvector_upper, out.shift, progress);
    }
    out.attempts.push_back(a);
    // Keep the tightest proven bounds over all attempts (each is a valid enclosure).
    if (a.lower_proved && (!out.lower_proved || a.lower > out.lower)) {
      out.lower = a.lower;
      out.lower_proved = true;
    }
    if (a.upper_proved && (!out.upper_proved || a.upper < out.upper)) {
      out.upper = a.upper;
      out.upper_proved = true;
    }
    out.precision_bits = a.precision_bits;
    if (out.lower_proved && out.upper_proved && out.lower > out.upper) {
      // Two proven bounds that contradict each other mean a defect, never a certificate.
      a.note += std::string(a.note.empty() ? "" : "; ") + "empty enclosure (lower > upper): not certified";
      out.attempts.back().note = a.note;
      break;
    }
    if (out.lower_proved && out.upper_proved && relative_width(out.lower, out.upper) <= job.rtol) {
      out.certified = true;
      break;
    }
  }
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
