// The lambda_min algorithm is written once (linalg/lambda_min_core.hpp) over per-tier backends:
// binary64 with the dense radius (lambda_min_enclose<dinterval>, with and without a hint), binary64
// with the lean row-sum radius (lambda_min_enclose_lean, with and without the dense fallback), the
// shift search alone (lambda_min_shift_search), MPFR at 128 bits (lambda_min_enclose<minterval>)
// and double-word (lambda_min_enclose_mpfr with dw_relative_width). On the same random matrices
// every enclosure must contain the eigenvalue of the MPFR Jacobi reference at 256 bits (proven
// error bound), the enclosures must overlap pairwise, and each must be about as narrow as its
// tier's constant allows.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "../common/jacobi.hpp"
#include "../common/random_matrices.hpp"
#include "interval/rounding.hpp"
#include "linalg/lambda_min.hpp"
#include "linalg/lambda_min_lean.hpp"
#include "linalg/midrad.hpp"
#include "linalg/shift_search.hpp"
#include "util.hpp"

using namespace ntk;
using namespace ntk_test;

BOOST_AUTO_TEST_SUITE(lambda_min_backends)

namespace {

// The lean store of the dense midpoint-radius form: row sums of the off-diagonal radius (rounded
// up) and the diagonal widths; the midpoint alone in S.
lean_midrad lean_of(const symmetric_midrad& D) {
  lean_midrad L;
  L.S.n = D.n;
  L.S.mid = D.mid;
  L.S.finite = D.finite;
  L.diag_rad.assign(D.n, 0.0);
  L.rad_rowsum.assign(D.n, 0.0);
  for (std::size_t i = 0; i < D.n; ++i) {
    L.diag_rad[i] = D.rad[i * D.n + i];
    for (std::size_t j = 0; j < D.n; ++j)
      if (j != i) L.rad_rowsum[i] = round_up(L.rad_rowsum[i] + D.rad[i * D.n + j]);
  }
  return L;
}

double max_abs(const std::vector<double>& m) {
  double mx = 0;
  for (double t : m) mx = std::max(mx, std::fabs(t));
  return mx;
}

}  // namespace

BOOST_AUTO_TEST_CASE(all_backends_enclose_the_reference_and_agree) {
  std::mt19937_64 gen(4711);
  const long old = working_precision_bits();
  null_progress quiet;
  lambda_min_options dw_on;
  dw_on.dw_relative_width = 1e-3;
  int cases = 0;
  for (std::size_t n : {1u, 6u, 24u, 45u}) {
    for (double cond : {0.5, 1e-4, 1e-9}) {
      for (double rel : {0.0, 1e-12}) {
        const std::vector<double> m = symmetric_with_spectrum(geometric_spectrum(n, cond, 4.0), gen);
        const std::vector<double> rad = random_radii(m, n, rel, gen);
        const auto a = dinterval_matrix(m, rad, n);
        const symmetric_midrad D = to_midrad(a);
        const lean_midrad L = lean_of(D);
        const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
        ++cases;

        struct named {
          const char* name;
          lambda_min_bounds b;
          double allowed;  // width allowed by the tier's constant and the radius
        };
        const double extra = 2 * r_theory(rad, n) + 64 * static_cast<double>(n) * 0x1p-53 * max_abs(m);
        const double c53 = c_theory(m, n, 53);
        std::vector<named> all;
        all.push_back({"binary64 dense", lambda_min_enclose(a, false), 2.5 * c53 + extra});
        lambda_min_hint hint;
        hint.vector = all[0].b.vector;
        all.push_back({"binary64 dense, hint", lambda_min_enclose(a, false, &hint), 2.5 * c53 + extra});
        all.push_back({"binary64 lean", lambda_min_enclose_lean(L, false, nullptr, quiet, true), 2.5 * c53 + extra});
        all.push_back({"binary64 lean, no fallback", lambda_min_enclose_lean(L, false, nullptr, quiet, false),
                       2.5 * c53 + extra});
        set_working_precision_bits(128);
        const auto am = minterval_matrix(m, rad, n);
        const double extra_p = 2 * r_theory(rad, n) + 64 * static_cast<double>(n) * 0x1p-128 * max_abs(m);
        // (double-word: the rounding of the shift and of the midpoint to double-words at u = 2^-100)
        const double extra_dw = 2 * r_theory(rad, n) + 64 * static_cast<double>(n) * 0x1p-100 * max_abs(m);
        all.push_back({"MPFR 128", lambda_min_enclose<minterval>(am, false), 2.5 * c_theory(m, n, 128) + extra_p});
        all.push_back({"double-word", lambda_min_enclose_mpfr(am, false, nullptr, quiet, dw_on),
                       2.5 * c_theory(m, n, 100) + extra_dw});
        set_working_precision_bits(old);

        // The shift search alone: its proved shift lies below the reference.
        const shift_search_result s = lambda_min_shift_search(D, offdiag_radius_bound(D));
        BOOST_TEST_CONTEXT("n=" << n << " cond=" << cond << " rel=" << rel) {
          BOOST_TEST(s.best.success, s.note);
          if (s.best.success) BOOST_TEST(mpfr_cmp_d(mp(reference_upper(ref, 0)), s.best.t) > 0);
          for (const named& x : all) {
            BOOST_TEST_CONTEXT(x.name << " note=" << x.b.note) {
              BOOST_TEST(x.b.lower_proved);
              BOOST_TEST(x.b.upper_proved);
              BOOST_TEST(meets_reference(x.b, ref));
              BOOST_TEST(width(x.b) <= x.allowed, "width " << width(x.b) << " allowed " << x.allowed);
              BOOST_TEST(x.b.vector.size() == n);
              // The bound of the binary64 vector as stored is a valid upper bound too.
              BOOST_TEST(x.b.upper_proved);
              BOOST_TEST(mpfr_cmp(mp(x.b.vector_upper), mp(reference_lower(ref, 0))) >= 0);
            }
            for (const named& y : all) {  // pairwise overlap (lambda_min(m) lies in every one)
              BOOST_TEST(mpfr_cmp(mp(x.b.lower), mp(y.b.upper)) <= 0, x.name << " vs " << y.name);
            }
          }
          // The precise tiers are at least as narrow as binary64 on point matrices.
          if (rel == 0) {
            BOOST_TEST(width(all[4].b) <= width(all[0].b));
            BOOST_TEST(width(all[5].b) <= width(all[0].b) + 64 * static_cast<double>(n) * 0x1p-100 * max_abs(m));
          }
        }
      }
    }
  }
  BOOST_TEST(cases == 24);
}

