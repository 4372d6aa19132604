#include "linalg/midrad.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "interval/rounding.hpp"
#include "linalg/float_error.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Four independent accumulators: the error bounds hold for any summation order, and this order
// lets the compiler vectorise without reassociating anything itself.
struct sums3 {
  double a = 0, b = 0, c = 0;
};

inline double dot4(const double* x, const double* y, std::size_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s0 += x[j] * y[j];
    s1 += x[j + 1] * y[j + 1];
    s2 += x[j + 2] * y[j + 2];
    s3 += x[j + 3] * y[j + 3];
  }
  for (; j < n; ++j) s0 += x[j] * y[j];
  return (s0 + s1) + (s2 + s3);
}

// Row i of mid times v, |mid| times |v| and rad times |v|, in one pass.
inline sums3 row_sums(const double* m, const double* r, const double* v, const double* av,
                      std::size_t n) {
  double w0 = 0, w1 = 0, a0 = 0, a1 = 0, b0 = 0, b1 = 0;
  std::size_t j = 0;
  if (!r) {  // no radius stored: the midpoint alone
    for (; j + 2 <= n; j += 2) {
      w0 += m[j] * v[j];
      w1 += m[j + 1] * v[j + 1];
      a0 += std::fabs(m[j]) * av[j];
      a1 += std::fabs(m[j + 1]) * av[j + 1];
    }
    for (; j < n; ++j) {
      w0 += m[j] * v[j];
      a0 += std::fabs(m[j]) * av[j];
    }
    return {w0 + w1, a0 + a1, 0.0};
  }
  for (; j + 2 <= n; j += 2) {
    w0 += m[j] * v[j];
    w1 += m[j + 1] * v[j + 1];
    a0 += std::fabs(m[j]) * av[j];
    a1 += std::fabs(m[j + 1]) * av[j + 1];
    b0 += r[j] * av[j];
    b1 += r[j + 1] * av[j + 1];
  }
  for (; j < n; ++j) {
    w0 += m[j] * v[j];
    a0 += std::fabs(m[j]) * av[j];
    b0 += r[j] * av[j];
  }
  return {w0 + w1, a0 + a1, b0 + b1};
}

}  // namespace

symmetric_midrad to_midrad(const dense_matrix<dinterval>& A) {
  if (A.rows != A.cols) throw std::invalid_argument("to_midrad: matrix is not square");
  symmetric_midrad S;
  const std::size_t n = A.rows;
  S.n = n;
  S.mid.assign(n * n, 0.0);
  S.rad.assign(n * n, 0.0);
  // Tiles keep both A(i,j) and A(j,i) (and the mirrored writes) in cache.
  constexpr std::size_t tile = 64;
  for (std::size_t i0 = 0; i0 < n; i0 += tile) {
    for (std::size_t j0 = 0; j0 <= i0; j0 += tile) {
      const std::size_t i1 = std::min(n, i0 + tile), j1 = std::min(n, j0 + tile);
      for (std::size_t i = i0; i < i1; ++i) {
        for (std::size_t j = j0; j < j1 && j <= i; ++j) {
          const dinterval& a = A(i, j);
          const dinterval& b = A(j, i);
          double lo = std::max(a.lo, b.lo), hi = std::min(a.hi, b.hi);
          if (!(std::isfinite(a.lo) && std::isfinite(a.hi) && std::isfinite(b.lo) &&
                std::isfinite(b.hi))) {
            S.finite = false;
          }
          if (lo > hi) {
            S.consistent = false;
            lo = std::min(a.lo, b.lo);
            hi = std::max(a.hi, b.hi);
          }
          double m, r;
          if (i == j) {
            m = lo;
            r = round_up(hi - lo);
          } else {
            m = 0.5 * lo + 0.5 * hi;  // any m works: r below bounds |x - m| over [lo, hi]
            r = std::max(round_up(m - lo), round_up(hi - m));
          }
          S.mid[i * n + j] = S.mid[j * n + i] = m;
          S.rad[i * n + j] = S.rad[j * n + i] = r;
        }
      }
    }
  }
  if (!S.finite) {
    std::fill(S.mid.begin(), S.mid.end(), std::numeric_limits<double>::quiet_NaN());
    std::fill(S.rad.begin(), S.rad.end(), inf);
  }
  return S;
}

