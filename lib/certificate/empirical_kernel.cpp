// The empirical NTK K̄ enclosed in MPFI (checker side; see empirical_kernel.hpp).
#include "certificate/empirical_kernel.hpp"

#include <gmp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace ntk::empirical_detail {

namespace {
// ------------------------------------------------------------------------------ kernel

// Exact rational forward pass of one row up to layer l; sets sign of pre-activation j of layer l.
int exact_sign(const network& net, const dataset& ds, bool center, std::size_t i, std::size_t l, std::size_t j) {
  const std::size_t d = ds.d, n = ds.n;
  std::vector<mpq_t> f(d);
  mpq_t t, s;
  mpq_init(t);
  mpq_init(s);
  for (auto& v : f) mpq_init(v);
  for (std::size_t k = 0; k < d; ++k) {
    mpq_set_d(f[k], ds.x[i * d + k]);
    if (center) {
      mpq_set_ui(s, 0, 1);
      for (std::size_t r = 0; r < n; ++r) {
        mpq_set_d(t, ds.x[r * d + k]);
        mpq_add(s, s, t);
      }
      mpq_set_ui(t, static_cast<unsigned long>(n), 1);
      mpq_div(s, s, t);
      mpq_sub(f[k], f[k], s);
    }
    mpq_set_d(t, ds.scale_num);
    mpq_mul(f[k], f[k], t);
    mpq_set_d(t, ds.scale_den);
    mpq_div(f[k], f[k], t);
  }
  int sign = 0;
  for (std::size_t layer = 1; layer <= l; ++layer) {
    const std::size_t nin = net.cols(layer), nout = net.rows(layer);
    std::vector<mpq_t> g(nout);
    for (std::size_t o = 0; o < nout; ++o) {
      mpq_init(g[o]);
      mpq_set_d(g[o], net.has_biases ? net.biases[layer - 1][o] : 0.0);
      for (std::size_t k = 0; k < nin; ++k) {
        mpq_set_d(t, net.weights[layer - 1][o * nin + k]);
        mpq_mul(t, t, f[k]);
        mpq_add(g[o], g[o], t);
      }
    }
    for (auto& v : f) mpq_clear(v);
    if (layer == l) sign = mpq_sgn(g[j]);
    f.swap(g);
    if (layer < l)
      for (auto& v : f)
        if (mpq_sgn(v) < 0) mpq_set_ui(v, 0, 1);
  }
  for (auto& v : f) mpq_clear(v);
  mpq_clear(t);
  mpq_clear(s);
  return sign;
}

}  // namespace

