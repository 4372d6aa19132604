#include "interval/minterval.hpp"

#include <boost/multiprecision/detail/digits.hpp>

namespace ntk {

long set_working_precision_bits(long bits) {
  if (bits < 53) bits = 53;
  unsigned d10 = 1;
  while (static_cast<long>(boost::multiprecision::detail::digits10_2_2(d10)) < bits) ++d10;
  minterval::default_precision(d10);
  mreal::default_precision(d10);
  return working_precision_bits();
}

long working_precision_bits() {
  minterval x;
  return static_cast<long>(mpfi_get_prec(mpfi_of(x)));
}

}  // namespace ntk
