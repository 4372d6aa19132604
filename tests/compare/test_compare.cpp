// certify compare: the definitions of the comparison (library level), and end to end on the
// adversarial data: JSON keys and types, the certified enclosure against an independent 512-bit
// MPFR kernel + 256-bit Jacobi reference, and every count recomputed here from a float computation
// written in this file (same formulas, same BLAS/LAPACK calls) against the exported enclosures.
#define BOOST_TEST_MODULE compare
#include <boost/test/unit_test.hpp>

#include <cblas.h>
#include <lapacke.h>
#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../common/cli_sandbox.hpp"
#include "../common/jacobi.hpp"
#include "certificate/json.hpp"
#include "driver/compare.hpp"

namespace fs = std::filesystem;

namespace {

const double nan_d = std::numeric_limits<double>::quiet_NaN();
const double inf_d = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Running the binary.

using ntk_test::run_result;
using ntk_test::sandbox;
using ntk_test::slurp;

// ---------------------------------------------------------------------------------------------
// Reading inputs independently of lib/data.

struct rows {
  std::size_t n = 0, d = 0;
  std::vector<double> x;
};

// A numeric CSV with one header line; the first `limit` rows.
rows read_csv(const fs::path& p, std::size_t limit) {
  std::ifstream f(p);
  std::string line;
  std::getline(f, line);  // header
  rows r;
  while (r.n < limit && std::getline(f, line)) {
    std::size_t cols = 0;
    const char* s = line.c_str();
    while (*s) {
      char* end = nullptr;
      r.x.push_back(std::strtod(s, &end));  // correctly rounded, as the library reads it
      ++cols;
      s = *end == ',' ? end + 1 : end;
    }
    if (r.d == 0) r.d = cols;
    BOOST_REQUIRE_EQUAL(cols, r.d);
    ++r.n;
  }
  return r;
}

// [0] lower, [1] upper of a (2, n, n) float64 .npy (the format of `certify kernel --out`).
ntk::entry_bounds read_bounds_npy(const fs::path& p, std::size_t n) {
  const std::string s = slurp(p);
  BOOST_REQUIRE(s.size() > 10 && s.compare(0, 6, "\x93NUMPY") == 0);
  const std::size_t hl = static_cast<unsigned char>(s[8]) | (static_cast<unsigned char>(s[9]) << 8);
  const std::size_t off = 10 + hl;
  BOOST_REQUIRE_EQUAL(s.size(), off + 16 * n * n);
  ntk::entry_bounds b;
  b.n = n;
  b.lower.resize(n * n);
  b.upper.resize(n * n);
  std::memcpy(b.lower.data(), s.data() + off, 8 * n * n);
  std::memcpy(b.upper.data(), s.data() + off + 8 * n * n, 8 * n * n);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The popular float computation, written here: rows cast to T, centring and normalisation in T,
// Gram by ?syrk, then per pair rho = clip(c/sqrt(ab)), theta = acos rho (or atan2), the convention
// factor at the end; eigenvalues by ?syevd.

void syrk(int n, int d, const float* x, float* g) {
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, d, 1.0f, x, d, 0.0f, g, n);
}
void syrk(int n, int d, const double* x, double* g) {
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, d, 1.0, x, d, 0.0, g, n);
}
int syevd(int n, float* a, float* w) { return LAPACKE_ssyevd(LAPACK_COL_MAJOR, 'N', 'U', n, a, n, w); }
int syevd(int n, double* a, double* w) { return LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', n, a, n, w); }

enum class norm_kind { none, sphere, unit };

struct case_spec {
  std::string file;
  std::size_t limit;
  int depth;
  std::string convention;  // paper, neural-tangents, uci
  bool center;
  norm_kind normalize;
  bool adversarial_float64;  // float64's lambda_min is known to miss the enclosure here
};

template <class T>
std::vector<T> popular_kernel(const rows& r, const case_spec& c, bool atan2) {
  const std::size_t n = r.n, d = r.d;
  std::vector<T> x(n * d);
  for (std::size_t t = 0; t < n * d; ++t) x[t] = static_cast<T>(r.x[t]);
  if (c.center) {
    std::vector<T> mean(d, T(0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) mean[k] += x[i * d + k];
    for (std::size_t k = 0; k < d; ++k) mean[k] /= static_cast<T>(n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] -= mean[k];
  }
  if (c.normalize != norm_kind::none) {
    const T target = c.normalize == norm_kind::sphere ? std::sqrt(static_cast<T>(d)) : T(1);
    for (std::size_t i = 0; i < n; ++i) {
      T s = 0;
      for (std::size_t k = 0; k < d; ++k) s += x[i * d + k] * x[i * d + k];
      const T f = target / std::sqrt(s);
      for (std::size_t k = 0; k < d; ++k) x[i * d + k] *= f;
    }
  }
  std::vector<T> G(n * n, T(0));
  syrk(static_cast<int>(n), static_cast<int>(d), x.data(), G.data());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) G[j * n + i] = G[i * n + j];
  std::vector<T> K = G, diag(n);
  const T pi = static_cast<T>(3.14159265358979323846);
  for (int l = 2; l <= c.depth; ++l) {
    for (std::size_t i = 0; i < n; ++i) diag[i] = G[i * n + i];
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i; j < n; ++j) {
        const T a = diag[i], b = diag[j], cc = G[i * n + j];
        T g, gd;
        if (atan2) {
          const T s = std::sqrt(std::max(a * b - cc * cc, T(0)));
          const T theta = std::atan2(s, cc);
          g = (s + (pi - theta) * cc) / pi;
          gd = (pi - theta) / pi;
        } else {
          const T sab = std::sqrt(a * b);
          const T rho = std::clamp(cc / sab, T(-1), T(1));
          const T theta = std::acos(rho);
          g = sab * (std::sqrt(T(1) - rho * rho) + (pi - theta) * rho) / pi;
          gd = (pi - theta) / pi;
        }
        G[i * n + j] = g;
        K[i * n + j] = g + K[i * n + j] * gd;
      }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) {
        G[j * n + i] = G[i * n + j];
        K[j * n + i] = K[i * n + j];
      }
  }
  if (c.convention == "uci")
    for (T& e : K) e = std::ldexp(e, -(c.depth - 1));
  if (c.convention == "neural-tangents")
    for (T& e : K) e = e / static_cast<T>(d);
  return K;
}

