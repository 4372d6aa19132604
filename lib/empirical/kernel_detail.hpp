// Internal to lib/empirical (not installed): what the entrywise kernel (empirical_kernel.cpp) and
// the BLAS kernel (empirical_kernel_fast.cpp) share.
#pragma once

#include <cstddef>

#include "data/dataset.hpp"
#include "empirical/exact_forward.hpp"
#include "interval/dinterval.hpp"
#include "interval/minterval.hpp"
#include "network/network.hpp"

namespace ntk::empirical_detail {

// Throws std::invalid_argument unless the network has a layer, n_0 = d and n_L = 1.
void check_shapes(const network& net, const dataset& data);

// Contains the exact pre-activation g_l(x_i)_j, at about the precision of I.
template <class I>
I exact_value(exact_forward& ex, std::size_t i, std::size_t l, std::size_t j);
extern template dinterval exact_value<dinterval>(exact_forward&, std::size_t, std::size_t, std::size_t);
extern template minterval exact_value<minterval>(exact_forward&, std::size_t, std::size_t, std::size_t);

}  // namespace ntk::empirical_detail
