// The precise tier (minterval entries): its backend of the lambda_min algorithm
// (lambda_min_core.hpp) and lambda_min_enclose / shifted_cholesky_bound / prove_lambda_min_greater.
// Building blocks in mp_parts.hpp; the factorisation (MPFR at the working precision, or
// double-word when its constant is small enough, docs/numerics.md "Double-word Cholesky") in
// precise_factor.hpp.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "linalg/lambda_min.hpp"
#include "linalg/lambda_min_core.hpp"
#include "linalg/mp_parts.hpp"
#include "linalg/precise_factor.hpp"

namespace ntk {

using namespace mp_detail;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

// The backend: the enclosure E at precision p (midpoint packed in MPFR, binary64 image for
// estimates), the factorisation of precise_factor (MPFR or double-word, chosen per estimate),
// vectors at precision p refined by binary64-preconditioned residual correction and by inverse
// iteration with the precise factor, and the MPFI Rayleigh bound over the entries themselves.
class mpfr_backend {
 public:
  using shift_type = mreal;
  using test_fn = std::function<bool(const mreal&)>;

  mpfr_backend(const dense_matrix<minterval>& A, const mp_enclosure& E, double r, double dw_fraction)
      : A_(A), E_(E), p_(E.prec), factor_(E, r), dw_fraction_(dw_fraction), v_(E.n, E.prec),
        v_ref_(E.n, E.prec), rho_(E.prec) {
    for (std::size_t i = 0; i < E.n; ++i) maxdiag_ = std::max(maxdiag_, std::fabs(E.d.mid[i * E.n + i]));
  }

  std::size_t n() const { return E_.n; }
  bool finite() const { return E_.d.finite; }
  long precision_bits() const { return p_; }
  double unit() const { return std::ldexp(1.0, -static_cast<int>(factor_.bits(dw_))); }
  double max_abs_diag() const { return maxdiag_; }
  double margin_growth() const { return 16; }
  int hint_attempts() const { return 2; }  // a failed test costs n^3/3 MPFR operations
  int refine_rounds() const { return 3; }
  bool dense_allowed() const { return true; }
  std::string prepare_note() const {
    return E_.d.consistent ? std::string() : "some A(i,j), A(j,i) were disjoint; their hull was used";
  }
  mreal to_mreal(double x) const { return mreal_from(x, p_); }

  // (n+1) u tr(mid - sigma I)^+ with u of the arithmetic the next test uses.
  double constant_guess(double sigma) const {
    double tr = 0;
    for (std::size_t i = 0; i < E_.n; ++i) tr += std::max(0.0, E_.d.mid[i * E_.n + i] - sigma);
    return static_cast<double>(E_.n + 1) * unit() * tr;
  }

  lm_core::estimate_info estimate_hint(const lambda_min_hint& hint, progress_sink& progress) {
    binary64_estimate est;
    est.vector = hint.vector;
    return start_from(est, progress, false);
  }
  lm_core::estimate_info estimate_dense(progress_sink& progress) {
    return start_from(lapack_estimate(E_.d), progress, true);
  }
  lm_core::estimate_info estimate_search(const test_fn&, progress_sink& progress) {
    return estimate_dense(progress);
  }

  mreal shift_below(double margin) const {
    mreal s = mreal_from(0.0, p_);
    mp_scalar delta(p_);
    mpfr_set_d(delta, margin, MPFR_RNDU);
    mpfr_sub(s.backend().data(), rho_cur(), delta.x, MPFR_RNDN);
    return s;
  }
  double to_double(const mreal& s) const { return mpfr_get_d(s.backend().data(), MPFR_RNDN); }

  lm_core::factor_outcome try_factor(const mreal& sigma, std::string& notes, progress_sink& progress) {
    mp_scalar t(p_);
    mp_test_result res = factor_.test(sigma.backend().data(), t, progress, dw_);
    if (!res.success && dw_ && factor_.last_was_dw() && res.note.find("broke down") == std::string::npos) {
      lm_core::append_note(notes, "double-word test refused (" + res.note + "), MPFR used");
      dw_ = false;
      res = factor_.test(sigma.backend().data(), t, progress, dw_);
    }
    valid_ = res.success;
    lm_core::factor_outcome out;
    out.ok = res.success;
    out.note = res.note;
    out.breakdown = !res.success && res.note.find("broke down") != std::string::npos;
    if (res.success) {
      out.t = mreal_from(t, p_, MPFR_RNDD);
      out.t_down = mpfr_get_d(t, MPFR_RNDD);
      if (factor_.last_was_dw()) out.proof_note = "lower bound from a double-word Cholesky (u = 2^-100)";
    }
    return out;
  }
  bool factor_valid() const { return valid_; }