// ---------------------------------------------------------------------------------------------
// Independent reference: the plain closed-form recursion in MPFR at 512 bits.

constexpr long ref_bits = 512;

struct mp_array {
  std::vector<__mpfr_struct> v;
  explicit mp_array(std::size_t n) : v(n) {
    for (auto& x : v) {
      mpfr_init2(&x, ref_bits);
      mpfr_set_zero(&x, 1);
    }
  }
  ~mp_array() {
    for (auto& x : v) mpfr_clear(&x);
  }
  mp_array(const mp_array&) = delete;
  mp_array& operator=(const mp_array&) = delete;
  mpfr_ptr operator[](std::size_t k) { return &v[k]; }
};

struct mp_scalar {
  mpfr_t x;
  mp_scalar() { mpfr_init2(x, ref_bits); }
  ~mp_scalar() { mpfr_clear(x); }
  operator mpfr_ptr() { return x; }
};

// K (row-major n x n) of the exactly preprocessed rows, convention applied.
void reference_kernel(const rows& r, const case_spec& c, mp_array& K) {
  const std::size_t n = r.n, d = r.d;
  mp_array y(n * d), G(n * n), Gn(n * n);
  mp_scalar t, a, b, sab, rho, theta, pi, s, g, gd;
  for (std::size_t k = 0; k < n * d; ++k) mpfr_set_d(y[k], r.x[k], MPFR_RNDN);  // exact
  if (c.center) {
    for (std::size_t k = 0; k < d; ++k) {
      mpfr_set_zero(t, 1);
      for (std::size_t i = 0; i < n; ++i) mpfr_add(t, t, y[i * d + k], MPFR_RNDN);
      mpfr_div_ui(t, t, static_cast<unsigned long>(n), MPFR_RNDN);
      for (std::size_t i = 0; i < n; ++i) mpfr_sub(y[i * d + k], y[i * d + k], t, MPFR_RNDN);
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      mpfr_set_zero(t, 1);
      for (std::size_t k = 0; k < d; ++k) mpfr_fma(t, y[i * d + k], y[j * d + k], t, MPFR_RNDN);
      mpfr_set(G[i * n + j], t, MPFR_RNDN);
      mpfr_set(G[j * n + i], t, MPFR_RNDN);
    }
  if (c.normalize != norm_kind::none) {
    const unsigned long target = c.normalize == norm_kind::sphere ? d : 1;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        if (i == j) {
          mpfr_set_ui(Gn[i * n + j], target, MPFR_RNDN);
          continue;
        }
        mpfr_mul(t, G[i * n + i], G[j * n + j], MPFR_RNDN);
        mpfr_sqrt(t, t, MPFR_RNDN);
        mpfr_div(t, G[i * n + j], t, MPFR_RNDN);
        mpfr_mul_ui(Gn[i * n + j], t, target, MPFR_RNDN);
      }
    for (std::size_t k = 0; k < n * n; ++k) mpfr_set(G[k], Gn[k], MPFR_RNDN);
  }
  for (std::size_t k = 0; k < n * n; ++k) mpfr_set(K[k], G[k], MPFR_RNDN);
  mpfr_const_pi(pi, MPFR_RNDN);
  for (int l = 2; l <= c.depth; ++l) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        if (i == j) {  // rho = 1: G unchanged, Gdot = 1
          mpfr_add(K[i * n + i], K[i * n + i], G[i * n + i], MPFR_RNDN);
          mpfr_set(Gn[i * n + i], G[i * n + i], MPFR_RNDN);
          continue;
        }
        mpfr_set(a, G[i * n + i], MPFR_RNDN);
        mpfr_set(b, G[j * n + j], MPFR_RNDN);
        mpfr_mul(sab, a, b, MPFR_RNDN);
        mpfr_sqrt(sab, sab, MPFR_RNDN);
        mpfr_div(rho, G[i * n + j], sab, MPFR_RNDN);
        if (mpfr_cmp_si(rho, 1) > 0) mpfr_set_si(rho, 1, MPFR_RNDN);
        if (mpfr_cmp_si(rho, -1) < 0) mpfr_set_si(rho, -1, MPFR_RNDN);
        mpfr_acos(theta, rho, MPFR_RNDN);
        mpfr_sqr(s, rho, MPFR_RNDN);
        mpfr_ui_sub(s, 1, s, MPFR_RNDN);
        mpfr_sqrt(s, s, MPFR_RNDN);
        mpfr_sub(gd, pi, theta, MPFR_RNDN);  // pi - theta
        mpfr_fma(g, gd, rho, s, MPFR_RNDN);  // sqrt(1 - rho^2) + (pi - theta) rho
        mpfr_mul(g, g, sab, MPFR_RNDN);
        mpfr_div(g, g, pi, MPFR_RNDN);
        mpfr_div(gd, gd, pi, MPFR_RNDN);
        mpfr_set(Gn[i * n + j], g, MPFR_RNDN);
        mpfr_mul(t, K[i * n + j], gd, MPFR_RNDN);
        mpfr_add(K[i * n + j], g, t, MPFR_RNDN);
      }
    for (std::size_t k = 0; k < n * n; ++k) mpfr_set(G[k], Gn[k], MPFR_RNDN);
  }
  for (std::size_t k = 0; k < n * n; ++k) {
    if (c.convention == "uci") mpfr_div_2ui(K[k], K[k], static_cast<unsigned long>(c.depth - 1), MPFR_RNDN);
    if (c.convention == "neural-tangents") mpfr_div_ui(K[k], K[k], static_cast<unsigned long>(d), MPFR_RNDN);
  }
}