double spectral_radius_upper(const double* R, std::size_t n, bool skip_diagonal, int steps) {
  if (n == 0) return 0.0;
  for (std::size_t k = 0; k < n * n; ++k) {
    if (!(R[k] >= 0 && R[k] < inf)) {
      if (skip_diagonal && k / n == k % n) continue;
      return inf;
    }
  }
  std::vector<double> x(n, 1.0), y(n);
  double best = inf;
  for (int it = 0; it < std::max(steps, 1); ++it) {
    double ymax = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double* Ri = R + i * n;
      const double s = skip_diagonal
                           ? dot4(Ri, x.data(), i) + dot4(Ri + i + 1, x.data() + i + 1, n - i - 1)
                           : dot4(Ri, x.data(), n);
      y[i] = s;
      ymax = std::max(ymax, s);
    }
    // Collatz-Wielandt: rho(R) <= max_i (R x)_i / x_i for any x > 0; (R x)_i <= upper(y_i).
    double bound = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      bound = std::max(bound, round_up(nonneg_sum_upper(y[i], n) / x[i]));
    }
    best = std::min(best, bound);
    if (!(ymax > 0.0)) break;
    // Next positive test vector: R x normalised, kept away from 0 (any x > 0 is valid).
    for (std::size_t i = 0; i < n; ++i) x[i] = y[i] / ymax + 0x1p-40;
  }
  return best;
}

double offdiag_radius_bound(const symmetric_midrad& S, int steps) {
  if (!S.finite) return inf;
  return spectral_radius_upper(S.rad.data(), S.n, true, steps);
}

double rayleigh_upper(const symmetric_midrad& S, const std::vector<double>& v_in) {
  const std::size_t n = S.n;
  if (!S.finite || v_in.size() != n || n == 0) return inf;
  double vmax = 0.0;
  for (double t : v_in) {
    if (!std::isfinite(t)) return inf;
    vmax = std::max(vmax, std::fabs(t));
  }
  if (vmax == 0.0) return inf;
  // Scale by a power of two (exact) so that max |v_i| is in [1, 2): no overflow, little underflow.
  const double scale = std::ldexp(1.0, -std::ilogb(vmax));
  std::vector<double> v(n), av(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = v_in[i] * scale;
    av[i] = std::fabs(v[i]);
  }
  // s = fl(v' fl(M v)); S1 = fl(|v|'|w|); S2 = fl(|v|' fl(|M||v|)); SB = fl(|v|' fl(rad |v|)).
  double s = 0, S1 = 0, S2 = 0, SB = 0, vv = 0, v1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double* rad_row = S.rad.empty() ? nullptr : S.rad.data() + i * n;
    const sums3 r = row_sums(S.mid.data() + i * n, rad_row, v.data(), av.data(), n);
    s += v[i] * r.a;
    S1 += av[i] * std::fabs(r.a);
    S2 += av[i] * r.b;
    SB += av[i] * r.c;
    vv += v[i] * v[i];
    v1 += av[i];
  }
  // Error of s as an evaluation of v'Mv (float_error.hpp, two nested n-term dot products):
  //   |s - v'Mv| <= g (|v|'|w| + |v|'|M||v|) + n eta (1 + ||v||_1),  g = gamma_n.
  // Nonnegative nested sums: |v|'|M||v| <= ( upper(S2) + n eta ||v||_1 ) / (1 - g), same for rad.
  const double g = gamma_up(n);
  if (!(g < 0.25)) return inf;
  const double omg = round_down(1.0 - g);
  const double neta = underflow_term(n);
  const double v1_up = nonneg_sum_upper(v1, n);
  const double tail = round_up(neta * v1_up);
  const double S1u = nonneg_sum_upper(S1, n);
  const double S2u = round_up(round_up(nonneg_sum_upper(S2, n) + tail) / omg);
  const double SBu = round_up(round_up(nonneg_sum_upper(SB, n) + tail) / omg);
  const double err = round_up(round_up(g * round_up(S1u + S2u)) + round_up(neta + tail));
  const double num = round_up(round_up(s + err) + SBu);
  // v'v in [(vv - n eta)/(1 + g), (vv + n eta)/(1 - g)].
  const double den_lo = round_down(round_down(vv - neta) / round_up(1.0 + g));
  const double den_hi = nonneg_sum_upper(vv, n);
  if (!(den_lo > 0.0) || !std::isfinite(num)) return inf;
  return num >= 0 ? round_up(num / den_lo) : round_up(num / den_hi);
}

rayleigh_estimate rayleigh_float(const double* M, std::size_t n, const std::vector<double>& v) {
  rayleigh_estimate e;
  if (v.size() != n || n == 0) {
    e.rho = e.residual = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = dot4(M + i * n, v.data(), n);
  return rayleigh_of_product(v, w);
}

rayleigh_estimate rayleigh_of_product(const std::vector<double>& v, const std::vector<double>& w) {
  rayleigh_estimate e;
  const std::size_t n = v.size();
  double vv = 0, vw = 0;
  for (std::size_t i = 0; i < n; ++i) {
    vv += v[i] * v[i];
    vw += v[i] * w[i];
  }
  e.rho = vw / vv;
  double rr = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = w[i] - e.rho * v[i];
    rr += d * d;
  }
  e.residual = std::sqrt(rr / vv);
  return e;
}

}  // namespace ntk