  // One round of inverse iteration at precision p with the factor (only needed when the
  // binary64-preconditioned refinement could not separate lambda_1 from its neighbours).
  lm_core::estimate_info iterate(progress_sink&) {
    const std::size_t n = E_.n;
    if (!iterated_) {
      v_ref_.copy_from(v_);
      rho2_ = std::make_unique<mp_scalar>(p_);
      mpfr_set(*rho2_, rho_, MPFR_RNDN);
      ray2_ = ray_;
      iterated_ = true;
      double maxabs = 0;
      for (double x : E_.d.mid) maxabs = std::max(maxabs, std::fabs(x));
      floor_ = 8 * static_cast<double>(n) * std::ldexp(maxabs, -static_cast<int>(p_));
    }
    mp_array x(n, p_);
    mp_scalar rho3(p_);
    for (int it = 0; it < 40 && ray2_.residual > floor_; ++it) {
      x.copy_from(v_ref_);
      factor_.solve(x);
      const mp_rayleigh ray3 = rayleigh_mp(E_, x, rho3);
      if (!(ray3.residual < 0.9 * ray2_.residual)) break;
      v_ref_.copy_from(x);
      mpfr_set(*rho2_, rho3, MPFR_RNDN);
      ray2_ = ray3;
    }
    lm_core::estimate_info e;
    e.value = mpfr_get_d(*rho2_, MPFR_RNDN);
    e.error = ray2_.residual;
    e.ok = std::isfinite(e.value);
    return e;
  }

  // Candidates: the refined vector (the starting one before any refinement), then the starting one.
  int candidates() const { return iterated_ ? 2 : 1; }
  mreal candidate_upper(int k) {
    mp_scalar up(p_);
    if (!rayleigh_upper_mp(A_, k == 0 ? current() : v_, up)) return mreal_from(inf, p_);
    return mreal_from(up, p_, MPFR_RNDU);
  }
  void export_vector(int k, lambda_min_bounds& out) {
    out.vector = mp_detail::to_double(k == 0 ? current() : v_);
    if (!out.upper_proved) return;
    // The same bound for the binary64 rounding of the vector, which is all that leaves the tier.
    mp_array vd(E_.n, p_);
    for (std::size_t i = 0; i < E_.n; ++i) mpfr_set_d(vd[i], out.vector[i], MPFR_RNDN);  // exact, p >= 53
    mp_scalar upd(p_);
    if (rayleigh_upper_mp(A_, vd, upd)) out.vector_upper = mreal_from(upd, p_, MPFR_RNDU);
  }

 private:
  // Sets v from a binary64 vector, refines it with residuals at precision p and binary64
  // corrections, and chooses the arithmetic of the next tests.
  lm_core::estimate_info start_from(const binary64_estimate& est, progress_sink& progress, bool dense) {
    for (std::size_t i = 0; i < E_.n; ++i) mpfr_set_d(v_[i], est.vector[i], MPFR_RNDN);
    ray_ = rayleigh_mp(E_, v_, rho_);
    refine_with_binary64_factor(E_, v_, rho_, ray_, est.gap, progress);
    iterated_ = false;
    const double value = mpfr_get_d(rho_, MPFR_RNDN);
    dw_ = dw_fraction_ > 0 && factor_.dw_fits(value, dw_fraction_ * std::fabs(value));
    lm_core::estimate_info e;
    e.value = value;
    e.error = ray_.residual;
    e.ok = std::isfinite(value);
    e.dense = dense;
    return e;
  }
  mpfr_srcptr rho_cur() const { return iterated_ ? rho2_->x : rho_.x; }
  const mp_array& current() const { return iterated_ ? v_ref_ : v_; }

  const dense_matrix<minterval>& A_;
  const mp_enclosure& E_;
  mpfr_prec_t p_;
  precise_factor factor_;
  double dw_fraction_;
  bool dw_ = false, valid_ = false, iterated_ = false;
  double maxdiag_ = 0, floor_ = 0;
  mp_array v_, v_ref_;  // the starting vector (after the binary64 refinement) and the refined one
  mp_scalar rho_;
  std::unique_ptr<mp_scalar> rho2_;
  mp_rayleigh ray_, ray2_;
};

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
  const mpfr_prec_t p = static_cast<mpfr_prec_t>(working_precision_bits());
  progress.update("lambda_min: midpoint-radius form", 0.0);
  const mp_enclosure E = make_enclosure(A, p);
  const double r = E.d.finite ? offdiag_radius_bound(E.d) : inf;
  mpfr_backend be(A, E, r, std::min(options.dw_relative_width, 0x1p-30));
  lm_core::driver<mpfr_backend> d(be, progress);
  return d.run(known_psd, hint);
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