// The decimal string s read at 512 bits, rounded in direction rnd.
void read_decimal(mpfr_ptr out, const std::string& s, mpfr_rnd_t rnd) {
  BOOST_REQUIRE_EQUAL(mpfr_set_str(out, s.c_str(), 10, rnd), 0);
  BOOST_REQUIRE(mpfr_number_p(out));
}

// ---------------------------------------------------------------------------------------------
// The definitions, recomputed here.

struct counts {
  std::size_t nan = 0, outside = 0, negative = 0;
  double max_abs = 0;
  double lambda_min = nan_d;
};

template <class T>
counts recount(std::vector<T> k, const ntk::entry_bounds& b) {
  counts c;
  for (std::size_t t = 0; t < k.size(); ++t) {
    const double v = static_cast<double>(k[t]);
    if (std::isnan(v)) {
      ++c.nan;
    } else if (v < b.lower[t] || v > b.upper[t]) {
      ++c.outside;
      c.max_abs = std::max(c.max_abs, v < b.lower[t] ? b.lower[t] - v : v - b.upper[t]);
    }
  }
  std::vector<T> w(b.n);
  BOOST_REQUIRE_EQUAL(syevd(static_cast<int>(b.n), k.data(), w.data()), 0);
  c.lambda_min = static_cast<double>(w[0]);
  for (T e : w) c.negative += e < T(0) ? 1 : 0;
  return c;
}

