// Internal to the empirical-NTK checker (not installed): MPFI arrays and the enclosure of K̄.
// Written directly on GMP, MPFR and MPFI; shares only the data and network readers with the prover
// (see empirical_certificate.hpp for the method).
#pragma once

#include <mpfi.h>
#include <mpfr.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "certificate/certificate.hpp"
#include "data/dataset.hpp"
#include "network/network.hpp"

namespace ntk::empirical_detail {

// ------------------------------------------------------------------------------ MPFI arrays

class ivec {
 public:
  ivec(std::size_t n, mpfr_prec_t q) : v_(n) {
    for (auto& x : v_) {
      mpfi_init2(&x, q);
      mpfi_set_ui(&x, 0);
    }
  }
  ~ivec() {
    for (auto& x : v_) mpfi_clear(&x);
  }
  ivec(const ivec&) = delete;
  ivec& operator=(const ivec&) = delete;
  mpfi_ptr operator[](std::size_t i) { return &v_[i]; }
  mpfi_srcptr operator[](std::size_t i) const { return &v_[i]; }
  std::size_t size() const { return v_.size(); }

 private:
  std::vector<__mpfi_struct> v_;
};

struct itmp {
  mpfi_t x;
  explicit itmp(mpfr_prec_t q) { mpfi_init2(x, q); }
  ~itmp() { mpfi_clear(x); }
};

struct kernel_result {
  std::unique_ptr<ivec> K;  // n x n
  bool decided = true;
  std::string why;  // when !decided
};

// K̄ (n x n, row-major) enclosed at precision q: the result contains K̄ entrywise. Each ReLU sign
// comes from its enclosure, else from an exact rational forward pass (rows without normalisation),
// else it is left undecided (decided == false, why says where).
kernel_result enclose_empirical(const network& net, const dataset& ds, const certificate::data_part& dp, mpfr_prec_t q);

}  // namespace ntk::empirical_detail
