// The naive Lipschitz bound of docs/math.md §6: ||g_k||_Lip <= prod_{l<=k} ||W_l||_2 (ReLU is
// 1-Lipschitz; biases do not matter), with every spectral norm certified by
// spectral_norm_enclose (lib/linalg/spectral_norm.hpp) and the product rounded up.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "network/network.hpp"

namespace ntk {

struct product_layer {
  double lower = 0;                                        // ||W_l||_2 >= lower
  double upper = std::numeric_limits<double>::infinity();  // ||W_l||_2 <= upper
  bool upper_from_cholesky = false;
  double power_iteration = std::numeric_limits<double>::quiet_NaN();  // float estimate, no guarantee
};

struct product_bound {
  std::vector<product_layer> layers;  // one per weight layer of the network, l = 1..L
  // The Lipschitz constant (l2 -> l2) of the whole network is <= upper = prod_l layers[l].upper,
  // rounded up (+inf if some factor is +inf).
  double upper = std::numeric_limits<double>::infinity();
  // prod_l power_iteration: the usual floating-point estimate of the same product (no guarantee;
  // it may lie below or above the exact product).
  double float_estimate = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0;
};

// Certified product bound of the network's l2 Lipschitz constant (the map as given: truncate first
// with network_truncate for g_k / f_k). The result's upper is >= the exact product of the exact
// spectral norms of the stored doubles, hence >= ||net||_Lip.
product_bound lipschitz_product(const network& net);

// Plain floating-point power iteration on W'W (at most `iterations` steps, stopping when the
// estimate settles to about 1e-12 relative): an estimate of ||W||_2, no guarantee. Deterministic
// (start vector fixed).
double power_iteration_norm(const std::vector<double>& W, std::size_t rows, std::size_t cols,
                            int iterations = 200);

}  // namespace ntk