// K̄ enclosed at precision q. Signs: from the enclosure, else exact (no normalisation), else undecided.
kernel_result enclose_empirical(const network& net, const dataset& ds, const certificate::data_part& dp, mpfr_prec_t q) {
  kernel_result out;
  const std::size_t n = ds.n, d = ds.d, L = net.depth();
  itmp t(q), u(q);
  // Rows.
  ivec X(n * d, q);
  for (std::size_t i = 0; i < n * d; ++i) {
    mpfi_set_d(X[i], ds.x[i]);
    mpfi_mul_d(X[i], X[i], ds.scale_num);
    mpfi_div_d(X[i], X[i], ds.scale_den);
  }
  if (dp.center)
    for (std::size_t k = 0; k < d; ++k) {
      mpfi_set_ui(t.x, 0);
      for (std::size_t i = 0; i < n; ++i) mpfi_add(t.x, t.x, X[i * d + k]);
      mpfi_div_ui(t.x, t.x, static_cast<unsigned long>(n));
      for (std::size_t i = 0; i < n; ++i) mpfi_sub(X[i * d + k], X[i * d + k], t.x);
    }
  if (dp.normalize != normalization::none)
    for (std::size_t i = 0; i < n; ++i) {
      mpfi_set_ui(t.x, 0);
      for (std::size_t k = 0; k < d; ++k) {
        mpfi_sqr(u.x, X[i * d + k]);
        mpfi_add(t.x, t.x, u.x);
      }
      mpfi_ui_div(t.x, dp.normalize == normalization::sphere ? static_cast<unsigned long>(d) : 1UL, t.x);
      mpfi_sqrt(t.x, t.x);
      for (std::size_t k = 0; k < d; ++k) mpfi_mul(X[i * d + k], X[i * d + k], t.x);
    }
  // Per row: features f_0..f_{L-1} and deltas δ_1..δ_L.
  std::size_t P = 0;
  for (std::size_t l = 1; l <= L; ++l) P += net.rows(l) * net.cols(l) + (net.has_biases ? net.rows(l) : 0);
  const bool explicit_jacobian = static_cast<double>(n) * static_cast<double>(P) <= 4e6;
  std::vector<std::vector<std::unique_ptr<ivec>>> F(n), D(n);
  std::unique_ptr<ivec> J;
  if (explicit_jacobian) J = std::make_unique<ivec>(n * P, q);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::unique_ptr<ivec>> f(L), g(L + 1);
    std::vector<std::vector<char>> act(L + 1);
    f[0] = std::make_unique<ivec>(d, q);
    for (std::size_t k = 0; k < d; ++k) mpfi_set(f[0]->operator[](k), X[i * d + k]);
    for (std::size_t l = 1; l < L; ++l) {
      const std::size_t nin = net.cols(l), nout = net.rows(l);
      g[l] = std::make_unique<ivec>(nout, q);
      f[l] = std::make_unique<ivec>(nout, q);
      act[l].assign(nout, 0);
      for (std::size_t o = 0; o < nout; ++o) {
        mpfi_ptr go = (*g[l])[o];
        mpfi_set_d(go, net.has_biases ? net.biases[l - 1][o] : 0.0);
        for (std::size_t k = 0; k < nin; ++k) {
          mpfi_mul_d(t.x, (*f[l - 1])[k], net.weights[l - 1][o * nin + k]);
          mpfi_add(go, go, t.x);
        }
        int sg;
        if (mpfi_is_strictly_pos(go) > 0) sg = 1;
        else if (mpfi_is_strictly_neg(go) > 0) sg = -1;
        else if (dp.normalize == normalization::none) sg = exact_sign(net, ds, dp.center, i, l, o);
        else {
          out.decided = false;
          out.why = "the sign of pre-activation " + std::to_string(o) + " of layer " + std::to_string(l) + " at row " +
                    std::to_string(ds.first_row + i + 1) + " is not decided at " + std::to_string(q) + " bits";
          return out;
        }
        act[l][o] = sg > 0;
        if (sg > 0) mpfi_set(( *f[l])[o], go);
        else mpfi_set_ui((*f[l])[o], 0);
      }
    }
    std::vector<std::unique_ptr<ivec>> delta(L + 1);
    delta[L] = std::make_unique<ivec>(1, q);
    mpfi_set_ui((*delta[L])[0], 1);
    for (std::size_t l = L - 1; l >= 1; --l) {
      const std::size_t nl = net.rows(l), nup = net.rows(l + 1);
      delta[l] = std::make_unique<ivec>(nl, q);
      for (std::size_t k = 0; k < nl; ++k) {
        if (!act[l][k]) continue;
        mpfi_ptr dk = (*delta[l])[k];
        for (std::size_t o = 0; o < nup; ++o) {
          mpfi_mul_d(t.x, (*delta[l + 1])[o], net.weights[l][o * nl + k]);
          mpfi_add(dk, dk, t.x);
        }
      }
      if (l == 1) break;
    }
    if (explicit_jacobian) {
      std::size_t p = 0;
      for (std::size_t l = 1; l <= L; ++l) {
        const std::size_t nin = net.cols(l), nout = net.rows(l);
        for (std::size_t o = 0; o < nout; ++o)
          for (std::size_t k = 0; k < nin; ++k) mpfi_mul((*J)[i * P + p++], (*delta[l])[o], (*f[l - 1])[k]);
        if (net.has_biases)
          for (std::size_t o = 0; o < nout; ++o) mpfi_set((*J)[i * P + p++], (*delta[l])[o]);
      }
    } else {
      F[i] = std::move(f);
      D[i] = std::move(delta);
    }
  }
  out.K = std::make_unique<ivec>(n * n, q);
  ivec& K = *out.K;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) {
      mpfi_ptr kij = K[i * n + j];
      if (explicit_jacobian) {
        for (std::size_t p = 0; p < P; ++p) {
          mpfi_mul(t.x, (*J)[i * P + p], (*J)[j * P + p]);
          mpfi_add(kij, kij, t.x);
        }
      } else {
        for (std::size_t l = 1; l <= L; ++l) {
          const std::size_t nin = net.cols(l), nout = net.rows(l);
          mpfi_set_ui(t.x, net.has_biases ? 1 : 0);
          for (std::size_t k = 0; k < nin; ++k) {
            mpfi_mul(u.x, (*F[i][l - 1])[k], (*F[j][l - 1])[k]);
            mpfi_add(t.x, t.x, u.x);
          }
          itmp s(q);
          mpfi_set_ui(s.x, 0);
          for (std::size_t o = 0; o < nout; ++o) {
            mpfi_mul(u.x, (*D[i][l])[o], (*D[j][l])[o]);
            mpfi_add(s.x, s.x, u.x);
          }
          mpfi_mul(t.x, t.x, s.x);
          mpfi_add(kij, kij, t.x);
        }
      }
      if (j != i) mpfi_set(K[j * n + i], kij);
    }
  return out;
}

}  // namespace ntk::empirical_detail
