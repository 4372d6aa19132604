// The checker's binary64 kernel enclosure (see check_binary64.hpp; docs/certificates.md "Fast route").
//
// Interval arithmetic: every operation rounds to nearest and the result is widened by
// round_down/round_up (lib/interval/rounding.hpp), which bound the exact value of any RN result.
// acos is evaluated by the checker's own argument reduction and Taylor series of asin with a proven
// remainder (no libm function in a bound).
#include <gmp.h>
#include <mpfr.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "certificate/check_binary64.hpp"
#include "interval/rounding.hpp"
#include "linalg/verified_cholesky.hpp"  // binary64_environment_ok only

namespace ntk::check_detail {

namespace {

struct iv {
  double lo, hi;
};

inline iv add(iv a, iv b) { return {round_down(a.lo + b.lo), round_up(a.hi + b.hi)}; }
inline iv sub(iv a, iv b) { return {round_down(a.lo - b.hi), round_up(a.hi - b.lo)}; }
inline iv mul(iv a, iv b) {
  const double p1 = a.lo * b.lo, p2 = a.lo * b.hi, p3 = a.hi * b.lo, p4 = a.hi * b.hi;
  return {round_down(std::min(std::min(p1, p2), std::min(p3, p4))), round_up(std::max(std::max(p1, p2), std::max(p3, p4)))};
}
// b > 0 required (b.lo > 0).
inline iv div_pos(iv a, iv b) {
  return {round_down(a.lo >= 0 ? a.lo / b.hi : a.lo / b.lo), round_up(a.hi >= 0 ? a.hi / b.lo : a.hi / b.hi)};
}
// Square root of a nonnegative-clamped interval: std::sqrt is correctly rounded (IEEE 754).
inline iv sqrt_iv(iv a) { return {round_down(std::sqrt(std::max(a.lo, 0.0))), round_up(std::sqrt(std::max(a.hi, 0.0)))}; }
inline iv clamp(iv a, double lo, double hi) {
  iv r{std::max(a.lo, lo), std::min(a.hi, hi)};
  if (!(r.lo <= r.hi)) r = {lo, hi};  // both contain the true value; disjoint only if one is wrong
  return r;
}

// asin(y) = Σ_k c_k y^(2k+1), c_k = (2k)!/(4^k (k!)² (2k+1)). For 0 <= y <= 1/2 the terms from
// k = K on sum to at most y^(2K+1)/((2K+1)(1 − y²)) <= y·2^−2K·(4/3)/(2K+1) <= y·2^−60 for K = 28.
constexpr int K_terms = 28;

struct constants {
  double clo[K_terms], chi[K_terms];  // c_k rounded down / up
  double pi_lo, pi_hi, half_pi_lo, half_pi_hi;
  constants() {
    mpq_t c, f;
    mpq_init(c);
    mpq_init(f);
    mpfr_t x;
    mpfr_init2(x, 53);
    mpq_set_ui(c, 1, 1);  // (2k)!/(4^k (k!)²) at k = 0
    for (int k = 0; k < K_terms; ++k) {
      if (k > 0) {  // ratio (2k)(2k−1)/(4k²) = (2k−1)/(2k)
        mpq_set_ui(f, static_cast<unsigned long>(2 * k - 1), static_cast<unsigned long>(2 * k));
        mpq_mul(c, c, f);
      }
      mpq_set_ui(f, 1, static_cast<unsigned long>(2 * k + 1));
      mpq_mul(f, f, c);
      mpfr_set_q(x, f, MPFR_RNDD);
      clo[k] = mpfr_get_d(x, MPFR_RNDD);
      mpfr_set_q(x, f, MPFR_RNDU);
      chi[k] = mpfr_get_d(x, MPFR_RNDU);
    }
    mpfr_const_pi(x, MPFR_RNDD);
    pi_lo = mpfr_get_d(x, MPFR_RNDD);
    mpfr_const_pi(x, MPFR_RNDU);
    pi_hi = mpfr_get_d(x, MPFR_RNDU);
    half_pi_lo = pi_lo / 2;  // exact
    half_pi_hi = pi_hi / 2;
    mpfr_clear(x);
    mpq_clear(c);
    mpq_clear(f);
  }
};

const constants& K() {
  static const constants k;
  return k;
}

// Σ_{m=0}^{26} a_m z^m at one z >= 0 for nonnegative coefficients a_m = c[m + 1], each operation
// followed by the outward step `step` (down_nonneg or up_nonneg of rounding.hpp: every quantity is
// >= 0, so one step of the bit pattern bounds it), by Estrin's scheme: with every coefficient and z
// on the same side, each partial sum bounds its exact counterpart on that side, and the tree's
// depth is 5 multiplications instead of Horner's 26 (the chain's latency, not the operation count,
// is what costs here).
template <class Step>
double poly_estrin(const double* c, double z, Step step) {
  const double z2 = step(z * z), z4 = step(z2 * z2), z8 = step(z4 * z4), z16 = step(z8 * z8);
  double p[14];
  for (int i = 0; i < 13; ++i) p[i] = step(c[2 * i + 1] + step(c[2 * i + 2] * z));  // a_2i + a_2i+1 z
  p[13] = c[27];                                                                 // a_26
  double q[7];
  for (int i = 0; i < 7; ++i) q[i] = step(p[2 * i] + step(p[2 * i + 1] * z2));
  const double r0 = step(q[0] + step(q[1] * z4)), r1 = step(q[2] + step(q[3] * z4));
  const double r2 = step(q[4] + step(q[5] * z4)), r3 = q[6];
  const double t0 = step(r0 + step(r1 * z8)), t1 = step(r2 + step(r3 * z8));
  return step(t0 + step(t1 * z16));
}

// asin over [y.lo, y.hi] ⊂ [0, 1/2] with z = y² enclosed by [z.lo, z.hi]: asin is increasing and
// every term is >= 0, so the lower end uses lower values rounded down, the upper end upper values
// rounded up, plus the remainder bound y·2^−60.
iv asin_small(iv y, iv z) {
  const constants& k = K();
  const auto dn = [](double v) { return down_nonneg(v); };
  const auto up = [](double v) { return up_nonneg(v); };
  const double qlo = poly_estrin(k.clo, std::max(z.lo, 0.0), dn);
  const double qhi = poly_estrin(k.chi, z.hi, up);
  // asin = y + y·z·q
  const double tlo = dn(dn(y.lo * z.lo) * qlo);
  const double thi = up(up(y.hi * z.hi) * qhi);
  const double rem = up(y.hi * 0x1p-60);
  return {dn(y.lo + tlo), up(up(y.hi + thi) + rem)};
}

// acos(x) for a double x in [−1, 1].
iv acos_point(double x) {
  const constants& k = K();
  const double ax = std::fabs(x);
  if (ax <= 0.5) {
    const double zz = x * x;
    const iv a = asin_small({ax, ax}, {round_down(zz), round_up(zz)});
    const iv s = x >= 0 ? a : iv{-a.hi, -a.lo};
    return sub({k.half_pi_lo, k.half_pi_hi}, s);  // π/2 − asin x
  }
  // acos x = 2 asin √((1 − x)/2) (x > 1/2), π − 2 asin √((1 + x)/2) (x < −1/2); 1 ∓ x is exact
  // (Sterbenz) and so is the halving.
  const double z = (1.0 - ax) / 2;
  const iv y = sqrt_iv({z, z});
  const iv a = asin_small(y, {z, z});
  const iv two_a{2 * a.lo, 2 * a.hi};  // exact
  if (x > 0) return two_a;
  return sub({k.pi_lo, k.pi_hi}, two_a);
}

// κ₀(x) = 1 − θ/π and κ₁(x) = (√((1 − x)(1 + x)) + (π − θ)x)/π at a point x, θ = acos x.
struct kappas {
  iv k0, k1;
};
kappas kappa_point(double x) {
  const constants& k = K();
  const iv th = acos_point(x);
  const iv pi{k.pi_lo, k.pi_hi};
  kappas r;
  r.k0 = clamp(sub({1, 1}, div_pos(th, pi)), 0, 1);
  const iv om = clamp(sub({1, 1}, {x, x}), 0, 2), op = clamp(add({1, 1}, {x, x}), 0, 2);
  const iv s = sqrt_iv(mul(om, op));
  r.k1 = clamp(div_pos(add(s, mul(sub(pi, th), {x, x})), pi), 0, 1);
  return r;
}

// κ₀, κ₁ over [a, b]: both are increasing on [−1, 1] (κ₀' = 1/(π√(1−x²)) > 0, κ₁' = κ₀ >= 0).
kappas kappa_range(iv rho) {
  if (rho.lo == rho.hi) return kappa_point(rho.lo);
  const kappas a = kappa_point(rho.lo), b = kappa_point(rho.hi);
  return {{a.k0.lo, b.k0.hi}, {a.k1.lo, b.k1.hi}};
}

// The depth-L kernel of unit vectors at correlation ρ: k ← κ₁(ρ) + k·κ₀(ρ), ρ ← κ₁(ρ), k₁ = ρ.
iv unit_kernel(iv rho, int depth) {
  iv k = rho;
  for (int l = 2; l <= depth; ++l) {
    const kappas kk = kappa_range(rho);
    k = add(kk.k1, mul(k, kk.k0));
    rho = kk.k1;
  }
  return k;
}

// Outward double bounds of an integer.
iv z_to_iv(const mpz_t z) {
  const double d = mpz_get_d(z);  // truncates toward zero
  if (mpz_cmp_d(z, d) == 0) return {d, d};
  return d >= 0 ? iv{d, next_up(d)} : iv{next_down(d), d};
}

}  // namespace

binary64_enclosure enclose_kernel_binary64(const integer_rows& rows, int depth, bool scaled, int threads) {
  binary64_enclosure e;
  const std::size_t n = rows.n, d = rows.d;
  e.n = n;
  if (!binary64_environment_ok()) {
    e.why = "the floating-point environment is not binary64 round-to-nearest with gradual underflow";
    return e;
  }
  threads = std::max(1, threads);
  auto run = [&](auto&& body) {  // body(worker) for worker = 0..threads-1
    std::vector<std::thread> pool;
    for (int w = 1; w < threads; ++w) pool.emplace_back(body, w);
    body(0);
    for (auto& t : pool) t.join();
  };

  // Gram matrix: upper triangle holds lower ends, lower triangle upper ends (equal when exact).
  std::size_t bits = 0;
  for (const auto& v : rows.y) bits = std::max(bits, mpz_sizeinbase(v.v, 2));
  std::size_t dbits = 0;
  while ((std::size_t{1} << dbits) < d) ++dbits;
  Eigen::MatrixXd& G = e.mid;
  if (2 * bits + dbits <= 53) {
    // |y| < 2^bits, so every partial sum of a dot product is an integer below d·2^(2·bits) <= 2^53:
    // every product and sum is exact in any order (Eigen's blocking included).
    Eigen::MatrixXd Y(n, d);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) Y(static_cast<long>(i), static_cast<long>(k)) = mpz_get_d(rows.y[i * d + k].v);
    G.resize(static_cast<long>(n), static_cast<long>(n));
    const long chunk = 64, nn = static_cast<long>(n);
    std::atomic<long> next{0};
    run([&](int) {
      for (long c; (c = next.fetch_add(chunk)) < nn;) {
        const long w = std::min(chunk, nn - c);
        G.middleCols(c, w).noalias() = Y * Y.middleRows(c, w).transpose();
      }
    });
  } else {
    const std::vector<zint> g = exact_gram(rows);
    G.resize(static_cast<long>(n), static_cast<long>(n));
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i <= j; ++i) {
        const iv x = z_to_iv(g[tri(i, j)].v);
        G(static_cast<long>(i), static_cast<long>(j)) = x.lo;
        G(static_cast<long>(j), static_cast<long>(i)) = x.hi;
      }
  }
  std::vector<iv> gd(n), s(n);
  for (std::size_t i = 0; i < n; ++i) {
    const long ii = static_cast<long>(i);
    gd[i] = {G(ii, ii), G(ii, ii)};
    if (!(gd[i].lo > 0) || !std::isfinite(gd[i].hi)) {
      e.why = "row " + std::to_string(i + 1) + " is zero or too large for binary64";
      return e;
    }
    s[i] = sqrt_iv(gd[i]);
  }
  e.rad.assign(n * (n + 1) / 2, 0.0);
  const double L = depth;
  for (std::size_t i = 0; i < n; ++i) {  // W_ii = L·G_ii (scaled) or L, exactly
    const long ii = static_cast<long>(i);
    const iv w = scaled ? mul({L, L}, gd[i]) : iv{L, L};
    G(ii, ii) = w.lo;
    e.rad[tri(i, i)] = w.hi - w.lo == 0 ? 0.0 : round_up(w.hi - w.lo);
  }
  std::atomic<long> next{1};
  std::atomic<bool> bad{false};
  const long nn = static_cast<long>(n);
  run([&](int) {
    for (long j; (j = next.fetch_add(1)) < nn;) {
      for (long i = 0; i < j; ++i) {
        const iv g{G(i, j), G(j, i)};
        const iv rho = clamp(div_pos(g, mul(s[static_cast<std::size_t>(i)], s[static_cast<std::size_t>(j)])), -1, 1);
        iv w = unit_kernel(rho, depth);
        if (scaled) w = mul(w, mul(s[static_cast<std::size_t>(i)], s[static_cast<std::size_t>(j)]));
        const double m = 0.5 * w.lo + 0.5 * w.hi;  // any value in [lo, hi]; the radius covers it
        const double r = std::max(round_up(w.hi - m), round_up(m - w.lo));
        if (!(std::isfinite(m) && r < HUGE_VAL)) bad = true;
        G(i, j) = m;
        G(j, i) = m;
        e.rad[tri(static_cast<std::size_t>(i), static_cast<std::size_t>(j))] = r;
      }
    }
  });
  if (bad) {
    e.why = "a kernel entry is not finite in binary64";
    return e;
  }
  e.ok = true;
  return e;
}

}  // namespace ntk::check_detail
