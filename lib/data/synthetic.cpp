#include "data/synthetic.hpp"

#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "base/spec_query.hpp"
#include "data/readers.hpp"
#include "data/sha256.hpp"

namespace ntk {

// Reproducibility needs each operation rounded once to double (no extended-precision evaluation).
static_assert(FLT_EVAL_METHOD == 0, "synthetic data needs double evaluation of double expressions");

namespace detail {

std::uint64_t splitmix64_next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {
inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

std::uint64_t xoshiro256ss::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double deterministic_log(double x) {
  if (!(x > 0) || !std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  int e;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [1/2, 1)
  if (m < 0.70710678118654752) {
    m *= 2;  // exact
    e -= 1;
  }
  // m in [0.7071, 1.4142): ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.1716, s^2 < 0.0295.
  const double s = (m - 1) / (m + 1);  // m - 1 exact (Sterbenz)
  const double s2 = s * s;
  // 2 * sum_{k>=0} s^(2k+1)/(2k+1); the terms beyond k = 11 are below 2^-60 relative.
  double p = 1.0 / 23;
  for (int k = 10; k >= 0; --k) p = p * s2 + 1.0 / (2 * k + 1);
  const double ln_m = 2 * s * p;
  // ln 2 = ln2_hi + ln2_lo (fdlibm's split): ln2_hi has 32 significant bits, so e * ln2_hi is exact.
  const double ln2_hi = 0x1.62e42feep-1;
  const double ln2_lo = 0x1.a39ef35793c76p-33;
  const double de = e;
  return de * ln2_hi + (de * ln2_lo + ln_m);
}

namespace {
xoshiro256ss seeded_xoshiro(std::uint64_t seed, std::uint64_t stream, std::uint64_t domain) {
  std::uint64_t sm = seed;
  std::uint64_t state = splitmix64_next(sm) ^ (stream * 0xD1B54A32D192ED03ull) ^ domain;
  std::uint64_t words[4];
  for (auto& w : words) w = splitmix64_next(state);
  return xoshiro256ss(words);
}
}  // namespace

normal_stream::normal_stream(std::uint64_t seed, std::uint64_t stream, std::uint64_t domain)
    : rng_(seeded_xoshiro(seed, stream, domain)) {}

void normal_stream::next_pair(double& a, double& b) {
  auto uniform = [&] { return 2 * (double(rng_.next() >> 11) * 0x1p-53) - 1; };
  double u, v, s;
  do {
    u = uniform();
    v = uniform();
    s = u * u + v * v;
  } while (!(s > 0 && s < 1));
  const double f = std::sqrt(-2 * deterministic_log(s) / s);
  a = u * f;
  b = v * f;
}

void normal_stream::fill(double* out, std::size_t count) {
  for (std::size_t k = 0; k < count; k += 2) {
    double a, b;
    next_pair(a, b);
    out[k] = a;
    if (k + 1 < count) out[k + 1] = b;
  }
}

}  // namespace detail

namespace {

[[noreturn]] void bad_spec(const std::string& spec, const std::string& what) {
  throw data_error(spec + ": " + what + " (expected synthetic:sphere?n=N&d=D&seed=S)");
}

}  // namespace

sphere_spec parse_sphere_spec(const std::string& spec) {
  const std::string prefix = "synthetic:";
  if (spec.compare(0, prefix.size(), prefix) != 0) bad_spec(spec, "not a synthetic spec");
  const std::size_t q = spec.find('?');
  const std::string family = spec.substr(prefix.size(), q == std::string::npos ? std::string::npos
                                                                                : q - prefix.size());
  if (family != "sphere") bad_spec(spec, "unknown synthetic family '" + family + "'");
  sphere_spec out;
  bool have_n = false, have_d = false;
  if (q != std::string::npos) {
    try {
      for (const spec_param& p : parse_spec_query(std::string_view(spec).substr(q + 1), {"n", "d", "seed"})) {
        const std::uint64_t v = spec_u64(p);
        if (p.key == "n") {
          out.n = v;
          have_n = true;
        } else if (p.key == "d") {
          out.d = v;
          have_d = true;
        } else {
          out.seed = v;
        }
      }
    } catch (const spec_query_error& e) {
      bad_spec(spec, e.what());
    }
  }
  if (!have_n || !have_d) bad_spec(spec, "n and d are required");
  if (out.n == 0) bad_spec(spec, "n must be at least 1");
  if (out.d == 0) bad_spec(spec, "d must be at least 1");
  if (out.d > (std::uint64_t(1) << 32)) bad_spec(spec, "d is too large");
  return out;
}

void synthetic_sphere_row(std::uint64_t seed, std::uint64_t i, std::size_t d, double* out) {
  std::uint64_t sm = seed;
  std::uint64_t state = detail::splitmix64_next(sm) ^ (i * 0xD1B54A32D192ED03ull);
  std::uint64_t words[4];
  for (auto& w : words) w = detail::splitmix64_next(state);
  detail::xoshiro256ss rng(words);
  auto uniform = [&] { return 2 * (double(rng.next() >> 11) * 0x1p-53) - 1; };
  for (;;) {
    for (std::size_t k = 0; k < d; k += 2) {
      double u, v, s;
      do {
        u = uniform();
        v = uniform();
        s = u * u + v * v;
      } while (!(s > 0 && s < 1));
      const double f = std::sqrt(-2 * detail::deterministic_log(s) / s);
      out[k] = u * f;
      if (k + 1 < d) out[k + 1] = v * f;
    }
    double norm2 = 0;
    for (std::size_t k = 0; k < d; ++k) norm2 += out[k] * out[k];
    // norm2 == 0 needs every normal to vanish (probability 0); draw again to stay well defined.
    if (norm2 > 0) {
      const double r = std::sqrt(double(d) / norm2);
      for (std::size_t k = 0; k < d; ++k) out[k] *= r;
      return;
    }
  }
}

dataset synthetic_sphere_load(const std::string& spec, std::size_t offset,
                              std::optional<std::size_t> limit) {
  const sphere_spec p = parse_sphere_spec(spec);
  const std::size_t total =
      p.n > std::numeric_limits<std::size_t>::max() ? std::numeric_limits<std::size_t>::max()
                                                    : std::size_t(p.n);
  const std::size_t count = detail::selected_rows(spec, total, offset, limit);
  if (count > std::numeric_limits<std::size_t>::max() / sizeof(double) / p.d)
    throw data_error(spec + ": too many values (" + std::to_string(count) + " x " +
                     std::to_string(p.d) + ")");
  dataset ds;
  ds.source = spec;
  ds.sha256 = sha256_hex(spec);
  ds.n = count;
  ds.d = std::size_t(p.d);
  ds.first_row = offset;
  detail::reserve_values(ds.x, count * ds.d);
  ds.x.resize(count * ds.d);
  for (std::size_t r = 0; r < count; ++r)
    synthetic_sphere_row(p.seed, std::uint64_t(offset + r), ds.d, ds.x.data() + r * ds.d);
  return ds;
}

}  // namespace ntk