void check_report_types(const ntk::json::value& f) {
  BOOST_TEST(f.at("lambda_min").is_number());
  BOOST_TEST(f.at("lambda_min_inside").is_bool());
  BOOST_TEST(f.at("lambda_min_rel_error").is_number());
  BOOST_TEST(f.at("lambda_min_abs_error").is_number());
  BOOST_TEST(f.at("max_abs_excess").is_number());
  BOOST_TEST(f.at("max_rel_excess").is_number());
  BOOST_TEST(f.at("negative_eigenvalues").as_integer() >= 0);
  BOOST_TEST(f.at("nan_count").as_integer() >= 0);
  BOOST_TEST(f.at("entries_outside").as_integer() >= 0);
}

std::string case_args(const case_spec& c) {
  std::string a = "--data '" + c.file + "' --limit " + std::to_string(c.limit) + " --depth " +
                  std::to_string(c.depth) + " --convention " + c.convention;
  if (c.center) a += " --center";
  if (c.normalize == norm_kind::sphere) a += " --normalize sphere";
  if (c.normalize == norm_kind::unit) a += " --normalize unit";
  return a;
}

const std::string adversarial_dir = ADVERSARIAL_DIR;
const std::string fashion_csv = NTKCERT_DEFAULT_DATA;

void run_case(const case_spec& c) {
  sandbox sb;
  const fs::path json_path = sb.dir / "compare.json";
  const run_result r = sb.certify("compare " + case_args(c) + " --quiet --json " + json_path.string());
  BOOST_TEST_CONTEXT("case " << case_args(c) << "; stderr: " << r.err) {
    BOOST_REQUIRE_EQUAL(r.status, 0);
    const ntk::json::value j = ntk::json::parse(slurp(json_path));

    // Keys and types.
    BOOST_TEST(j.at("command").as_string() == "compare");
    const ntk::json::value& lm = j.at("certified").at("lambda_min");
    BOOST_TEST(lm.at("lower").is_string());
    BOOST_TEST(lm.at("upper").is_string());
    BOOST_TEST(lm.at("certified").as_bool());
    const long bits = static_cast<long>(j.at("certified").at("entries").at("precision_bits").as_integer());
    // The entries are enclosed at the precision of λ_min's tier, or at the MPFI precision the
    // double-double tier rounds its entries to (dd_tier_mpfr_bits).
    BOOST_TEST((bits == lm.at("precision_bits").as_integer() ||
                (lm.at("precision_bits").as_integer() == ntk::dd_tier_bits && bits == ntk::dd_tier_mpfr_bits)));
    for (const char* p : {"float64", "float32"}) {
      check_report_types(j.at(p));
      check_report_types(j.at(p).at("atan2"));
    }

    // The certified enclosure contains the independent reference lambda_min.
    const rows x = read_csv(c.file, c.limit);
    const std::size_t n = x.n;
    mp_array K(n * n);
    reference_kernel(x, c, K);
    std::vector<mpfr_srcptr> ptrs(n * n);
    for (std::size_t k = 0; k < n * n; ++k) ptrs[k] = K[k];
    const ntk_test::reference_spectrum spec = ntk_test::jacobi_eigenvalues(ptrs, n, 256);
    mp_scalar lower, upper, slack, kmax, ref, t;
    read_decimal(lower, lm.at("lower").as_string(), MPFR_RNDD);
    read_decimal(upper, lm.at("upper").as_string(), MPFR_RNDU);
    // The reference kernel is rounded to nearest at 512 bits (not bounded rigorously): allow
    // 2^-400 n max|K| on top of the Jacobi bound, far below any enclosure width here.
    mpfr_set_zero(kmax, 1);
    for (std::size_t k = 0; k < n * n; ++k)
      if (mpfr_cmpabs(K[k], kmax) > 0) mpfr_abs(kmax, K[k], MPFR_RNDU);
    mpfr_mul_ui(slack, kmax, static_cast<unsigned long>(n), MPFR_RNDU);
    mpfr_mul_2si(slack, slack, -400, MPFR_RNDU);
    mpfr_add(slack, slack, spec.error.backend().data(), MPFR_RNDU);
    mpfr_set(ref, spec.values[0].backend().data(), MPFR_RNDN);
    mpfr_add(t, ref, slack, MPFR_RNDU);
    BOOST_TEST(mpfr_cmp(t, lower) >= 0, "reference " << mpfr_get_d(ref, MPFR_RNDN) << " below lower " << lm.at("lower").as_string());
    mpfr_sub(t, ref, slack, MPFR_RNDD);
    BOOST_TEST(mpfr_cmp(t, upper) <= 0, "reference " << mpfr_get_d(ref, MPFR_RNDN) << " above upper " << lm.at("upper").as_string());

    // The entry enclosures the comparison used (certify kernel at the same precision) contain the
    // reference entries.
    const fs::path npy = sb.dir / "K.npy";
    const run_result kr = sb.certify("kernel " + case_args(c) + " --precision " + std::to_string(bits) +
                                     " --quiet --out " + npy.string());
    BOOST_REQUIRE_EQUAL(kr.status, 0);
    const ntk::entry_bounds bounds = read_bounds_npy(npy, n);
    std::size_t ref_outside = 0;
    for (std::size_t k = 0; k < n * n; ++k) {
      mpfr_mul_2si(slack, K[k], -400, MPFR_RNDU);
      mpfr_abs(slack, slack, MPFR_RNDU);
      mpfr_add(t, K[k], slack, MPFR_RNDU);
      if (mpfr_cmp_d(t, bounds.lower[k]) < 0) ++ref_outside;
      mpfr_sub(t, K[k], slack, MPFR_RNDD);
      if (mpfr_cmp_d(t, bounds.upper[k]) > 0) ++ref_outside;
    }
    BOOST_TEST(ref_outside == 0u);

    // Every count, recomputed from this file's float computation.
    for (int v = 0; v < 4; ++v) {
      const bool is32 = v % 2 == 1, atan2 = v >= 2;
      const ntk::json::value& f = atan2 ? j.at(is32 ? "float32" : "float64").at("atan2") : j.at(is32 ? "float32" : "float64");
      const counts mine = is32 ? recount(popular_kernel<float>(x, c, atan2), bounds)
                               : recount(popular_kernel<double>(x, c, atan2), bounds);
      BOOST_TEST_CONTEXT((atan2 ? "atan2-" : "") << (is32 ? "float32" : "float64")) {
        BOOST_TEST(f.at("nan_count").as_integer() == static_cast<long long>(mine.nan));
        BOOST_TEST(f.at("entries_outside").as_integer() == static_cast<long long>(mine.outside));
        BOOST_TEST(f.at("negative_eigenvalues").as_integer() == static_cast<long long>(mine.negative));
        BOOST_TEST(f.at("entries").as_integer() == static_cast<long long>(n * n));
        BOOST_TEST(f.at("lambda_min").as_number() == mine.lambda_min);
        BOOST_TEST(f.at("max_abs_excess").as_number() == mine.max_abs, boost::test_tools::tolerance(1e-12));
        const bool inside = mpfr_cmp_d(lower, mine.lambda_min) <= 0 && mpfr_cmp_d(upper, mine.lambda_min) >= 0;
        BOOST_TEST(f.at("lambda_min_inside").as_bool() == inside);
        // Relative error: distance to the nearest point of [lower, upper] over |midpoint|.
        mp_scalar dist, mid;
        if (inside) mpfr_set_zero(dist, 1);
        else if (mpfr_cmp_d(lower, mine.lambda_min) > 0) mpfr_sub_d(dist, lower, mine.lambda_min, MPFR_RNDN);
        else mpfr_d_sub(dist, mine.lambda_min, upper, MPFR_RNDN);
        mpfr_add(mid, lower, upper, MPFR_RNDN);
        mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
        mpfr_abs(mid, mid, MPFR_RNDN);
        if (!mpfr_zero_p(mid)) mpfr_div(dist, dist, mid, MPFR_RNDN);
        const double rel = mpfr_get_d(dist, MPFR_RNDN);
        if (rel == 0) BOOST_TEST(f.at("lambda_min_rel_error").as_number() == 0.0);
        else BOOST_TEST(f.at("lambda_min_rel_error").as_number() == rel, boost::test_tools::tolerance(1e-9));
      }
    }

    // These data are chosen so that plain code fails: float32 never lands in the enclosure, and
    // where flagged float64 misses too (its failure does not depend on rounding details).
    BOOST_TEST(!j.at("float32").at("lambda_min_inside").as_bool());
    BOOST_TEST(j.at("float32").at("entries_outside").as_integer() > 0);
    if (c.adversarial_float64) {
      BOOST_TEST(!j.at("float64").at("lambda_min_inside").as_bool());
      BOOST_TEST(!j.at("float64").at("atan2").at("lambda_min_inside").as_bool());
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(entry_comparison_definitions) {
  ntk::entry_bounds b;
  b.n = 3;
  b.lower = {1, 1, 1, 1, 1, 1, -2, 0, 1};
  b.upper = {2, 2, 2, 2, 2, 2, -1, 0, 1};
  const std::vector<double> v = {1, 2, 1.5, 0.5, 2.5, nan_d, -4, -0.0, inf_d};
  const ntk::entry_comparison c = ntk::compare_entries(v, b);
  BOOST_TEST(c.entries == 9u);
  BOOST_TEST(c.nan_count == 1u);
  BOOST_TEST(c.entries_outside == 4u);  // 0.5, 2.5, -4, inf (endpoints and -0 in [0, 0] are inside)
  BOOST_TEST(c.max_abs_excess == inf_d);
  BOOST_TEST(c.max_rel_excess == inf_d);
  const std::vector<double> v2 = {1, 2, 1.5, 0.5, 2.5, nan_d, -4, 3, 1};
  const ntk::entry_comparison c2 = ntk::compare_entries(v2, b);
  BOOST_TEST(c2.entries_outside == 4u);
  BOOST_TEST(c2.max_abs_excess == 3.0);   // 3 against [0, 0]
  BOOST_TEST(c2.max_rel_excess == 3.0);   // midpoint 0: the absolute excess
  // float values are compared after exact widening: 1 + 2^-23 is outside [1, 1 + 2^-24].
  ntk::entry_bounds one;
  one.n = 1;
  one.lower = {1.0};
  one.upper = {1.0 + std::ldexp(1.0, -24)};
  const ntk::entry_comparison cf = ntk::compare_entries(std::vector<float>{1.0f + std::ldexp(1.0f, -23)}, one);
  BOOST_TEST(cf.entries_outside == 1u);
  BOOST_TEST(cf.max_abs_excess == std::ldexp(1.0, -24));
  BOOST_CHECK_THROW(ntk::compare_entries(std::vector<double>(4), b), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(entry_comparison_random_against_exact_recount) {
  std::mt19937_64 gen(20240611);
  std::uniform_real_distribution<double> u(-10, 10);
  for (int rep = 0; rep < 200; ++rep) {
    const std::size_t n = 1 + gen() % 12;
    ntk::entry_bounds b;
    b.n = n;
    std::vector<double> v(n * n);
    for (std::size_t k = 0; k < n * n; ++k) {
      double lo = u(gen), hi = u(gen);
      if (lo > hi) std::swap(lo, hi);
      if (gen() % 8 == 0) hi = lo;
      b.lower.push_back(lo);
      b.upper.push_back(hi);
      const int kind = static_cast<int>(gen() % 10);
      v[k] = kind == 0 ? nan_d : kind == 1 ? lo : kind == 2 ? hi : kind == 3 ? std::nextafter(lo, -inf_d)
                                                                             : kind == 4 ? std::nextafter(hi, inf_d)
                                                                                         : u(gen);
    }
    const ntk::entry_comparison c = ntk::compare_entries(v, b);
    // Exact recount in MPFR: distances as exact 2100-bit values, then the maxima rounded.
    std::size_t nan = 0, out = 0;
    mpfr_t dist, mid, best_abs, best_rel;
    mpfr_inits2(2100, dist, mid, best_abs, best_rel, static_cast<mpfr_ptr>(nullptr));
    mpfr_set_zero(best_abs, 1);
    mpfr_set_zero(best_rel, 1);
    for (std::size_t k = 0; k < n * n; ++k) {
      if (std::isnan(v[k])) {
        ++nan;
        continue;
      }
      mpfr_set_d(dist, v[k], MPFR_RNDN);
      if (mpfr_cmp_d(dist, b.lower[k]) < 0) mpfr_d_sub(dist, b.lower[k], dist, MPFR_RNDN);
      else if (mpfr_cmp_d(dist, b.upper[k]) > 0) mpfr_sub_d(dist, dist, b.upper[k], MPFR_RNDN);
      else continue;
      ++out;
      mpfr_max(best_abs, best_abs, dist, MPFR_RNDN);
      mpfr_set_d(mid, b.lower[k], MPFR_RNDN);
      mpfr_add_d(mid, mid, b.upper[k], MPFR_RNDN);
      mpfr_div_2ui(mid, mid, 1, MPFR_RNDN);
      mpfr_abs(mid, mid, MPFR_RNDN);
      if (!mpfr_zero_p(mid)) mpfr_div(dist, dist, mid, MPFR_RNDN);
      mpfr_max(best_rel, best_rel, dist, MPFR_RNDN);
    }
    BOOST_TEST(c.nan_count == nan);
    BOOST_TEST(c.entries_outside == out);
    BOOST_TEST(c.max_abs_excess == mpfr_get_d(best_abs, MPFR_RNDN), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(c.max_rel_excess == mpfr_get_d(best_rel, MPFR_RNDN), boost::test_tools::tolerance(1e-14));
    mpfr_clears(dist, mid, best_abs, best_rel, static_cast<mpfr_ptr>(nullptr));
  }
}

BOOST_AUTO_TEST_CASE(lambda_comparison_definitions) {
  ntk::set_working_precision_bits(128);
  ntk::mreal lo = 2, hi = 4;
  auto c = ntk::compare_lambda_min(3.0, lo, hi);
  BOOST_TEST(c.inside);
  BOOST_TEST(c.abs_error == 0.0);
  BOOST_TEST(c.rel_error == 0.0);
  c = ntk::compare_lambda_min(4.0, lo, hi);  // endpoints are inside
  BOOST_TEST(c.inside);
  c = ntk::compare_lambda_min(1.0, lo, hi);  // distance 1 to 2, midpoint 3
  BOOST_TEST(!c.inside);
  BOOST_TEST(c.abs_error == 1.0);
  BOOST_TEST(c.rel_error == 1.0 / 3.0);
  c = ntk::compare_lambda_min(-2.0, lo, hi);
  BOOST_TEST(c.abs_error == 4.0);
  BOOST_TEST(c.rel_error == 4.0 / 3.0);
  c = ntk::compare_lambda_min(10.0, lo, hi);
  BOOST_TEST(c.abs_error == 6.0);
  BOOST_TEST(c.rel_error == 2.0);
  // Enclosure [0, 0] (exact singularity): the absolute distance.
  ntk::mreal z = 0;
  c = ntk::compare_lambda_min(-1e-14, z, z);
  BOOST_TEST(!c.inside);
  BOOST_TEST(c.abs_error == 1e-14);
  BOOST_TEST(c.rel_error == 1e-14);
  // A value just outside an endpoint that is not a double: decided exactly.
  ntk::mreal third;
  mpfr_set_ui(third.backend().data(), 1, MPFR_RNDN);
  mpfr_div_ui(third.backend().data(), third.backend().data(), 3, MPFR_RNDN);  // 1/3 at 128 bits
  const double d_third = 1.0 / 3.0;  // below 1/3
  c = ntk::compare_lambda_min(d_third, third, hi);
  BOOST_TEST(!c.inside);
  BOOST_TEST(c.abs_error > 0.0);
  c = ntk::compare_lambda_min(std::nextafter(d_third, 1.0), third, hi);
  BOOST_TEST(c.inside);
  // Unproved side: the distance is still defined, the relative error is not.
  ntk::mreal minf = -inf_d;
  c = ntk::compare_lambda_min(5.0, minf, hi);
  BOOST_TEST(!c.inside);
  BOOST_TEST(c.abs_error == 1.0);
  BOOST_TEST(std::isnan(c.rel_error));
  c = ntk::compare_lambda_min(nan_d, lo, hi);
  BOOST_TEST(!c.inside);
  BOOST_TEST(std::isnan(c.abs_error));
}

BOOST_AUTO_TEST_CASE(near_duplicates_1e6) {
  run_case({adversarial_dir + "/near-duplicates-1e-6.csv", 20, 3, "paper", false, norm_kind::none, true});
}

BOOST_AUTO_TEST_CASE(near_duplicates_1e10_uci_depth2) {
  run_case({adversarial_dir + "/near-duplicates-1e-10.csv", 20, 2, "uci", false, norm_kind::none, true});
}

BOOST_AUTO_TEST_CASE(near_duplicates_1e8_unit_rows) {
  run_case({adversarial_dir + "/near-duplicates-1e-8.csv", 20, 3, "paper", false, norm_kind::unit, true});
}

BOOST_AUTO_TEST_CASE(nearly_collinear_points) {
  run_case({adversarial_dir + "/collinear-50.csv", 50, 3, "paper", false, norm_kind::none, true});
}

BOOST_AUTO_TEST_CASE(cone_prefix_centred_sphere_neural_tangents) {
  run_case({adversarial_dir + "/cone-2000.csv", 40, 4, "neural-tangents", true, norm_kind::sphere, false});
}

BOOST_AUTO_TEST_CASE(fashion_mnist_rows_centred_sphere) {
  run_case({fashion_csv, 30, 3, "paper", true, norm_kind::sphere, false});
}

BOOST_AUTO_TEST_CASE(exit_codes_and_no_output_on_bad_input) {
  sandbox sb;
  const fs::path out = sb.dir / "result.json";
  auto expect_2 = [&](const std::string& args, const std::string& needle) {
    fs::remove(out);
    const run_result r = sb.certify("compare " + args + " --quiet --json " + out.string());
    BOOST_TEST_CONTEXT("args " << args << "; stderr: " << r.err) {
      BOOST_TEST(r.status == 2);
      BOOST_TEST(r.err.find(needle) != std::string::npos);
      BOOST_TEST(!fs::exists(out));
    }
  };
  expect_2("--data '" + (sb.dir / "missing.csv").string() + "'", "missing.csv");
  expect_2("--data '" + sb.write("zero.csv", "a,b\n1,2\n0,0\n3,4\n").string() + "'", "row");
  expect_2("--data '" + sb.write("text.csv", "1,2\n3,x\n").string() + "'", "text.csv");
  expect_2("--depth 0", "depth");
  expect_2("--normalize sideways", "normalize");
  expect_2("--convention other", "convention");
  expect_2("--rtol -1", "rtol");
  expect_2("--no-such-option", "no-such-option");

  // An enclosure that misses --rtol is still a comparison: exit 0, "certified": false.
  fs::remove(out);
  const run_result r = sb.certify("compare --data '" + adversarial_dir +
                                  "/near-duplicates-1e-6.csv' --precision 53 --rtol 1e-30 --quiet --json " +
                                  out.string());
  BOOST_TEST(r.status == 0);
  const ntk::json::value j = ntk::json::parse(slurp(out));
  BOOST_TEST(!j.at("certified").at("lambda_min").at("certified").as_bool());
  BOOST_TEST(j.at("float64").at("lambda_min").is_number());

  // The readable table names every computation; --help exits 0.
  const run_result t = sb.certify("compare --data '" + adversarial_dir + "/near-duplicates-1e-6.csv'");
  BOOST_TEST(t.status == 0);
  for (const char* name : {"float64", "float32", "atan2-float64", "atan2-float32", "certified"})
    BOOST_TEST(t.out.find(name) != std::string::npos);
  BOOST_TEST(sb.certify("compare --help").status == 0);
}
