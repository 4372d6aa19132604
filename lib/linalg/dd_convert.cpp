#include "linalg/dd_convert.hpp"

namespace ntk {
namespace {

// m := RD(a) (down) or RU(a) at m's precision (>= 53): hi is exact, then one correctly rounded add.
void set_endpoint(mpfr_ptr m, const dw& a, mpfr_rnd_t rnd) {
  if (a.hi != a.hi) {
    mpfr_set_nan(m);
    return;
  }
  mpfr_set_d(m, a.hi, MPFR_RNDN);  // exact
  if (a.lo != 0) mpfr_add_d(m, m, a.lo, rnd);
}

}  // namespace

dense_matrix<minterval> to_minterval_matrix(const dense_matrix<ddinterval>& A) {
  dense_matrix<minterval> out(A.rows, A.cols);
  const long count = static_cast<long>(A.data.size());
#pragma omp parallel for schedule(static, 4096)
  for (long t = 0; t < count; ++t) {
    const ddinterval& x = A.data[t];
    mpfi_ptr r = mpfi_of(out.data[t]);
    set_endpoint(&r->left, x.lo, MPFR_RNDD);
    set_endpoint(&r->right, x.hi, MPFR_RNDU);
  }
  return out;
}

}  // namespace ntk
