// A dataset of given rows for the driver tests (source "test", a dummy hash, pixels scaled by 1/den).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace driver_test {

inline ntk::dataset make_data(std::size_t n, std::size_t d, std::vector<double> x, double den = 1.0) {
  ntk::dataset ds;
  ds.source = "test";
  ds.sha256 = std::string(64, '0');
  ds.n = n;
  ds.d = d;
  ds.x = std::move(x);
  ds.scale_den = den;
  return ds;
}

}  // namespace driver_test
