// Outward decimal strings: the JSON form of a certified bound.
//
// decimal_down(x) is a decimal number <= x, decimal_up(x) one >= x, each with `digits` significant
// digits (at least 17, so a double survives the round trip) in the form "-1.2345678901234567e-05";
// zero is "0", infinities "inf" / "-inf", NaN "nan". The conversion is MPFR's, correctly rounded
// in the requested direction.
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
