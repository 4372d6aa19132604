#include "empirical/exact_forward.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "data/errors.hpp"

namespace ntk::empirical_detail {
namespace {

// Owning mpz vector.
class zvec {
 public:
  zvec() = default;
  explicit zvec(std::size_t n) : v_(n) {
    for (auto& z : v_) mpz_init(&z);
  }
  ~zvec() { clear(); }
  zvec(const zvec&) = delete;
  zvec& operator=(const zvec&) = delete;
  zvec(zvec&& o) noexcept : v_(std::move(o.v_)) { o.v_.clear(); }
  zvec& operator=(zvec&& o) noexcept {
    if (this != &o) {
      clear();
      v_ = std::move(o.v_);
      o.v_.clear();
    }
    return *this;
  }
  std::size_t size() const { return v_.size(); }
  mpz_ptr operator[](std::size_t i) { return &v_[i]; }
  mpz_srcptr operator[](std::size_t i) const { return &v_[i]; }

 private:
  void clear() {
    for (auto& z : v_) mpz_clear(&z);
    v_.clear();
  }
  std::vector<__mpz_struct> v_;
};

struct zscalar {
  mpz_t z;
  zscalar() { mpz_init(z); }
  ~zscalar() { mpz_clear(z); }
  zscalar(const zscalar&) = delete;
  zscalar& operator=(const zscalar&) = delete;
};

// v = m · 2^e exactly, m an integer with |m| < 2^53 (0 for v = 0).
void split_double(double v, std::int64_t& m, long& e) {
  if (v == 0) {
    m = 0;
    e = 0;
    return;
  }
  int ex;
  const double f = std::frexp(v, &ex);  // v = f 2^ex, |f| in [1/2, 1)
  m = static_cast<std::int64_t>(std::ldexp(f, 53));
  e = ex - 53;
  // Normalise to an odd mantissa (keeps shifts small).
  const int tz = std::countr_zero(static_cast<std::uint64_t>(m < 0 ? -m : m));
  m /= (std::int64_t(1) << tz);
  e += tz;
}

// Smallest exponent over the nonzero values of v (0 when all are zero).
long min_exponent(const double* v, std::size_t n) {
  bool any = false;
  long lo = 0;
  for (std::size_t k = 0; k < n; ++k) {
    std::int64_t m;
    long e;
    split_double(v[k], m, e);
    if (m == 0) continue;
    if (!any || e < lo) lo = e;
    any = true;
  }
  return lo;
}

// r = m·2^shift (shift >= 0).
void set_shifted(mpz_ptr r, std::int64_t m, long shift) {
  mpz_set_si(r, static_cast<long>(m));
  if (shift > 0) mpz_mul_2exp(r, r, static_cast<unsigned long>(shift));
}

}  // namespace

// g (pre-activation of `layer`, or the input row for layer 0) = P·2^eP/DP + (Q·2^eQ/DQ)·ρ, ρ² = rho2.
struct exact_forward::row_state {
  std::size_t layer = 0;
  zvec P, Q;
  long eP = 0, eQ = 0;
  zscalar DP, DQ, rho2;
  bool has_q = false;
};


namespace {
// The exact sign of entry k of s: p + qρ with ρ > 0.
int entry_sign(const exact_forward::row_state& s, std::size_t k) {
  const int sp = mpz_sgn(s.P[k]);
  const int sq = s.has_q ? mpz_sgn(s.Q[k]) : 0;
  if (sq == 0) return sp;
  if (sp == 0 || sp == sq) return sq;
  // p and qρ of opposite signs: compare p²·DQ²·2^(2eP) with q²·ρ²·DP²·2^(2eQ).
  zscalar L, R;
  mpz_mul(L.z, s.P[k], s.P[k]);
  mpz_mul(L.z, L.z, s.DQ.z);
  mpz_mul(L.z, L.z, s.DQ.z);
  mpz_mul(R.z, s.Q[k], s.Q[k]);
  mpz_mul(R.z, R.z, s.rho2.z);
  mpz_mul(R.z, R.z, s.DP.z);
  mpz_mul(R.z, R.z, s.DP.z);
  const long de = 2 * (s.eP - s.eQ);
  if (de > 0) mpz_mul_2exp(L.z, L.z, static_cast<unsigned long>(de));
  if (de < 0) mpz_mul_2exp(R.z, R.z, static_cast<unsigned long>(-de));
  const int c = mpz_cmp(L.z, R.z);
  return c > 0 ? sp : (c < 0 ? sq : 0);
}
}  // namespace

exact_forward::exact_forward(const network& net, const dataset& data, const preprocessing& prep)
    : net_(net), data_(data), prep_(prep), rows_(data.n) {
  E_ = min_exponent(data.x.data(), data.x.size());
}

exact_forward::~exact_forward() {
  for (auto& z : colsum_) mpz_clear(&z);
}

void exact_forward::prepare_colsum() {
  if (colsum_ready_) return;
  const std::size_t n = data_.n, d = data_.d;
  colsum_.resize(d);
  for (auto& z : colsum_) mpz_init(&z);
  zscalar t;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < d; ++k) {
      std::int64_t m;
      long e;
      split_double(data_.x[i * d + k], m, e);
      if (m == 0) continue;
      set_shifted(t.z, m, e - E_);
      mpz_add(&colsum_[k], &colsum_[k], t.z);
    }
  colsum_ready_ = true;
}

