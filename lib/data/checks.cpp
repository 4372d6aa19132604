#include "data/checks.hpp"

#include <mpfr.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ntk {

namespace {

// x = (negative ? -1 : 1) * mant * 2^exp exactly; mant == 0 iff x == 0.
struct exact_double {
  std::uint64_t mant;
  int exp;
  bool negative;
};

exact_double decompose(double x) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const int biased = int((bits >> 52) & 0x7ff);
  const std::uint64_t frac = bits & ((std::uint64_t(1) << 52) - 1);
  exact_double r{biased == 0 ? frac : (frac | (std::uint64_t(1) << 52)),
                 biased == 0 ? -1074 : biased - 1075, (bits >> 63) != 0};
  return r;
}

// The same with an odd mantissa (x != 0), so equal values have equal representations.
exact_double decompose_odd(double x) {
  exact_double r = decompose(x);
  const int tz = std::countr_zero(r.mant);
  r.mant >>= tz;
  r.exp += tz;
  return r;
}

int bit_length(std::uint64_t v) { return 64 - std::countl_zero(v); }

// The exact sum S of one column, able to answer "n * x == S ?" exactly. Uses a 128-bit fixed-point
// integer when the column's binary span allows it, MPFR at the precision the span needs otherwise.
class column_sum {
 public:
  column_sum(const dataset& ds, std::size_t col) : n_(ds.n) {
    int lo = 0, hi = 0;  // smallest ulp exponent, largest bit position (exclusive) of nonzeros
    bool any = false;
    for (std::size_t i = 0; i < ds.n; ++i) {
      const exact_double e = decompose(ds.x[i * ds.d + col]);
      if (e.mant == 0) continue;
      const int top = e.exp + bit_length(e.mant);
      if (!any || e.exp < lo) lo = e.exp;
      if (!any || top > hi) hi = top;
      any = true;
    }
    if (!any) {  // all zeros: S = 0, fixed point with any base
      fixed_ = true;
      return;
    }
    base_ = lo;
    // |S| < n * 2^hi, so S / 2^lo needs hi - lo + bit_length(n) bits plus a sign.
    const int span = hi - lo + bit_length(std::uint64_t(n_));
    if (span <= 125) {
      fixed_ = true;
      for (std::size_t i = 0; i < ds.n; ++i) sum_ += to_fixed(ds.x[i * ds.d + col]);
      return;
    }
    mpfr_init2(sum_mp_, span + 2);
    mpfr_init2(tmp_mp_, 53 + 64);
    mpfr_set_zero(sum_mp_, 1);
    for (std::size_t i = 0; i < ds.n; ++i)
      mpfr_add_d(sum_mp_, sum_mp_, ds.x[i * ds.d + col], MPFR_RNDN);  // exact at this precision
  }
  ~column_sum() {
    if (!fixed_) {
      mpfr_clear(sum_mp_);
      mpfr_clear(tmp_mp_);
    }
  }
  column_sum(const column_sum&) = delete;
  column_sum& operator=(const column_sum&) = delete;

  // Is n * x == S exactly? (x is an entry of the column.)
  bool equals_n_times(double x) {
    if (fixed_) return __int128(n_) * to_fixed(x) == sum_;
    mpfr_set_d(tmp_mp_, x, MPFR_RNDN);                     // exact: 53 bits
    mpfr_mul_ui(tmp_mp_, tmp_mp_, (unsigned long)n_, MPFR_RNDN);  // exact: 53 + 64 bits
    return mpfr_equal_p(tmp_mp_, sum_mp_) != 0;
  }

 private:
  // x / 2^base_ as an integer (exact for entries of the column: their ulp is at least 2^base_).
  __int128 to_fixed(double x) const {
    const exact_double e = decompose(x);
    if (e.mant == 0) return 0;
    const __int128 v = __int128(e.mant) << (e.exp - base_);
    return e.negative ? -v : v;
  }

  std::size_t n_;
  bool fixed_ = false;
  int base_ = 0;
  __int128 sum_ = 0;
  mpfr_t sum_mp_, tmp_mp_;
};

