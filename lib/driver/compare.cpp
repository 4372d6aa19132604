#include "driver/compare.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/checks.hpp"
#include "interval/interval.hpp"
#include "kernel/float_kernel.hpp"
#include "kernel/geometry.hpp"
#include "kernel/ntk.hpp"
#include "linalg/float_eig.hpp"

namespace ntk {

namespace {

constexpr double nan_d = std::numeric_limits<double>::quiet_NaN();

template <class T>
entry_comparison compare_entries_impl(const std::vector<T>& values, const entry_bounds& b) {
  if (values.size() != b.n * b.n || b.lower.size() != b.n * b.n || b.upper.size() != b.n * b.n)
    throw std::invalid_argument("compare_entries: sizes disagree");
  entry_comparison c;
  c.entries = values.size();
  for (std::size_t k = 0; k < values.size(); ++k) {
    const double v = static_cast<double>(values[k]);  // exact for float
    if (std::isnan(v)) {
      ++c.nan_count;
      continue;
    }
    const double lo = b.lower[k], hi = b.upper[k];
    double excess;
    if (v < lo) excess = lo - v;
    else if (v > hi) excess = v - hi;
    else continue;
    ++c.entries_outside;
    const double mid = 0.5 * lo + 0.5 * hi;  // halves first: no overflow
    const double rel = mid == 0 ? excess : excess / std::fabs(mid);
    c.max_abs_excess = std::max(c.max_abs_excess, excess);
    c.max_rel_excess = std::max(c.max_rel_excess, rel);
  }
  return c;
}

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// The binary64 outward bounds of the certified K^(L) (convention applied) in the tier of I, and the
// widest entry.
template <class I>
entry_bounds certified_entries(const compare_job& job, double& max_width, progress_sink& progress) {
  entry_bounds b;
  {
    geometry<I> g = geometry_compute<I>(*job.data, job.prep, progress);
    dense_matrix<I> m = kernel_matrix<I>(g, job.depth, kernel_which::K, job.depth, progress);
    apply_convention(m, kernel_which::K, job.convention, job.data->d, job.depth);
    b.n = m.rows;
    b.lower.resize(m.data.size());
    b.upper.resize(m.data.size());
    max_width = 0;
    for (std::size_t k = 0; k < m.data.size(); ++k) {
      b.lower[k] = lower_d(m.data[k]);
      b.upper[k] = upper_d(m.data[k]);
      max_width = std::max(max_width, width_up(m.data[k]));
    }
  }
  return b;
}

template <class T>
float_report run_float(const compare_job& job, bool atan2, const entry_bounds& bounds, const ntk_outcome& cert,
                       progress_sink& progress) {
  const auto t0 = clock_type::now();
  float_report r;
  r.significand_bits = std::numeric_limits<T>::digits;
  r.atan2 = atan2;
  r.name = std::string(atan2 ? "atan2-" : "") + (sizeof(T) == sizeof(float) ? "float32" : "float64");
  progress.update(r.name + " kernel", 0.0);
  float_kernel_options opt;
  opt.use_atan2 = atan2;
  dense_matrix<T> k = float_ntk<T>(*job.data, job.prep, job.depth, opt);
  const convention_factor f = kernel_convention_factor(job.convention, job.data->d, job.depth);
  if (f.pow2 != 0 || f.divisor != 1) {
    const T divisor = static_cast<T>(f.divisor);
    for (T& e : k.data) e = std::ldexp(e, -f.pow2) / divisor;
  }
  r.entries = compare_entries(k.data, bounds);
  const bool finite = std::all_of(k.data.begin(), k.data.end(), [](T e) { return std::isfinite(e); });
  r.lambda_min = nan_d;
  if (finite && bounds.n > 0) {
    progress.update(r.name + " eigenvalues", 0.5);
    const std::vector<T> w = float_eig_all(std::move(k.data), bounds.n);
    const bool ok = !w.empty() && std::all_of(w.begin(), w.end(), [](T e) { return std::isfinite(e); });
    if (ok) {
      r.eigenvalues_done = true;
      r.lambda_min = static_cast<double>(*std::min_element(w.begin(), w.end()));
      r.negative_eigenvalues =
          static_cast<std::size_t>(std::count_if(w.begin(), w.end(), [](T e) { return e < T(0); }));
    }
  }
  r.lambda = compare_lambda_min(r.lambda_min, cert.lower, cert.upper);
  r.seconds = seconds_since(t0);
  return r;
}

}  // namespace

entry_comparison compare_entries(const std::vector<double>& values, const entry_bounds& bounds) {
  return compare_entries_impl(values, bounds);
}

entry_comparison compare_entries(const std::vector<float>& values, const entry_bounds& bounds) {
  return compare_entries_impl(values, bounds);
}

lambda_comparison compare_lambda_min(double value, const mreal& lower, const mreal& upper) {
  lambda_comparison c;
  mpfr_srcptr lo = lower.backend().data(), hi = upper.backend().data();
  if (std::isnan(value) || mpfr_nan_p(lo) || mpfr_nan_p(hi)) {
    c.abs_error = c.rel_error = nan_d;
    return c;
  }
  const mpfr_prec_t prec = std::max<mpfr_prec_t>({mpfr_get_prec(lo), mpfr_get_prec(hi), 53}) + 64;
  mpfr_t dist, mid;
  mpfr_init2(dist, prec);
  mpfr_init2(mid, prec);
  if (mpfr_cmp_d(lo, value) > 0) {
    mpfr_sub_d(dist, lo, value, MPFR_RNDN);
  } else if (mpfr_cmp_d(hi, value) < 0) {
    mpfr_d_sub(dist, value, hi, MPFR_RNDN);
  } else {
    mpfr_set_zero(dist, 1);
    c.inside = true;
  }
  c.abs_error = mpfr_get_d(dist, MPFR_RNDN);
  if (!mpfr_number_p(lo) || !mpfr_number_p(hi)) {
    c.rel_error = nan_d;
  } else {
    mpfr_add(mid, lo, hi, MPFR_RNDN);
    mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
    if (mpfr_zero_p(mid)) {
      c.rel_error = c.abs_error;
    } else {
      mpfr_abs(mid, mid, MPFR_RNDN);
      mpfr_div(dist, dist, mid, MPFR_RNDN);
      c.rel_error = mpfr_get_d(dist, MPFR_RNDN);
    }
  }
  mpfr_clear(dist);
  mpfr_clear(mid);
  return c;
}

compare_outcome compare_float_kernels(const compare_job& job, progress_sink& progress) {
  if (job.data == nullptr) throw std::invalid_argument("compare_float_kernels: no data");
  dataset_check_rows(*job.data, job.prep);
  compare_outcome out;

  ntk_job nj;
  nj.data = job.data;
  nj.prep = job.prep;
  nj.depth = job.depth;
  nj.convention = job.convention;
  nj.precision = job.precision;
  nj.rtol = job.rtol;
  nj.float64 = false;  // the float side is computed below, with all eigenvalues
  out.certified = ntk_lambda_min(nj, progress);

  // Entries at the precision the λ_min certification ended with.
  out.entries_precision_bits = out.certified.precision_bits;
  entry_bounds bounds;
  if (out.entries_precision_bits <= 53) {
    out.entries_precision_bits = 53;
    bounds = certified_entries<dinterval>(job, out.max_entry_width, progress);
  } else {
    // The double-double tier hands its entries to the λ_min step as MPFI at dd_tier_mpfr_bits, so
    // the entries are reported at that precision (certify kernel --precision reproduces them).
    if (out.certified.tier == "double-double") out.entries_precision_bits = dd_tier_mpfr_bits;
    out.entries_precision_bits = set_working_precision_bits(out.entries_precision_bits);
    bounds = certified_entries<minterval>(job, out.max_entry_width, progress);
  }

  out.floats.push_back(run_float<double>(job, false, bounds, out.certified, progress));
  out.floats.push_back(run_float<float>(job, false, bounds, out.certified, progress));
  out.floats.push_back(run_float<double>(job, true, bounds, out.certified, progress));
  out.floats.push_back(run_float<float>(job, true, bounds, out.certified, progress));
  return out;
}

}  // namespace ntk
