// ddinterval (double-word endpoints) against MPFR: containment of every operation and function for
// random double-word endpoints (random low parts, subnormal low parts, wide and thin intervals, mixed
// signs, tiny, huge, infinite, zero), the documented widths on point operands, the normalisation
// invariant, NaN and domain conventions, and the conversions.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>

#include "interval/interval.hpp"
#include "reference.hpp"

using namespace ntk;
using ref::inf;

namespace {

// Precision at which every double-word (<= 2098 significant bits) and every product of two is exact.
constexpr mpfr_prec_t kExact = 4400;
constexpr double u2 = 0x1p-106;

// Exact MPFR value of a double-word (kExact bits).
void set_dw(mpfr_ptr m, const dw& a) {
  mpfr_set_d(m, a.hi, MPFR_RNDN);
  if (a.lo != 0) mpfr_add_d(m, m, a.lo, MPFR_RNDN);
}

bool normalised(const dw& a) {
  if (std::isnan(a.hi)) return true;
  if (std::isinf(a.hi)) return a.lo == 0;
  return a.hi + a.lo == a.hi && std::fabs(a.lo) <= std::fabs(a.hi);
}

// Random generators of double-words and intervals over the hard cases.
class dd_gen {
 public:
  explicit dd_gen(std::uint64_t seed) : g(seed) {}
  ref::gen g;

