// Exact integer rows and their exact Gram matrix (checker side; see check_exact.hpp).
#include "certificate/check_exact.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ntk::check_detail {

// ------------------------------------------------------------------------------ exact numbers

// The exact value of a string accepted by is_exact_decimal.
void decimal_to_q(mpq_t out, const std::string& s) {
  std::size_t i = 0;
  bool neg = false;
  if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
  std::string digits;
  long frac = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') digits += s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      digits += s[i++];
      ++frac;
    }
  }
  long e = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) e = std::strtol(s.c_str() + i + 1, nullptr, 10);
  zint num, pow;
  mpz_set_str(num.v, digits.c_str(), 10);
  long k = e - frac;
  mpz_ui_pow_ui(pow.v, 10, static_cast<unsigned long>(k >= 0 ? k : -k));
  if (k >= 0) {
    mpz_mul(num.v, num.v, pow.v);
    mpz_set_ui(pow.v, 1);
  }
  mpq_set_num(out, num.v);
  mpq_set_den(out, pow.v);
  mpq_canonicalize(out);
  if (neg) mpq_neg(out, out);
}

namespace {

// An exact double -> (integer mantissa m, exponent e) with x = m·2^e, m odd or zero.
std::pair<long long, long> split_double(double x) {
  if (x == 0.0) return {0, 0};
  int ex = 0;
  double f = std::frexp(x, &ex);  // x = f·2^ex, 0.5 <= |f| < 1
  long long m = static_cast<long long>(std::ldexp(f, 53));  // exact: 53 bits
  long e = ex - 53;
  while ((m & 1) == 0) {
    m /= 2;
    ++e;
  }
  return {m, e};
}

}  // namespace

integer_rows make_integer_rows(const dataset& ds, bool center) {
  integer_rows r;
  r.n = ds.n;
  r.d = ds.d;
  long emin = 0;
  bool any = false;
  for (double x : ds.x) {
    if (x == 0.0) continue;
    long e = split_double(x).second;
    emin = any ? std::min(emin, e) : e;
    any = true;
  }
  r.y.resize(ds.x.size());
  for (std::size_t k = 0; k < ds.x.size(); ++k) {
    auto [m, e] = split_double(ds.x[k]);
    mpz_set_si(r.y[k].v, m);
    mpz_mul_2exp(r.y[k].v, r.y[k].v, static_cast<mp_bitcnt_t>(e - emin));
  }
  // c0 = (scale_num / scale_den) · 2^emin (/ n when centring).
  zint sn, sd;
  mpz_set_d(sn.v, ds.scale_num);  // integral doubles: exact
  mpz_set_d(sd.v, ds.scale_den);
  mpq_set_num(r.c0.v, sn.v);
  mpq_set_den(r.c0.v, sd.v);
  mpq_canonicalize(r.c0.v);
  if (emin >= 0) mpq_mul_2exp(r.c0.v, r.c0.v, static_cast<mp_bitcnt_t>(emin));
  else mpq_div_2exp(r.c0.v, r.c0.v, static_cast<mp_bitcnt_t>(-emin));
  if (center) {
    // y_i = n·x_i − Σ_l x_l, exactly; the data row is then c0/n · y_i.
    std::vector<zint> sum(r.d);
    for (std::size_t i = 0; i < r.n; ++i)
      for (std::size_t k = 0; k < r.d; ++k) mpz_add(sum[k].v, sum[k].v, r.y[i * r.d + k].v);
    for (std::size_t i = 0; i < r.n; ++i)
      for (std::size_t k = 0; k < r.d; ++k) {
        mpz_t& v = r.y[i * r.d + k].v;
        mpz_mul_ui(v, v, static_cast<unsigned long>(r.n));
        mpz_sub(v, v, sum[k].v);
      }
    zint nn;
    mpz_set_ui(nn.v, static_cast<unsigned long>(r.n));
    qrat inv;
    mpq_set_z(inv.v, nn.v);
    mpq_inv(inv.v, inv.v);
    mpq_mul(r.c0.v, r.c0.v, inv.v);
  }
  return r;
}

namespace {

void set_z_from_i128(mpz_t out, __int128 x) {
  bool neg = x < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(x + 1)) + 1u : static_cast<unsigned __int128>(x);
  mpz_set_ui(out, static_cast<unsigned long>(u >> 64));
  mpz_mul_2exp(out, out, 64);
  mpz_add_ui(out, out, static_cast<unsigned long>(u & 0xFFFFFFFFFFFFFFFFULL));
  if (neg) mpz_neg(out, out);
}

}  // namespace

// The exact Gram matrix YYᵀ, packed upper triangle.
std::vector<zint> exact_gram(const integer_rows& r) {
  const std::size_t n = r.n, d = r.d;
  std::vector<zint> g(n * (n + 1) / 2);
  std::size_t bits = 0;
  for (const auto& v : r.y) bits = std::max(bits, mpz_sizeinbase(v.v, 2));
  std::size_t dbits = 1;
  while ((std::size_t{1} << dbits) < d) ++dbits;
  const long long nn = static_cast<long long>(n);
  if (bits <= 62 && 2 * bits + dbits + 1 <= 126) {
    // Fast path, still exact: |products| < 2^(2·bits), d of them fit in a signed 128-bit sum.
    std::vector<long long> y(r.y.size());
    for (std::size_t k = 0; k < y.size(); ++k) y[k] = mpz_get_si(r.y[k].v);
#pragma omp parallel for schedule(dynamic, 4) if (n >= 64)
    for (long long jj = 0; jj < nn; ++jj) {
      std::size_t j = static_cast<std::size_t>(jj);
      for (std::size_t i = 0; i <= j; ++i) {
        __int128 s = 0;
        const long long* a = y.data() + i * d;
        const long long* b = y.data() + j * d;
        for (std::size_t k = 0; k < d; ++k) s += static_cast<__int128>(a[k]) * b[k];
        set_z_from_i128(g[tri(i, j)].v, s);
      }
    }
  } else {
#pragma omp parallel for schedule(dynamic, 4) if (n >= 64)
    for (long long jj = 0; jj < nn; ++jj) {
      std::size_t j = static_cast<std::size_t>(jj);
      for (std::size_t i = 0; i <= j; ++i) {
        mpz_t& s = g[tri(i, j)].v;
        mpz_set_ui(s, 0);
        for (std::size_t k = 0; k < d; ++k) mpz_addmul(s, r.y[i * d + k].v, r.y[j * d + k].v);
      }
    }
  }
  return g;
}

// Rows i and j exactly positively proportional (y_i = α·y_j, α > 0), both nonzero.
bool positively_proportional(const integer_rows& r, std::size_t i, std::size_t j) {
  const std::size_t d = r.d;
  std::size_t m = d;
  for (std::size_t k = 0; k < d; ++k)
    if (mpz_sgn(r.y[j * d + k].v) != 0) {
      m = k;
      break;
    }
  if (m == d) return false;
  const mpz_t& yim = r.y[i * d + m].v;
  const mpz_t& yjm = r.y[j * d + m].v;
  if (mpz_sgn(yim) == 0 || mpz_sgn(yim) != mpz_sgn(yjm)) return false;
  zint a, b;
  for (std::size_t k = 0; k < d; ++k) {
    mpz_mul(a.v, r.y[i * d + k].v, yjm);
    mpz_mul(b.v, r.y[j * d + k].v, yim);
    if (mpz_cmp(a.v, b.v) != 0) return false;
  }
  return true;
}

}  // namespace ntk::check_detail