// Indefinite matrices: every backend either proves a lower bound below the reference or says why
// not; none claims more than the truth, and with known_psd the clamp is noted.
BOOST_AUTO_TEST_CASE(indefinite_matrices_are_honest_on_every_backend) {
  std::mt19937_64 gen(99);
  const long old = working_precision_bits();
  null_progress quiet;
  for (std::size_t n : {3u, 30u}) {
    std::vector<double> l = geometric_spectrum(n, 1e-2, 5.0);
    l[0] = -0.25;
    const std::vector<double> m = symmetric_with_spectrum(l, gen);
    const std::vector<double> rad(n * n, 0.0);
    const auto a = dinterval_matrix(m, rad, n);
    const lean_midrad L = lean_of(to_midrad(a));
    const reference_spectrum ref = jacobi_eigenvalues(m, n, 256);
    std::vector<lambda_min_bounds> all;
    all.push_back(lambda_min_enclose(a, false));
    all.push_back(lambda_min_enclose_lean(L, false, nullptr, quiet, true));
    all.push_back(lambda_min_enclose_lean(L, false, nullptr, quiet, false));
    set_working_precision_bits(128);
    all.push_back(lambda_min_enclose<minterval>(minterval_matrix(m, rad, n), false));
    set_working_precision_bits(old);
    for (std::size_t k = 0; k < all.size(); ++k) {
      BOOST_TEST_CONTEXT("n=" << n << " backend " << k << " note=" << all[k].note) {
        if (all[k].lower_proved) BOOST_TEST(meets_reference(all[k], ref));
        else BOOST_TEST(!all[k].note.empty());
        if (all[k].upper_proved) BOOST_TEST(mpfr_cmp(mp(all[k].upper), mp(reference_lower(ref, 0))) >= 0);
      }
    }
    // Without the dense fallback the lean path cannot start the search on an indefinite midpoint:
    // an honest failure of the lower side.
    BOOST_TEST(!all[2].lower_proved);
    BOOST_TEST(all[2].note.find("no dense eigensolver fallback") != std::string::npos, all[2].note);
    const lambda_min_bounds clamped = lambda_min_enclose_lean(L, true, nullptr, quiet, false);
    BOOST_TEST(clamped.lower_proved);
    BOOST_TEST(clamped.note.find("known_psd") != std::string::npos, clamped.note);
  }
}

BOOST_AUTO_TEST_SUITE_END()
