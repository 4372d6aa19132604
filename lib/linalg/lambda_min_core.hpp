// The lambda_min enclosure, written once for every tier (docs/numerics.md "Certifying lambda_min(A)
// >= t with one floating-point Cholesky", "The lambda_min algorithm and its backends"). Internal
// to lib/linalg (not installed).
//
// The algorithm (every tier):
//   0. Read the interval matrix as a midpoint (diagonal at its lower endpoint) and a radius that
//      the backend can bound two ways: r >= rho(off-diagonal radius) for the lower side, and a
//      rigorous Rayleigh-quotient upper bound for any vector for the upper side.
//   1. Estimate lambda_min(mid) and its eigenvector (no guarantee): the hint if usable, otherwise
//      the tier's own estimator (binary64: the Cholesky-steered block inverse iteration of
//      shift_search.cpp, whose Cholesky tests already count as proofs; MPFR: LAPACK on the
//      binary64 image, refined at precision p). If that yields no proof (or the search did not
//      converge), the dense LAPACK estimate is the fallback where the backend allows it.
//   2. Lower bound: the shifted verified Cholesky test (verified_cholesky.hpp; its constant is
//      the tier's proven rounding constant, computed from the actual factorisation) at
//      sigma = estimate - margin, margin = g/16 + 2 min(err, |est|) + 4u (max|mid_ii| + |est|),
//      g the backend's guess of that constant at sigma; on failure the margin grows by the
//      backend's factor (8 or 16) plus |est| 2^-20 from the third attempt. Every successful test
//      proves lambda_min(X) > t; the largest t is kept. Tests that cannot beat the proved t, or
//      lie at or above a shift whose factorisation broke down, are not run.
//   3. Refinement: with the factor of a successful test the backend improves its vector (binary64:
//      two inverse-iteration steps; MPFR: inverse iteration at precision p, up to three rounds),
//      and a new test follows when the improved estimate allows a margin below a quarter of the
//      last successful one.
//   4. Upper bound: the smallest rigorous Rayleigh-quotient bound over the backend's candidate
//      vectors (binary64: the vector and one more inverse-iteration step; MPFR: the refined and
//      the starting vector).
//   5. Assemble lambda_min_bounds: lower = shift = best t, upper, the vector behind it, notes
//      (why a side failed, how it was proved), and the known_psd clamp.
//
// Backends (the type B below): binary64 (backend_binary64.hpp; radius access dense, the
// symmetric_midrad of lambda_min_double.cpp, or lean, the row sums of lambda_min_lean.cpp) and the
// precise tier (lambda_min_mpfr.cpp; factorisation by MPFR at precision p or in double-word
// arithmetic, precise_factor.hpp). B provides:
//   shift_type                      a shift at the tier's precision (double or mreal)
//   finite(), precision_bits(), unit() (unit roundoff of the next test's arithmetic),
//   max_abs_diag(), margin_growth(), hint_attempts(), refine_rounds(), dense_allowed()
//   constant_guess(sigma)           guess of the test's constant at shift sigma (no guarantee)
//   estimate_hint(hint, progress), estimate_dense(progress),
//   estimate_search(test, progress) the estimators of step 1 (test: runs and records a test)
//   shift_below(margin), to_double(shift)
//   try_factor(shift, notes, progress) -> lm_factor_outcome, factor_valid()
//   iterate(progress)               step 3's vector improvement (estimate only)
//   candidates(), candidate_upper(k), export_vector(k, out)   step 4
//   to_mreal(double)                an output value at the tier's precision
//   prepare_note()                  remarks about the input (e.g. disjoint entry pairs)
#pragma once

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "base/progress.hpp"
#include "interval/interval.hpp"
#include "linalg/lambda_min.hpp"

namespace ntk::lm_core {

inline void append_note(std::string& note, const std::string& s) {
  if (s.empty()) return;
  if (!note.empty()) note += "; ";
  note += s;
}

// What an estimator returns (no guarantee attached).
struct estimate_info {
  bool ok = false;  // value, error and a vector are available
  double value = std::numeric_limits<double>::quiet_NaN();  // binary64 image of the estimate
  double error = std::numeric_limits<double>::infinity();   // rough |value - lambda_min(mid)|
  bool converged = true;  // the estimator's own stopping test passed
  bool dense = false;     // came from the dense eigensolver (no fallback to itself)
  std::string note;       // why it failed or stopped early
};

// One shifted Cholesky test.
struct factor_outcome {
  bool ok = false;
  mreal t;                 // ok: lambda_min(X) > t for every X of the enclosure
  double t_down = -std::numeric_limits<double>::infinity();  // t rounded down to binary64
  bool breakdown = false;  // failed at a pivot (the shift was too high), not for another reason
  std::string note;        // why it failed
  std::string proof_note;  // how it was proved, when that is worth a note (double-word)
};

template <class B>
class driver {
 public:
  using shift_type = typename B::shift_type;
  static constexpr int attempts = 5;
  static constexpr double inf = std::numeric_limits<double>::infinity();

  driver(B& be, progress_sink& progress) : be_(be), progress_(progress) {}

  // Runs the test at sigma (margin: its distance below the estimate, 0 when absolute) unless it
  // cannot beat the proved bound or lies at/above a broken-down shift; records the best proof.
  bool test(const shift_type& sigma, double margin = 0) {
    const double sd = be_.to_double(sigma);
    if (!std::isfinite(sd)) return false;
    if (sd >= failed_above_) return false;
    if (proved_ && sd - be_.constant_guess(sd) <= best_t_down_) return false;
    factor_outcome res = be_.try_factor(sigma, notes_, progress_);
    if (!res.ok) {
      last_failure_ = res.note;
      if (res.breakdown) failed_above_ = std::min(failed_above_, sd - margin / 2);
      return false;
    }
    if (!proved_ || res.t > best_t_) {
      best_t_ = res.t;
      best_t_down_ = res.t_down;
      best_shift_ = sigma;
      proof_note_ = res.proof_note;
    }
    proved_ = true;
    return true;
  }

