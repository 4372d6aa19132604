// lambda_min_enclose / prove_lambda_min_greater for the MPFR tier (minterval entries): the
// algorithm (estimate -> shift -> Cholesky test -> refinement -> Rayleigh upper bound -> notes).
// Building blocks in mp_parts.hpp; the factorisation backend (MPFR at the working precision, or
// double-word when its constant is small enough, docs/numerics.md "Double-word Cholesky") in
// precise_factor.hpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "linalg/lambda_min.hpp"
#include "linalg/mp_parts.hpp"
#include "linalg/precise_factor.hpp"

namespace ntk {

using namespace mp_detail;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
}  // namespace

template <>
lambda_min_bounds lambda_min_enclose<minterval>(const dense_matrix<minterval>& A, bool known_psd,
                                                const lambda_min_hint* hint,
                                                progress_sink& progress) {
  return lambda_min_enclose_mpfr(A, known_psd, hint, progress, lambda_min_options{});
}

lambda_min_bounds lambda_min_enclose_mpfr(const dense_matrix<minterval>& A, bool known_psd,
                                          const lambda_min_hint* hint, progress_sink& progress,
                                          const lambda_min_options& options) {
  if (A.rows != A.cols) throw std::invalid_argument("lambda_min_enclose: matrix is not square");
  if (A.rows == 0) throw std::invalid_argument("lambda_min_enclose: empty matrix");
  const std::size_t n = A.rows;
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  lambda_min_bounds out;
  out.precision_bits = p;
  out.lower = mreal_from(-inf, p);
  out.upper = mreal_from(inf, p);
  out.vector_upper = mreal_from(inf, p);
  out.shift = mreal_from(-inf, p);

  progress.update("lambda_min: midpoint-radius form", 0.0);
  const mp_enclosure E = make_enclosure(A, p);
  if (!E.d.consistent) append_note(out.note, "some A(i,j), A(j,i) were disjoint; their hull was used");
  if (!E.d.finite) {
    append_note(out.note, "matrix has non-finite entries");
    clamp_psd(out, known_psd, p);
    return out;
  }
  const double r = offdiag_radius_bound(E.d);

  // Starting vector: the hint, else LAPACK on the binary64 image of the midpoint.
  progress.update("lambda_min: eigen-estimate", 0.02);
  const bool use_hint = lambda_min_hint_usable(hint, n);
  binary64_estimate est;
  if (use_hint) {
    est.vector = hint->vector;
  } else {
    est = lapack_estimate(E.d);
  }
  mp_array v(n, p);
  for (std::size_t i = 0; i < n; ++i) mpfr_set_d(v[i], est.vector[i], MPFR_RNDN);
  mp_scalar rho(p), sigma(p), t(p), best_t(p), delta(p);
  mp_rayleigh ray = rayleigh_mp(E, v, rho);
  refine_with_binary64_factor(E, v, rho, ray, est.gap, progress);

  // First Cholesky: a margin covering the starting vector's residual. It proves a (loose) lower
  // bound and gives the factor for inverse iteration at full precision.
  precise_factor factor(E, r);
  bool have_factor = false, proved_dw = false;
  std::string why;
  mpfr_set_inf(best_t, -1);
  const double dw_fraction = std::min(options.dw_relative_width, 0x1p-30);
  const auto use_dw = [&](double est) {
    return dw_fraction > 0 && factor.dw_fits(est, dw_fraction * std::fabs(est));
  };
  bool dw = use_dw(mpfr_get_d(rho, MPFR_RNDN));
  double margin = first_margin(E, mpfr_get_d(rho, MPFR_RNDN), ray.residual, factor.bits(dw));
  for (int attempt = 0; attempt < 5 && !have_factor; ++attempt) {
    if (attempt == 2 && use_hint) {  // the hint did not work out: restart from LAPACK
      est = lapack_estimate(E.d);
      for (std::size_t i = 0; i < n; ++i) mpfr_set_d(v[i], est.vector[i], MPFR_RNDN);
      ray = rayleigh_mp(E, v, rho);
      refine_with_binary64_factor(E, v, rho, ray, est.gap, progress);
      dw = use_dw(mpfr_get_d(rho, MPFR_RNDN));
      margin = first_margin(E, mpfr_get_d(rho, MPFR_RNDN), ray.residual, factor.bits(dw));
    }
    if (!std::isfinite(margin)) break;
    mpfr_set_d(delta, margin, MPFR_RNDU);
    mpfr_sub(sigma, rho, delta, MPFR_RNDN);
    mp_test_result res = factor.test(sigma, t, progress, dw);
    if (!res.success && dw && factor.last_was_dw() && res.note.find("broke down") == std::string::npos) {
      append_note(out.note, "double-word test refused (" + res.note + "), MPFR used");
      dw = false;
      res = factor.test(sigma, t, progress, dw);
    }
    if (res.success) {
      have_factor = true;
      proved_dw = factor.last_was_dw();
      mpfr_set(best_t, t, MPFR_RNDD);
    } else {
      why = res.note;
      margin = margin * 16 + (attempt >= 2 ? std::fabs(mpfr_get_d(rho, MPFR_RNDN)) * 0x1p-20 : 0.0);
    }
  }

  mp_array v_ref(n, p);
  v_ref.copy_from(v);
  if (have_factor) {
    // Rounds of inverse iteration at precision p with the factor of the last successful test,
    // then a new test just below the improved estimate (which also gives a closer-shifted factor).
    // Only needed when the binary64-preconditioned refinement could not separate lambda_1 from
    // its neighbours (gaps below the binary64 resolution).
    mp_scalar rho2(p), rho3(p);
    mpfr_set(rho2, rho, MPFR_RNDN);
    mp_rayleigh ray2 = ray;
    double margin_last = margin;
    double maxabs = 0;
    for (double x : E.d.mid) maxabs = std::max(maxabs, std::fabs(x));
    const double floor = 8 * static_cast<double>(n) * std::ldexp(maxabs, -static_cast<int>(p));
    mp_array x(n, p);
    for (int round = 0; round < 3; ++round) {
      for (int it = 0; it < 40 && ray2.residual > floor; ++it) {
        x.copy_from(v_ref);
        factor.solve(x);
        const mp_rayleigh ray3 = rayleigh_mp(E, x, rho3);
        if (!(ray3.residual < 0.9 * ray2.residual)) break;
        v_ref.copy_from(x);
        mpfr_set(rho2, rho3, MPFR_RNDN);
        ray2 = ray3;
      }
      double margin2 = first_margin(E, mpfr_get_d(rho2, MPFR_RNDN), ray2.residual, factor.bits(dw));
      bool improved = false;
      for (int attempt = 0; attempt < 2 && margin2 < margin_last / 4; ++attempt, margin2 *= 16) {
        mpfr_set_d(delta, margin2, MPFR_RNDU);
        mpfr_sub(sigma, rho2, delta, MPFR_RNDN);
        const mp_test_result res = factor.test(sigma, t, progress, dw);
        if (res.success) {
          if (mpfr_cmp(t, best_t) > 0) {
            mpfr_set(best_t, t, MPFR_RNDD);
            proved_dw = factor.last_was_dw();
          }
          margin_last = margin2;
          improved = true;
          break;
        }
      }
      if (!improved) break;  // (a failed test also spoilt the factor)
    }
    mpfr_set(rho, rho2, MPFR_RNDN);
  }
  out.estimate = mpfr_get_d(rho, MPFR_RNDN);
  if (have_factor) {
    out.lower_proved = true;
    out.lower = mreal_from(best_t, p, MPFR_RNDD);
    out.shift = mreal_from(best_t, p, MPFR_RNDD);
    if (proved_dw) append_note(out.note, "lower bound from a double-word Cholesky (u = 2^-100)");
  } else {
    append_note(out.note, "lower bound not proved: " + why);
  }

  // Upper bound: MPFI Rayleigh quotient over the entries, for the refined and the starting vector.
  progress.update("lambda_min: rayleigh quotient", 0.95);
  mp_scalar up(p), up2(p);
  bool up_ok = rayleigh_upper_mp(A, v_ref, up);
  out.vector = to_double(v_ref);
  if (have_factor && rayleigh_upper_mp(A, v, up2) && (!up_ok || mpfr_cmp(up2, up) < 0)) {
    mpfr_set(up, up2, MPFR_RNDU);
    up_ok = true;
    out.vector = to_double(v);
  }
  if (up_ok) {
    out.upper = mreal_from(up, p, MPFR_RNDU);
    out.upper_proved = true;
    // The same bound for the binary64 rounding of the vector, which is all that leaves this function.
    mp_array vd(n, p);
    for (std::size_t k = 0; k < n; ++k) mpfr_set_d(vd[k], out.vector[k], MPFR_RNDN);  // exact, p >= 53
    mp_scalar upd(p);
    if (rayleigh_upper_mp(A, vd, upd)) out.vector_upper = mreal_from(upd, p, MPFR_RNDU);
  } else {
    append_note(out.note, "upper bound not proved (Rayleigh quotient not finite)");
  }
  clamp_psd(out, known_psd, p);
  progress.update("lambda_min: done", 1.0);
  return out;
}

