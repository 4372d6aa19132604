// The 2-D block-cyclic layout of ScaLAPACK for one N x N matrix on a Pr x Pc process grid with
// square blocks of nb, first block on process (0, 0): global row g lives on process row
// (g / nb) mod Pr at local row ((g / nb) / Pr) nb + g mod nb (columns alike). Local storage is
// column-major with leading dimension lld = max(1, local rows), as ScaLAPACK expects.
#pragma once

#include <algorithm>
#include <cstddef>

namespace ntk::distributed {

struct block_cyclic {
  int n = 0, nb = 1;
  int nprow = 1, npcol = 1, myrow = 0, mycol = 0;
  int mloc = 0, nloc = 0;  // local rows and columns
  int lld = 1;

  // Local (row or column) index -> global index, for process coordinate p of P.
  static int global_of(int local, int nb_, int p, int P) { return ((local / nb_) * P + p) * nb_ + local % nb_; }
  int global_row(int lr) const { return global_of(lr, nb, myrow, nprow); }
  int global_col(int lc) const { return global_of(lc, nb, mycol, npcol); }
  int owner_row(int g) const { return (g / nb) % nprow; }
  int owner_col(int g) const { return (g / nb) % npcol; }
  int local_row(int g) const { return ((g / nb) / nprow) * nb + g % nb; }  // valid on the owner
  int local_col(int g) const { return ((g / nb) / npcol) * nb + g % nb; }
  std::size_t at(int lr, int lc) const { return static_cast<std::size_t>(lc) * lld + lr; }
  std::size_t local_size() const { return static_cast<std::size_t>(lld) * std::max(nloc, 1); }
};

// Number of rows (or columns) of an n-vector in blocks of nb that process p of P holds (numroc).
inline int local_count(int n, int nb, int p, int P) {
  const int blocks = n / nb, extra = n % nb;
  int c = (blocks / P) * nb;
  const int rem = blocks % P;
  if (p < rem) c += nb;
  else if (p == rem) c += extra;
  return c;
}

inline block_cyclic make_layout(int n, int nb, int nprow, int npcol, int myrow, int mycol) {
  block_cyclic b;
  b.n = n;
  b.nb = nb;
  b.nprow = nprow;
  b.npcol = npcol;
  b.myrow = myrow;
  b.mycol = mycol;
  b.mloc = local_count(n, nb, myrow, nprow);
  b.nloc = local_count(n, nb, mycol, npcol);
  b.lld = std::max(1, b.mloc);
  return b;
}

}  // namespace ntk::distributed