  // Steps 1 and 2.
  void lower(const lambda_min_hint* hint) {
    progress_.update("lambda_min: eigen-estimate", 0.1);
    if (lambda_min_hint_usable(hint, be_.n())) {
      est_ = be_.estimate_hint(*hint, progress_);
      tests_below(est_, be_.hint_attempts());
      if (!proved_ && be_.dense_allowed()) {
        est_ = be_.estimate_dense(progress_);
        tests_below(est_, attempts);
      }
    } else {
      est_ = be_.estimate_search([this](const shift_type& s) { return test(s); }, progress_);
      tests_below(est_, attempts);
      const bool searched = est_.ok && est_.converged && proved_;
      if (!searched && !est_.dense) {
        append_note(notes_, est_.note);
        if (be_.dense_allowed()) {
          est_ = be_.estimate_dense(progress_);
          tests_below(est_, attempts);
        } else {
          append_note(notes_, "no dense eigensolver fallback at this size");
        }
      }
    }
    // A factor of a proved shift steers step 3 (a later failure or LAPACK spoils the buffer).
    if (proved_ && !be_.factor_valid()) be_.try_factor(best_shift_, notes_, progress_);
  }

  // Step 3.
  void refine() {
    if (!proved_ || !be_.factor_valid()) return;
    double margin_last = last_margin_;
    for (int round = 0; round < be_.refine_rounds(); ++round) {
      const estimate_info e = be_.iterate(progress_);
      if (!e.ok) break;
      est_ = e;
      bool improved = false;
      double m2 = margin(e);
      for (int a = 0; a < 2 && m2 < margin_last / 4; ++a, m2 *= be_.margin_growth()) {
        if (test(be_.shift_below(m2), m2)) {
          margin_last = m2;
          improved = true;
          break;
        }
      }
      if (!improved || !be_.factor_valid()) break;  // (a failed test also spoilt the factor)
    }
  }

  // The whole algorithm (steps 1 to 5).
  lambda_min_bounds run(bool known_psd, const lambda_min_hint* hint) {
    lambda_min_bounds out;
    out.precision_bits = be_.precision_bits();
    out.lower = out.shift = be_.to_mreal(-inf);
    out.upper = out.vector_upper = be_.to_mreal(inf);
    notes_ = be_.prepare_note();
    if (!be_.finite()) {
      append_note(notes_, "matrix has non-finite entries");
      out.note = notes_;
      clamp_psd(out, known_psd);
      return out;
    }
    lower(hint);
    refine();
    out.estimate = est_.value;
    if (proved_) {
      out.lower_proved = true;
      out.lower = out.shift = best_t_;
      append_note(notes_, proof_note_);
    } else {
      append_note(notes_, "lower bound not proved: " + last_failure_);
    }
    // Step 4.
    progress_.update("lambda_min: rayleigh quotient", 0.9);
    int best = -1;
    mreal up = be_.to_mreal(inf);
    for (int k = 0; k < be_.candidates(); ++k) {
      const mreal u = be_.candidate_upper(k);
      if (isfinite(u) && (best < 0 || u < up)) {
        up = u;
        best = k;
      }
    }
    if (best >= 0) {
      out.upper = up;
      out.upper_proved = true;
      be_.export_vector(best, out);
    } else {
      append_note(notes_, "upper bound not proved (Rayleigh quotient not finite)");
      if (be_.candidates() > 0) be_.export_vector(0, out);
    }
    out.note = notes_;
    clamp_psd(out, known_psd);
    progress_.update("lambda_min: done", 1.0);
    return out;
  }

  bool proved() const { return proved_; }
  const estimate_info& estimate() const { return est_; }
  const std::string& notes() const { return notes_; }

 private:
  double margin(const estimate_info& e) const {
    const double v = std::fabs(e.value);
    return be_.constant_guess(e.value) / 16 + 2 * std::min(e.error, v) + 4 * be_.unit() * (be_.max_abs_diag() + v);
  }

  bool tests_below(const estimate_info& e, int count) {
    if (!e.ok || !std::isfinite(e.value)) return false;
    double m = margin(e);
    for (int a = 0; a < count && std::isfinite(m); ++a) {
      progress_.update("lambda_min: cholesky", 0.2 + 0.1 * a);
      if (test(be_.shift_below(m), m)) {
        last_margin_ = m;
        return true;
      }
      m = m * be_.margin_growth() + (a >= 2 ? std::fabs(e.value) * 0x1p-20 : 0.0);
    }
    return false;
  }

  void clamp_psd(lambda_min_bounds& out, bool known_psd) {
    if (!known_psd) return;
    if (!out.lower_proved || mpfr_sgn(out.lower.backend().data()) < 0) {
      if (!out.lower_proved) append_note(out.note, "lower bound 0 from known_psd (not from the test)");
      out.lower = be_.to_mreal(0.0);
      out.lower_proved = true;
    }
  }

  B& be_;
  progress_sink& progress_;
  estimate_info est_;
  bool proved_ = false;
  mreal best_t_;
  double best_t_down_ = -inf;
  shift_type best_shift_{};
  std::string proof_note_, last_failure_, notes_;
  double failed_above_ = inf;  // tests at or above this shift are not run
  double last_margin_ = 0;     // margin of the last successful test of step 2 (0: none)
};

}  // namespace ntk::lm_core