template <>
shifted_cholesky_outcome shifted_cholesky_bound<minterval>(const dense_matrix<minterval>& A,
                                                           const mreal& sigma) {
  shifted_cholesky_outcome out;
  if (A.rows != A.cols || A.rows == 0) {
    out.note = "matrix empty or not square";
    return out;
  }
  const std::size_t n = A.rows;
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  const mp_enclosure E = make_enclosure(A, p);
  if (!E.d.finite) {
    out.note = "matrix has non-finite entries";
    return out;
  }
  mp_array work(n * (n + 1) / 2, p);
  mp_scalar t(p);
  null_progress quiet;
  const mp_test_result res =
      shifted_test_mp(E, offdiag_radius_bound(E.d), sigma.backend().data(), work, t, quiet);
  out.success = res.success;
  out.note = res.note;
  if (res.success) out.t = mreal_from(t, p, MPFR_RNDD);
  return out;
}

template <>
bool prove_lambda_min_greater<minterval>(const dense_matrix<minterval>& A, const mreal& t_in,
                                         std::string* why) {
  auto fail = [&](const std::string& s) {
    if (why) *why = s;
    return false;
  };
  if (A.rows != A.cols || A.rows == 0) return fail("matrix empty or not square");
  if (!mpfr_number_p(t_in.backend().data())) return fail("threshold not finite");
  const std::size_t n = A.rows;
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  const mp_enclosure E = make_enclosure(A, p);
  if (!E.d.finite) return fail("matrix has non-finite entries");
  const double r = offdiag_radius_bound(E.d);
  if (!(r < inf)) return fail("radius bound not finite");
  // sigma = t + r + c(t + r) + slack, all rounded up; c of the factored matrix is then below the
  // estimate since its diagonal is below M_ii - t - r.
  mp_scalar base(p), sigma(p), trace(p), maxd(p), d(p), c(80), t(p);
  mpfr_add_d(base, t_in.backend().data(), r, MPFR_RNDU);
  mpfr_set_zero(trace, 1);
  mpfr_set_zero(maxd, 1);
  double maxabs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mpfr_sub(d, E.M[packed(i, i)], base, MPFR_RNDU);
    if (mpfr_sgn(d.x) > 0) {
      mpfr_add(trace, trace, d, MPFR_RNDU);
      mpfr_max(maxd, maxd, d, MPFR_RNDU);
    }
    maxabs = std::max(maxabs, std::fabs(mpfr_get_d(E.M[packed(i, i)], MPFR_RNDU)));
  }
  if (!rump_constant_mp(c, n, p, trace, maxd)) return fail("matrix too large for the constant");
  mpfr_add(sigma, base, c, MPFR_RNDU);
  const double slack = 8 * std::ldexp(maxabs + std::fabs(mpfr_get_d(base, MPFR_RNDU)),
                                      -static_cast<int>(p));
  mpfr_add_d(sigma, sigma, slack, MPFR_RNDU);
  mp_array work(n * (n + 1) / 2, p);
  null_progress quiet;
  const mp_test_result res = shifted_test_mp(E, r, sigma, work, t, quiet);
  if (!res.success) return fail(res.note);
  if (mpfr_cmp(t, t_in.backend().data()) < 0) return fail("proved bound fell short of the threshold");
  return true;
}

}  // namespace ntk