  double low_part(double hi) {
    if (hi == 0 || !std::isfinite(hi)) return 0.0;
    switch (g.integer(0, 5)) {
      case 0: return 0.0;
      case 1: return std::ldexp(g.uniform(-1, 1), -g.integer(1022, 1074));  // subnormal low part
      case 2: return std::ldexp(g.uniform(-1, 1), std::ilogb(hi) - 53 - g.integer(0, 60));
      default: return std::ldexp(g.uniform(-1, 1), std::ilogb(hi) - 53);  // full-width low part
    }
  }
  dw normalise(double hi, double lo) {
    const dw r = dw_detail::fast_two_sum(hi, lo);
    return std::isfinite(r.hi) ? r : dw{hi, 0.0};
  }
  // A double-word from the mixed distribution of reference.hpp (kinds: any, moderate, [-1, 1]-ish).
  dw value(bool allow_inf = true) {
    double hi;
    switch (g.integer(0, 3)) {
      case 0: hi = g.mixed(allow_inf); break;
      case 1: hi = std::ldexp(g.uniform(-1, 1), g.integer(-60, 60)); break;
      case 2: hi = std::ldexp(g.uniform(-1, 1), g.integer(-1000, 1000)); break;
      default: hi = g.uniform(-4, 4); break;
    }
    return normalise(hi, low_part(hi));
  }
  ddinterval interval(bool allow_inf = true) {
    dw a = value(allow_inf), b;
    switch (g.integer(0, 3)) {
      case 0: b = a; break;                                            // point
      case 1: b = value(allow_inf); break;                             // wide
      case 2: b = normalise(a.hi, a.lo + std::ldexp(std::fabs(a.hi), -53 - g.integer(1, 50))); break;  // thin
      default: b = normalise(a.hi * (1 + g.uniform(0, 1e-3)), low_part(a.hi)); break;
    }
    if (!std::isfinite(b.hi) && !std::isinf(b.hi)) b = a;
    if (dd_detail::lt(b, a)) std::swap(a, b);
    if (a.hi == inf) a = {DBL_MAX, 0};
    if (b.hi == -inf) b = {-DBL_MAX, 0};
    return {a, b};
  }
  // Real points of x (MPFR, kExact bits): both endpoints, interior points, a far point on an
  // unbounded side, and 0 when x contains it.
  void points(const ddinterval& x, std::vector<ref::mp*>& out) {
    auto add = [&](std::function<void(mpfr_ptr)> set) {
      auto* p = new ref::mp(kExact);
      set(p->v);
      out.push_back(p);
    };
    const bool lo_inf = std::isinf(x.lo.hi), hi_inf = std::isinf(x.hi.hi);
    if (!lo_inf) add([&](mpfr_ptr m) { set_dw(m, x.lo); });
    if (!hi_inf) add([&](mpfr_ptr m) { set_dw(m, x.hi); });
    if (lo_inf) add([&](mpfr_ptr m) {
      mpfr_set_si_2exp(m, -1, g.integer(0, 1100), MPFR_RNDN);
      if (!hi_inf) { ref::mp h(kExact); set_dw(h, x.hi); mpfr_min(m, m, h, MPFR_RNDN); }
    });
    if (hi_inf) add([&](mpfr_ptr m) {
      mpfr_set_si_2exp(m, 1, g.integer(0, 1100), MPFR_RNDN);
      if (!lo_inf) { ref::mp l(kExact); set_dw(l, x.lo); mpfr_max(m, m, l, MPFR_RNDN); }
    });
    if (!lo_inf && !hi_inf)
      for (int i = 0; i < 2; ++i)
        add([&](mpfr_ptr m) {  // lo + t (hi - lo), t random, rounded into [lo, hi]
          ref::mp l(kExact), h(kExact);
          set_dw(l, x.lo);
          set_dw(h, x.hi);
          mpfr_sub(m, h, l, MPFR_RNDN);
          mpfr_mul_d(m, m, g.uniform(0, 1), MPFR_RNDN);
          mpfr_add(m, m, l, MPFR_RNDN);
          mpfr_max(m, m, l, MPFR_RNDN);
          mpfr_min(m, m, h, MPFR_RNDN);
        });
    if (contains(x, 0.0)) add([](mpfr_ptr m) { mpfr_set_zero(m, 1); });
  }
};

// result ∋ v, where [vd, vu] brackets v (vd <= v <= vu): checks lo <= vd and vu <= hi exactly.
bool encloses(const ddinterval& r, mpfr_srcptr vd, mpfr_srcptr vu) {
  if (dd_detail::has_nan(r)) return false;
  ref::mp e(kExact);
  if (r.lo.hi != -inf) {
    set_dw(e, r.lo);
    if (mpfr_cmp(e, vd) > 0) return false;
  }
  if (r.hi.hi != inf) {
    set_dw(e, r.hi);
    if (mpfr_cmp(e, vu) < 0) return false;
  }
  return true;
}

bool well_formed(const ddinterval& r) {
  return normalised(r.lo) && normalised(r.hi) && (dd_detail::has_nan(r) || dd_detail::le(r.lo, r.hi));
}

// Relative width (hi - lo)/|v| in units of u^2 (v the exact value, nonzero).
double rel_width_u2(const ddinterval& r, mpfr_srcptr v) {
  ref::mp w(kExact), e(kExact);
  set_dw(w, r.hi);
  set_dw(e, r.lo);
  mpfr_sub(w, w, e, MPFR_RNDU);
  mpfr_div(w, w, v, MPFR_RNDU);
  return std::fabs(mpfr_get_d(w, MPFR_RNDU)) / u2;
}

using binop = std::function<ddinterval(const ddinterval&, const ddinterval&)>;
using mpop = std::function<void(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t)>;

struct op_case {
  std::string name;
  binop f;
  mpop ref;
  double width_u2;  // documented relative width on point operands in the safe range
};

std::vector<op_case> binary_ops() {
  return {
      {"+", [](const ddinterval& a, const ddinterval& b) { return a + b; },
       [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t d) { mpfr_add(r, a, b, d); }, 12},
      {"-", [](const ddinterval& a, const ddinterval& b) { return a - b; },
       [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t d) { mpfr_sub(r, a, b, d); }, 12},
      {"*", [](const ddinterval& a, const ddinterval& b) { return a * b; },
       [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t d) { mpfr_mul(r, a, b, d); }, 22},
      {"/", [](const ddinterval& a, const ddinterval& b) { return a / b; },
       [](mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b, mpfr_rnd_t d) { mpfr_div(r, a, b, d); }, 36},
  };
}

void free_points(std::vector<ref::mp*>& v) {
  for (auto* p : v) delete p;
  v.clear();
}


// Double-words of [-1, 1] that exercise every branch: near +-1 (1 - 1e-30 and the like), near
// +-1/2, table points, tiny and subnormal, exact 0 and +-1, random.
dw hard_unit_point(dd_gen& G) {
  const double sign = G.g.integer(0, 1) ? 1.0 : -1.0;
  double h, l = 0;
  switch (G.g.integer(0, 8)) {
    case 0: h = G.g.uniform(-1, 1); l = G.low_part(h); break;
    case 1: h = sign; l = -sign * std::ldexp(G.g.uniform(0, 1), -G.g.integer(53, 200)); break;  // 1 - 1e-30
    case 2: h = sign * (1 - std::ldexp(G.g.uniform(0, 1), -G.g.integer(1, 52))); l = G.low_part(h); break;
    case 3: h = sign * (0.5 + std::ldexp(G.g.uniform(-1, 1), -G.g.integer(1, 60))); l = G.low_part(h); break;
    case 4: h = sign * G.g.integer(0, 64) / 128.0; l = G.g.integer(0, 1) ? 0.0 : std::ldexp(G.g.uniform(-1, 1), -G.g.integer(60, 1074)); break;
    case 5: h = std::ldexp(G.g.uniform(-1, 1), -G.g.integer(0, 1074)); l = G.low_part(h); break;
    case 6: h = sign * G.g.integer(0, 2) * 0.5; break;  // 0, +-1/2, +-1 exactly
    default: h = G.g.uniform(-1, 1); l = std::ldexp(G.g.uniform(-1, 1), -G.g.integer(1022, 1074)); break;
  }
  const dw r = G.normalise(h, l);
  if (dd_detail::lt(dw{1.0, 0}, r)) return {1.0, 0};
  if (dd_detail::lt(r, dw{-1.0, 0})) return {-1.0, 0};
  return r;
}

// [fd, fu] brackets asin / acos of the real t in [-1, 1] (t exact at kExact bits; the function
// correctly rounded down and up at `prec` bits).
void bracket_unit(bool is_asin, mpfr_srcptr t, ref::mp& fd, ref::mp& fu, mpfr_prec_t prec) {
  mpfr_set_prec(fd, prec);
  mpfr_set_prec(fu, prec);
  is_asin ? mpfr_asin(fd, t, MPFR_RNDD) : mpfr_acos(fd, t, MPFR_RNDD);
  is_asin ? mpfr_asin(fu, t, MPFR_RNDU) : mpfr_acos(fu, t, MPFR_RNDU);
}

// r contains asin(t) / acos(t): decided with a 300-bit bracket, and at 2400 bits when that one is
// too coarse (results for tiny t are exact to far more than 300 bits).
bool encloses_unit(bool is_asin, const ddinterval& r, mpfr_srcptr t) {
  ref::mp fd(300), fu(300);
  bracket_unit(is_asin, t, fd, fu, 300);
  if (encloses(r, fd, fu)) return true;
  bracket_unit(is_asin, t, fd, fu, 2400);
  return encloses(r, fd, fu);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ddinterval_tests)

BOOST_AUTO_TEST_CASE(arithmetic_contains_every_point) {
  dd_gen G(901);
  ref::mp vd(kExact), vu(kExact);
  std::vector<ref::mp*> px, py;
  for (const op_case& op : binary_ops()) {
    int fails = 0, checked = 0;
    for (int i = 0; i < 3000 && fails < 5; ++i) {
      const ddinterval x = G.interval(), y = G.interval();
      const ddinterval r = op.f(x, y);
      if (!well_formed(r)) {
        ++fails;
        BOOST_ERROR(op.name << ": malformed result [" << std::hexfloat << r.lo.hi << "+" << r.lo.lo << ", " << r.hi.hi
                            << "+" << r.hi.lo << "]");
        continue;
      }
      G.points(x, px);
      G.points(y, py);
      for (auto* a : px)
        for (auto* b : py) {
          if (op.name == "/" && mpfr_zero_p(b->v)) continue;
          op.ref(vd, a->v, b->v, MPFR_RNDD);
          op.ref(vu, a->v, b->v, MPFR_RNDU);
          ++checked;
          if (!encloses(r, vd, vu)) {
            ++fails;
            BOOST_ERROR(op.name << " misses a point: x = [" << std::hexfloat << x.lo.hi << "+" << x.lo.lo << ", "
                                << x.hi.hi << "+" << x.hi.lo << "], y = [" << y.lo.hi << "+" << y.lo.lo << ", "
                                << y.hi.hi << "+" << y.hi.lo << "], a = " << mpfr_get_d(a->v, MPFR_RNDN)
                                << ", b = " << mpfr_get_d(b->v, MPFR_RNDN));
          }
        }
      free_points(px);
      free_points(py);
    }
    BOOST_TEST(fails == 0, op.name);
    BOOST_TEST(checked > 10000, op.name);
  }
}

BOOST_AUTO_TEST_CASE(arithmetic_width_on_points) {
  // Point operands in the safe range: the result width is within the documented bound, and every
  // result is strictly wider than an exact value when the value is not a double-word (so the
  // widening is really there: a test that a missing widening would fail).
  dd_gen G(902);
  ref::mp v(kExact);
  for (const op_case& op : binary_ops()) {
    double worst = 0;
    int fails = 0;
    for (int i = 0; i < 20000 && fails < 5; ++i) {
      const double ah = std::ldexp(G.g.uniform(-1, 1), G.g.integer(-400, 400));
      const double bh = std::ldexp(G.g.uniform(-1, 1), G.g.integer(-400, 400));
      if (ah == 0 || bh == 0) continue;
      const dw a = G.normalise(ah, std::ldexp(G.g.uniform(-1, 1), std::ilogb(ah) - 54));
      const dw b = G.normalise(bh, std::ldexp(G.g.uniform(-1, 1), std::ilogb(bh) - 54));
      const ddinterval r = op.f(ddinterval(a, a), ddinterval(b, b));
      ref::mp ma(kExact), mb(kExact);
      set_dw(ma, a);
      set_dw(mb, b);
      op.ref(v, ma, mb, MPFR_RNDN);  // exact for + - *; 4400-bit rounded quotient for /
      if (mpfr_zero_p(v)) continue;
      const double w = rel_width_u2(r, v);
      worst = std::max(worst, w);
      if (!(w <= op.width_u2) || !encloses(r, v, v)) {
        ++fails;
        BOOST_ERROR(op.name << ": width " << w << " u^2 at a = " << std::hexfloat << a.hi << "+" << a.lo << ", b = " << b.hi
                            << "+" << b.lo);
      }
    }
    BOOST_TEST(fails == 0, op.name);
    BOOST_TEST(worst > 0.5, op.name << ": results are widened");  // fails if widening were dropped
    BOOST_TEST_MESSAGE("ddinterval " << op.name << ": worst relative width " << worst << " u^2 (bound " << op.width_u2 << ")");
  }
}

BOOST_AUTO_TEST_CASE(unary_functions_contain_every_point) {
  dd_gen G(903);
  ref::mp vd(kExact), vu(kExact), t(kExact);
  std::vector<ref::mp*> px;
  int fails = 0;
  double worst_sqrt = 0;
  for (int i = 0; i < 6000 && fails < 5; ++i) {
    const ddinterval x = G.interval();
    const ddinterval s = sqr(x), q = sqrt_nonneg(x), a = abs(x), n = -x;
    if (!well_formed(s) || !well_formed(q) || !well_formed(a) || !well_formed(n)) {
      ++fails;
      BOOST_ERROR("malformed unary result");
      continue;
    }
    G.points(x, px);
    for (auto* p : px) {
      mpfr_sqr(vd, p->v, MPFR_RNDD);
      mpfr_sqr(vu, p->v, MPFR_RNDU);
      bool ok = encloses(s, vd, vu);
      mpfr_abs(t, p->v, MPFR_RNDN);
      ok = ok && encloses(a, t, t);
      mpfr_neg(t, p->v, MPFR_RNDN);
      ok = ok && encloses(n, t, t);
      if (mpfr_sgn(p->v) >= 0) {
        mpfr_sqrt(vd, p->v, MPFR_RNDD);
        mpfr_sqrt(vu, p->v, MPFR_RNDU);
        ok = ok && encloses(q, vd, vu);
      }
      if (!ok) {
        ++fails;
        BOOST_ERROR("unary miss at x = [" << std::hexfloat << x.lo.hi << "+" << x.lo.lo << ", " << x.hi.hi << "+" << x.hi.lo
                                          << "], t = " << mpfr_get_d(p->v, MPFR_RNDN));
      }
    }
    free_points(px);
    if (ddi_is_point(x) && dd_detail::in_range(x.lo.hi) && x.lo.hi > 0 && x.lo.hi < 0x1p990) {
      ref::mp e(kExact);
      set_dw(e, x.lo);
      mpfr_sqrt(e, e, MPFR_RNDN);
      const double w = rel_width_u2(q, e);
      worst_sqrt = std::max(worst_sqrt, w);
      if (!(w <= 20)) {
        ++fails;
        BOOST_ERROR("sqrt width " << w << " u^2");
      }
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST_MESSAGE("ddinterval sqrt: worst relative width on points " << worst_sqrt << " u^2 (bound 20)");
}

BOOST_AUTO_TEST_CASE(lattice_operations) {
  dd_gen G(904);
  int fails = 0;
  for (int i = 0; i < 20000 && fails < 5; ++i) {
    const ddinterval x = G.interval(), y = G.interval();
    const ddinterval h = hull(x, y);
    bool ok = dd_detail::le(h.lo, x.lo) && dd_detail::le(h.lo, y.lo) && dd_detail::le(x.hi, h.hi) &&
              dd_detail::le(y.hi, h.hi) && (dd_detail::lt(h.lo, x.lo) ? !dd_detail::lt(y.lo, h.lo) && !dd_detail::lt(h.lo, y.lo) : true);
    const double l = std::min(G.g.mixed(false), G.g.mixed(false)), hh = std::max(l, G.g.mixed(false));
    const ddinterval c = intersect(x, l, hh);
    // Either the true intersection, or (when empty) the nearer bound as a point.
    const bool meets = !dd_detail::lt(dd_detail::from_d(hh), x.lo) && !dd_detail::lt(x.hi, dd_detail::from_d(l));
    if (meets)
      ok = ok && dd_detail::le(dd_detail::from_d(l), c.lo) && dd_detail::le(x.lo, c.lo) &&
           dd_detail::le(c.hi, dd_detail::from_d(hh)) && dd_detail::le(c.hi, x.hi) &&
           (dd_detail::lt(x.lo, dd_detail::from_d(l)) ? c.lo.hi == l && c.lo.lo == 0 : c.lo.hi == x.lo.hi);
    else
      ok = ok && ddi_is_point(c) && (c.lo.hi == l || c.lo.hi == hh);
    const ddinterval m = ddi_meet(x, h);  // x ⊂ h: the meet is x
    ok = ok && m.lo.hi == x.lo.hi && m.lo.lo == x.lo.lo && m.hi.hi == x.hi.hi && m.hi.lo == x.hi.lo;
    // Observers: lower_d <= every point <= upper_d, within one double of the endpoints.
    ok = ok && dd_detail::le(dd_detail::from_d(lower_d(x)), x.lo) && dd_detail::le(x.hi, dd_detail::from_d(upper_d(x)));
    if (std::isfinite(x.lo.hi)) ok = ok && lower_d(x) >= next_down(x.lo.hi);
    ok = ok && contains(x, lower_d(x)) == (x.lo.lo == 0 || std::isinf(x.lo.hi));
    if (!ok) {
      ++fails;
      BOOST_ERROR("lattice/observer check failed at x = [" << std::hexfloat << x.lo.hi << "+" << x.lo.lo << ", " << x.hi.hi
                                                            << "+" << x.hi.lo << "]");
    }
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(nan_and_special_conventions) {
  const ddinterval N = interval_traits<ddinterval>::nan(), one(1.0), x(-2.0, 3.0);
  for (const ddinterval& r : {N + one, one - N, N * one, one / N, sqr(N), sqrt_nonneg(N), abs(N), hull(N, one),
                              intersect(N, 0, 1), asin(N), acos(N), asin(ddinterval(1.5, 2.0)),
                              acos(ddinterval(-3.0, -1.25))})
    BOOST_TEST((std::isnan(r.lo.hi) && std::isnan(r.hi.hi)));
  BOOST_TEST(!is_finite(N));
  BOOST_TEST(std::isnan(lower_d(N)));
  const ddinterval q = one / x;  // divisor contains 0
  BOOST_TEST((q.lo.hi == -inf && q.hi.hi == inf));
  const ddinterval z = ddinterval(0.0, inf) * ddinterval(0.0);  // 0 * inf counts as 0
  BOOST_TEST((z.lo.hi == 0 && z.hi.hi == 0));
  const ddinterval s = sqrt_nonneg(ddinterval(-4.0, -1.0));
  BOOST_TEST((s.lo.hi == 0 && s.hi.hi == 0));
  BOOST_TEST(ddi_is_zero(ddinterval(1.0) - ddinterval(1.0)));  // exact zero stays exact
  const ddinterval third = ddinterval(1.0) / 3.0, s0 = ddinterval(0.0) + third;  // adding 0 is exact
  BOOST_TEST((s0.lo.hi == third.lo.hi && s0.lo.lo == third.lo.lo && s0.hi.hi == third.hi.hi && s0.hi.lo == third.hi.lo));
  const ddinterval big = ddinterval(DBL_MAX) * ddinterval(4.0);  // overflow: unbounded above
  BOOST_TEST((big.hi.hi == inf && big.lo.hi == DBL_MAX));
}

BOOST_AUTO_TEST_CASE(traits_and_constants) {
  using T = interval_traits<ddinterval>;
  BOOST_TEST(!T::is_double_tier);
  BOOST_TEST(T::precision_bits() == 106);
  ref::mp pi(400), e(400);
  mpfr_const_pi(pi, MPFR_RNDN);
  const ddinterval P = T::pi();
  set_dw(e, P.lo);
  BOOST_TEST(mpfr_cmp(e, pi) < 0);
  set_dw(e, P.hi);
  BOOST_TEST(mpfr_cmp(e, pi) > 0);
  BOOST_TEST(upper_d(P) == dinterval_pi.hi);
  const ddinterval p = T::point(0.1), m = T::make(-1.0, 2.0);
  BOOST_TEST((p.lo.hi == 0.1 && p.hi.hi == 0.1 && p.lo.lo == 0 && m.lo.hi == -1.0 && m.hi.hi == 2.0));
  const ddinterval x{dw{1.0, 0x1p-60}, dw{2.0, -0x1p-60}};
  BOOST_TEST((T::lower_point(x).hi.lo == 0x1p-60 && T::upper_point(x).lo.hi == 2.0));
}

BOOST_AUTO_TEST_CASE(conversions) {
  dd_gen G(905);
  int fails = 0;
  mpz_t z;
  mpz_init(z);
  ref::mp e(kExact), zr(kExact);
  for (int i = 0; i < 20000 && fails < 5; ++i) {
    // Integers of up to 127 bits: contained, exact below 2^106.
    __int128 v = static_cast<__int128>(G.g.bits()) << 63 | static_cast<__int128>(G.g.bits() >> 1);
    v >>= G.g.integer(0, 126);
    if (G.g.integer(0, 1)) v = -v;
    const ddinterval r = ddi_from_i128(v);
    const unsigned long long hi64 = static_cast<unsigned long long>((v < 0 ? -v : v) >> 64);
    mpz_set_ui(z, hi64);
    mpz_mul_2exp(z, z, 64);
    mpz_add_ui(z, z, static_cast<unsigned long long>(v < 0 ? -v : v));
    if (v < 0) mpz_neg(z, z);
    mpfr_set_z(zr, z, MPFR_RNDN);
    const ddinterval rz = ddi_from_mpz(z);
    const bool small = mpz_sizeinbase(z, 2) <= 106;
    bool ok = encloses(r, zr, zr) && encloses(rz, zr, zr) && well_formed(r) && well_formed(rz);
    if (small) ok = ok && ddi_is_point(r) && ddi_is_point(rz);
    // To MPFI and back at 2200 bits: exact round trip.
    const ddinterval x = G.interval();
    mpfi_t m;
    mpfi_init2(m, 2200);
    ddi_to_mpfi(m, x);
    const ddinterval back = ddi_from_mpfi(m);
    ok = ok && back.lo.hi == x.lo.hi && back.lo.lo == x.lo.lo && back.hi.hi == x.hi.hi && back.hi.lo == x.hi.lo;
    // At 64 bits: outward.
    mpfi_set_prec(m, 64);
    ddi_to_mpfi(m, x);
    if (std::isfinite(x.lo.hi)) { set_dw(e, x.lo); ok = ok && mpfr_cmp(&m->left, e) <= 0; }
    if (std::isfinite(x.hi.hi)) { set_dw(e, x.hi); ok = ok && mpfr_cmp(&m->right, e) >= 0; }
    const ddinterval b64 = ddi_from_mpfi(m);
    ok = ok && dd_detail::le(b64.lo, x.lo) && dd_detail::le(x.hi, b64.hi) && well_formed(b64);
    mpfi_clear(m);
    // ldexp: contains x 2^k.
    const long k = G.g.integer(-1200, 1200);
    const ddinterval sc = ddi_ldexp(x, k);
    ok = ok && well_formed(sc);
    if (std::isfinite(x.lo.hi)) { set_dw(e, x.lo); mpfr_mul_2si(e, e, k, MPFR_RNDN); ok = ok && encloses(ddinterval(sc.lo, dw{inf, 0}), e, e); }
    if (std::isfinite(x.hi.hi)) { set_dw(e, x.hi); mpfr_mul_2si(e, e, k, MPFR_RNDN); ok = ok && encloses(ddinterval(dw{-inf, 0}, sc.hi), e, e); }
    if (!ok) {
      ++fails;
      BOOST_ERROR("conversion check failed (i = " << i << ")");
    }
  }
  mpz_clear(z);
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_CASE(asin_acos_points_contained_and_tight) {
  // Point arguments: containment and relative width <= 2^-98 (documented 2^-100 or so).
  dd_gen G(906);
  ref::mp fd(300), fu(300), t(kExact);
  int fails = 0;
  double worst[2] = {0, 0};
  for (int i = 0; i < 8000 && fails < 5; ++i) {
    const dw p = hard_unit_point(G);
    set_dw(t, p);
    for (int f = 0; f < 2; ++f) {
      const ddinterval r = f == 0 ? asin(ddinterval(p, p)) : acos(ddinterval(p, p));
      bracket_unit(f == 0, t, fd, fu, 300);
      bool ok = well_formed(r) && encloses_unit(f == 0, r, t);
      if (!mpfr_zero_p(fd) && ok && mpfr_cmpabs_ui(t, 0) > 0 && std::fabs(p.hi) >= 0x1p-900) {
        const double w = rel_width_u2(r, fd) * u2;
        worst[f] = std::max(worst[f], w);
        ok = w <= 0x1p-98;
      } else if ((f == 0 && mpfr_zero_p(t)) || (f == 1 && mpfr_cmp_ui(t, 1) == 0)) {
        ok = ok && ddi_is_zero(r);  // asin(0) = 0, acos(1) = 0 exactly
      }
      if (!ok) {
        ++fails;
        BOOST_ERROR((f == 0 ? "asin" : "acos") << " at " << std::hexfloat << p.hi << "+" << p.lo << ": ["
                                               << r.lo.hi << "+" << r.lo.lo << ", " << r.hi.hi << "+" << r.hi.lo << "]");
      }
    }
  }
  BOOST_TEST(fails == 0);
  BOOST_TEST_MESSAGE("ddinterval asin: worst relative width on points " << worst[0] << ", acos " << worst[1]);
}

BOOST_AUTO_TEST_CASE(asin_acos_intervals_clipped_and_contained) {
  dd_gen G(907);
  std::vector<ref::mp*> px;
  int fails = 0;
  for (int i = 0; i < 3000 && fails < 5; ++i) {
    ddinterval x;
    const int kind = G.g.integer(0, 2);
    if (kind == 2) {  // thin: one evaluation on the whole interval
      const dw a = hard_unit_point(G);
      dw b = G.normalise(a.hi, a.lo + std::ldexp(std::fabs(a.hi), -G.g.integer(45, 110)));
      if (dd_detail::lt(dw{1.0, 0}, b)) b = {1.0, 0};
      x = dd_detail::lt(b, a) ? ddinterval(b, a) : ddinterval(a, b);
    } else if (kind == 1) {
      dw a = hard_unit_point(G), b = hard_unit_point(G);
      if (G.g.integer(0, 3) == 0) a = G.normalise(a.hi * 1.25, 0);  // reaches outside [-1, 1]
      if (dd_detail::lt(b, a)) std::swap(a, b);
      x = {a, b};
    } else {
      x = G.interval();
    }
    const ddinterval ra = asin(x), rc = acos(x);
    const bool disjoint = dd_detail::lt(x.hi, dw{-1.0, 0}) || dd_detail::lt(dw{1.0, 0}, x.lo);
    if (disjoint) {
      if (!std::isnan(ra.lo.hi) || !std::isnan(rc.hi.hi)) { ++fails; BOOST_ERROR("disjoint from [-1, 1] must give NaN"); }
      continue;
    }
    G.points(x, px);
    for (auto* p : px) {
      if (mpfr_cmp_si(p->v, 1) > 0 || mpfr_cmp_si(p->v, -1) < 0) continue;  // outside the domain
      bool ok = well_formed(ra) && well_formed(rc);
      ok = ok && encloses_unit(true, ra, p->v) && encloses_unit(false, rc, p->v);
      if (!ok) {
        ++fails;
        BOOST_ERROR("asin/acos miss at x = [" << std::hexfloat << x.lo.hi << "+" << x.lo.lo << ", " << x.hi.hi << "+"
                                              << x.hi.lo << "], t = " << mpfr_get_d(p->v, MPFR_RNDN));
      }
    }
    free_points(px);
  }
  BOOST_TEST(fails == 0);
}

BOOST_AUTO_TEST_SUITE_END()
