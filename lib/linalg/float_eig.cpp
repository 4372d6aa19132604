#include "linalg/float_eig.hpp"

#include <lapacke.h>

#include <limits>

namespace ntk {
namespace {

// Row-major lower triangle = column-major upper triangle; LAPACK_COL_MAJOR with 'U' avoids the
// transposed copy LAPACKE makes for LAPACK_ROW_MAJOR.
template <class T, class Fn>
T one_eigenvalue(const std::vector<T>& M, std::size_t n, std::vector<T>* vec, Fn syevr,
                 bool largest) {
  if (vec) vec->clear();
  if (n == 0 || M.size() != n * n) return std::numeric_limits<T>::quiet_NaN();
  std::vector<T> a = M, w(n), z(n);
  lapack_int found = 0;
  lapack_int support[2];
  const lapack_int N = static_cast<lapack_int>(n);
  const lapack_int index = largest ? N : 1;
  const lapack_int info = syevr(LAPACK_COL_MAJOR, vec ? 'V' : 'N', 'I', 'U', N, a.data(), N, T(0),
                                T(0), index, index, T(0), &found, w.data(), z.data(), N, support);
  if (info != 0 || found != 1) return std::numeric_limits<T>::quiet_NaN();
  if (vec) *vec = z;
  return w[0];
}

}  // namespace

double float_eig_smallest(const std::vector<double>& M, std::size_t n, std::vector<double>* vec) {
  return one_eigenvalue<double>(M, n, vec, LAPACKE_dsyevr, false);
}

double float_eig_largest(const std::vector<double>& M, std::size_t n, std::vector<double>* vec) {
  return one_eigenvalue<double>(M, n, vec, LAPACKE_dsyevr, true);
}

float float_eig_smallest(const std::vector<float>& M, std::size_t n, std::vector<float>* vec) {
  return one_eigenvalue<float>(M, n, vec, LAPACKE_ssyevr, false);
}

std::vector<double> float_eig_all(std::vector<double> M, std::size_t n) {
  if (n == 0 || M.size() != n * n) return {};
  std::vector<double> w(n);
  const lapack_int N = static_cast<lapack_int>(n);
  if (LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', N, M.data(), N, w.data()) != 0) return {};
  return w;
}

std::vector<float> float_eig_all(std::vector<float> M, std::size_t n) {
  if (n == 0 || M.size() != n * n) return {};
  std::vector<float> w(n);
  const lapack_int N = static_cast<lapack_int>(n);
  if (LAPACKE_ssyevd(LAPACK_COL_MAJOR, 'N', 'U', N, M.data(), N, w.data()) != 0) return {};
  return w;
}

}  // namespace ntk
