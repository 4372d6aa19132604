#include "linalg/dw_cholesky.hpp"

#include <cfenv>
#include <cmath>
#include <limits>

#include "interval/rounding.hpp"
#include "linalg/verified_cholesky.hpp"

namespace ntk {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// sum_{k < m} x_k y_k in double-word, four interleaved partial sums combined at the end (an order of
// summation the theorem allows).
[[gnu::always_inline]] inline dw dot_dw(const dw* __restrict x, const dw* __restrict y, std::size_t m) {
  dw s0, s1, s2, s3;
  std::size_t k = 0;
  for (; k + 4 <= m; k += 4) {
    s0 = dw_add(s0, dw_mul(x[k], y[k]));
    s1 = dw_add(s1, dw_mul(x[k + 1], y[k + 1]));
    s2 = dw_add(s2, dw_mul(x[k + 2], y[k + 2]));
    s3 = dw_add(s3, dw_mul(x[k + 3], y[k + 3]));
  }
  for (; k < m; ++k) s0 = dw_add(s0, dw_mul(x[k], y[k]));
  return dw_add(dw_add(s0, s1), dw_add(s2, s3));
}

// The recursion itself; returns false at the first pivot that is not > 0 or not finite.
template <int Variant>
bool cholesky_dw_kernel(dw* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    dw* ri = a + i * (i + 1) / 2;
    for (std::size_t j = 0; j < i; ++j) {
      const dw* rj = a + j * (j + 1) / 2;
      const dw s = dw_sub(ri[j], dot_dw(ri, rj, j));
      ri[j] = dw_div(s, rj[j]);
    }
    const dw s = dw_sub(ri[i], dot_dw(ri, ri, i));
    if (!(s.hi > 0 && s.hi < inf)) return false;
    ri[i] = dw_sqrt(s);
  }
  return true;
}

// Compiled for FMA instructions (flatten inlines the double-word operations here, so
// __builtin_fma becomes one instruction); used only when the CPU has them.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
[[gnu::target("fma"), gnu::flatten]] bool cholesky_dw_fma(dw* a, std::size_t n) {
  return cholesky_dw_kernel<1>(a, n);
}
bool have_fma() { return __builtin_cpu_supports("fma"); }
#else
bool cholesky_dw_fma(dw* a, std::size_t n) { return cholesky_dw_kernel<1>(a, n); }
bool have_fma() { return false; }
#endif

[[gnu::flatten]] bool cholesky_dw_plain(dw* a, std::size_t n) { return cholesky_dw_kernel<0>(a, n); }

}  // namespace

bool cholesky_dw(dw_packed& L, std::string* why) {
  auto fail = [&](const char* s) {
    if (why) *why = s;
    return false;
  };
  if (L.a.size() != L.n * (L.n + 1) / 2) return fail("double-word factor has the wrong size");
  if (!binary64_environment_ok())
    return fail("floating-point environment is not round-to-nearest with gradual underflow");
  constexpr int watched = FE_UNDERFLOW | FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO;
  std::fexcept_t saved;
  std::fegetexceptflag(&saved, FE_ALL_EXCEPT);
  std::feclearexcept(FE_ALL_EXCEPT);
  asm volatile("" ::: "memory");
  const bool ok = have_fma() ? cholesky_dw_fma(L.a.data(), L.n) : cholesky_dw_plain(L.a.data(), L.n);
  asm volatile("" ::: "memory");
  const int raised = std::fetestexcept(watched);
  std::fesetexceptflag(&saved, FE_ALL_EXCEPT);
  if (!ok) return fail("double-word Cholesky of mid - sigma I broke down (a pivot <= 0 or not finite)");
  if (raised & FE_UNDERFLOW) return fail("underflow during the double-word Cholesky (refused)");
  if (raised) return fail("floating-point exception (overflow/invalid) during the double-word Cholesky");
  return true;
}

double dw_cholesky_constant(std::size_t n, double trace) {
  if (!(trace >= 0 && trace < inf)) return inf;
  const double nu = static_cast<double>(n + 1) * dw_unit_roundoff;  // exact for n < 2^52
  if (!(4.0 * nu < 1.0)) return inf;
  const double g = round_up(nu / round_down(1.0 - 2.0 * nu));
  return round_up(g * trace);
}

void cholesky_solve_dw(const dw_packed& L, std::vector<dw>& x) {
  const std::size_t n = L.n;
  for (std::size_t i = 0; i < n; ++i) {
    const dw* ri = L.a.data() + dw_packed::index(i, 0);
    dw s = x[i];
    for (std::size_t k = 0; k < i; ++k) s = dw_sub(s, dw_mul(ri[k], x[k]));
    x[i] = dw_div(s, ri[i]);
  }
  for (std::size_t ii = n; ii-- > 0;) {
    const dw* ri = L.a.data() + dw_packed::index(ii, 0);
    x[ii] = dw_div(x[ii], ri[ii]);
    for (std::size_t k = 0; k < ii; ++k) x[k] = dw_sub(x[k], dw_mul(ri[k], x[ii]));
  }
}

}  // namespace ntk
