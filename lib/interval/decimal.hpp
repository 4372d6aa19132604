// Outward decimal strings: the JSON form of a certified bound.
//
// decimal_string(x, outward::down, digits) is a decimal number <= x, decimal_string(x, outward::up,
// digits) one >= x, each correctly rounded in that direction (MPFR) to max(digits, 17) significant
// digits, in the form "-1.2345678901234567e-05" (exponent with sign and at least two digits).
// Zero (either sign) is "0", infinities "inf" / "-inf", NaN "nan". Round trip: with at least
// decimal_digits_for_bits(p) digits for a value of precision p (17 for a double), the down string
// read back rounding up, and the up string read back rounding down, give x again.
#pragma once

#include <mpfr.h>
#include <string>

namespace ntk {

enum class outward { down, up };

std::string decimal_string(double x, outward dir, int digits = 17);
std::string decimal_string(mpfr_srcptr x, outward dir, int digits = 17);

// Digits that represent a value of `bits` bits without loss (>= 17).
int decimal_digits_for_bits(long bits);

}  // namespace ntk