exact_forward::row_state& exact_forward::state(std::size_t i, std::size_t l) {
  if (i >= data_.n || l < 1 || l > net_.depth()) throw std::out_of_range("exact_forward: row or layer out of range");
  auto& slot = rows_[i];
  if (slot && slot->layer > l) slot.reset();  // restart: states only move forward
  if (!slot) {
    ++rows_refined_;
    slot = std::make_unique<row_state>();
    row_state& s = *slot;
    const std::size_t d = data_.d, n = data_.n;
    // Integer row Y: X_i, or N·X_i - Σ_j X_j when centring.
    zvec Y(d);
    zscalar t;
    if (prep_.center) prepare_colsum();
    for (std::size_t k = 0; k < d; ++k) {
      std::int64_t m;
      long e;
      split_double(data_.x[i * d + k], m, e);
      if (m != 0) set_shifted(Y[k], m, e - E_);
      if (prep_.center) {
        mpz_mul_ui(Y[k], Y[k], static_cast<unsigned long>(n));
        mpz_sub(Y[k], Y[k], &colsum_[k]);
      }
    }
    s.layer = 0;
    if (prep_.normalize == normalization::none) {
      // y = num·Y·2^E / (den·(N if centred)).
      s.P = zvec(d);
      zscalar num;
      mpz_set_d(num.z, data_.scale_num);
      for (std::size_t k = 0; k < d; ++k) mpz_mul(s.P[k], Y[k], num.z);
      s.eP = E_;
      mpz_set_d(s.DP.z, data_.scale_den);
      if (prep_.center) mpz_mul_ui(s.DP.z, s.DP.z, static_cast<unsigned long>(n));
      s.has_q = false;
    } else {
      // x̃ = Y·ρ/A, ρ = √(t·A).
      zscalar A;
      for (std::size_t k = 0; k < d; ++k) mpz_addmul(A.z, Y[k], Y[k]);
      if (mpz_sgn(A.z) == 0)
        throw data_error(data_.source + ": row " + std::to_string(data_.first_row + i + 1) +
                         " is zero after preprocessing; it cannot be normalised");
      s.P = zvec(d);  // zeros
      s.eP = 0;
      mpz_set_ui(s.DP.z, 1);
      s.Q = std::move(Y);
      s.eQ = 0;
      mpz_set(s.DQ.z, A.z);
      mpz_mul_ui(s.rho2.z, A.z, prep_.normalize == normalization::sphere ? static_cast<unsigned long>(d) : 1UL);
      s.has_q = true;
    }
  }
  row_state& s = *slot;
  zscalar acc, t;
  while (s.layer < l) {
    const std::size_t nl = s.layer + 1;  // the layer to compute
    const std::size_t nin = net_.cols(nl), nout = net_.rows(nl);
    const double* W = net_.W(nl).data();
    const double* b = net_.b(nl);
    // relu of the previous hidden layer (not of the input).
    if (s.layer >= 1) {
      for (std::size_t k = 0; k < nin; ++k) {
        const int sg = entry_sign(s, k);
        if (sg <= 0) {
          mpz_set_ui(s.P[k], 0);
          if (s.has_q) mpz_set_ui(s.Q[k], 0);
        }
      }
    }
    const long EW = min_exponent(W, nout * nin);
    const long Eb = b ? min_exponent(b, nout) : 0;
    bool any_bias = false;
    if (b)
      for (std::size_t j = 0; j < nout; ++j) any_bias = any_bias || b[j] != 0;
    const long eP_new = any_bias ? std::min(EW + s.eP, Eb) : EW + s.eP;
    zvec P2(nout), Q2(s.has_q ? nout : 0);
    for (std::size_t j = 0; j < nout; ++j) {
      const double* w = W + j * nin;
      mpz_set_ui(acc.z, 0);
      zscalar accq;
      for (std::size_t k = 0; k < nin; ++k) {
        if (w[k] == 0) continue;
        std::int64_t m;
        long e;
        split_double(w[k], m, e);
        const long sh = e - EW;
        if (mpz_sgn(s.P[k]) != 0) {
          mpz_mul_si(t.z, s.P[k], static_cast<long>(m));
          if (sh > 0) mpz_mul_2exp(t.z, t.z, static_cast<unsigned long>(sh));
          mpz_add(acc.z, acc.z, t.z);
        }
        if (s.has_q && mpz_sgn(s.Q[k]) != 0) {
          mpz_mul_si(t.z, s.Q[k], static_cast<long>(m));
          if (sh > 0) mpz_mul_2exp(t.z, t.z, static_cast<unsigned long>(sh));
          mpz_add(accq.z, accq.z, t.z);
        }
      }
      // P2_j = acc·2^{EW+eP-eP_new} + mb·2^{eb-eP_new}·DP.
      const long sh_acc = EW + s.eP - eP_new;
      mpz_mul_2exp(P2[j], acc.z, static_cast<unsigned long>(sh_acc));
      if (b && b[j] != 0) {
        std::int64_t m;
        long e;
        split_double(b[j], m, e);
        set_shifted(t.z, m, e - eP_new);
        mpz_mul(t.z, t.z, s.DP.z);
        mpz_add(P2[j], P2[j], t.z);
      }
      if (s.has_q) mpz_set(Q2[j], accq.z);
    }
    s.P = std::move(P2);
    s.eP = eP_new;
    if (s.has_q) {
      s.Q = std::move(Q2);
      s.eQ = EW + s.eQ;
    }
    s.layer = nl;
  }
  return s;
}

int exact_forward::sign(std::size_t i, std::size_t l, std::size_t j) { return entry_sign(state(i, l), j); }

void exact_forward::enclose(std::size_t i, std::size_t l, std::size_t j, mpfi_ptr r) {
  row_state& s = state(i, l);
  const mpfr_prec_t prec = mpfi_get_prec(r) + 16;
  mpfi_t p, q, t;
  mpfi_init2(p, prec);
  mpfi_init2(q, prec);
  mpfi_init2(t, prec);
  mpfi_set_z(p, s.P[j]);
  mpfi_mul_2si(p, p, s.eP);
  mpfi_div_z(p, p, s.DP.z);
  if (s.has_q && mpz_sgn(s.Q[j]) != 0) {
    mpfi_set_z(q, s.Q[j]);
    mpfi_mul_2si(q, q, s.eQ);
    mpfi_div_z(q, q, s.DQ.z);
    mpfi_set_z(t, s.rho2.z);
    mpfi_sqrt(t, t);
    mpfi_mul(q, q, t);
    mpfi_add(p, p, q);
  }
  mpfi_set(r, p);
  mpfi_clear(p);
  mpfi_clear(q);
  mpfi_clear(t);
}

}  // namespace ntk::empirical_detail