std::string row_name(const dataset& ds, std::size_t i) {
  return ds.source + ": row " + std::to_string(ds.first_row + i + 1);
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

std::uint64_t key_bits(double v) { return v == 0 ? 0 : std::bit_cast<std::uint64_t>(v); }

}  // namespace

bool detail::rows_positively_proportional(const double* a, const double* b, std::size_t d) {
  std::size_t f = 0;
  while (f < d && a[f] == 0) ++f;
  if (f == d || b[f] == 0 || (a[f] < 0) != (b[f] < 0)) return false;
  const exact_double af = decompose_odd(a[f]), bf = decompose_odd(b[f]);
  for (std::size_t k = 0; k < d; ++k) {
    if ((a[k] == 0) != (b[k] == 0)) return false;
    if (a[k] == 0) continue;
    if ((a[k] < 0) != (b[k] < 0)) return false;
    // |a_k| * |b_f| == |b_k| * |a_f|: products of odd mantissas are odd, so compare both parts.
    const exact_double ak = decompose_odd(a[k]), bk = decompose_odd(b[k]);
    if (ak.exp + bf.exp != bk.exp + af.exp) return false;
    if ((unsigned __int128)ak.mant * bf.mant != (unsigned __int128)bk.mant * af.mant) return false;
  }
  return true;
}

namespace {

bool identical(const double* a, const double* b, std::size_t d) {
  for (std::size_t k = 0; k < d; ++k)
    if (!(a[k] == b[k])) return false;
  return true;
}

}  // namespace

void dataset_check_rows(const dataset& ds, const preprocessing& pre) {
  if (!pre.center) {
    for (std::size_t i = 0; i < ds.n; ++i) {
      const double* r = ds.row(i);
      bool zero = true;
      for (std::size_t k = 0; k < ds.d && zero; ++k) zero = (r[k] == 0);
      if (zero)
        throw data_error(row_name(ds, i) +
                         ": all values are zero (its angle to the other rows is undefined)");
    }
    return;
  }
  if (ds.n == 0) return;
  std::vector<std::unique_ptr<column_sum>> sums;
  sums.reserve(ds.d);
  for (std::size_t k = 0; k < ds.d; ++k) sums.push_back(std::make_unique<column_sum>(ds, k));
  for (std::size_t i = 0; i < ds.n; ++i) {
    const double* r = ds.row(i);
    bool equal = true;
    for (std::size_t k = 0; k < ds.d && equal; ++k) equal = sums[k]->equals_n_times(r[k]);
    if (equal)
      throw data_error(row_name(ds, i) + ": equals the mean of the " + std::to_string(ds.n) +
                       " selected rows exactly, so it is zero after centring (its angle to the "
                       "other rows is undefined)");
  }
}

std::optional<std::pair<std::size_t, std::size_t>> dataset_find_parallel_pair(
    const dataset& ds, const preprocessing& pre) {
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> classes;
  classes.reserve(ds.n * 2);
  for (std::size_t j = 0; j < ds.n; ++j) {
    const double* r = ds.row(j);
    std::uint64_t h = 0x243F6A8885A308D3ull;
    if (pre.center) {
      for (std::size_t k = 0; k < ds.d; ++k) h = mix(h, key_bits(r[k]));
    } else {
      std::size_t f = 0;
      while (f < ds.d && r[f] == 0) ++f;
      if (f == ds.d) continue;  // zero row
      const double pivot = r[f];
      h = mix(h, f);
      // fl(r[k] / pivot) is the rounding of the real r[k] / r[f], the same for every row
      // proportional to this one.
      for (std::size_t k = f + 1; k < ds.d; ++k) h = mix(h, key_bits(r[k] / pivot));
      h = mix(h, pivot < 0);
    }
    auto& bucket = classes[h];
    for (std::size_t i : bucket) {
      const bool same = pre.center ? identical(ds.row(i), r, ds.d)
                                   : detail::rows_positively_proportional(ds.row(i), r, ds.d);
      if (same) return std::make_pair(i, j);
    }
    bucket.push_back(j);
  }
  return std::nullopt;
}

}  // namespace ntk
