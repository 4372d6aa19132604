// Precompiled header of the certify target (meson cpp_pch in certify/meson.build;
// -Db_pch=false turns it off). It holds the Boost.Multiprecision MPFI/MPFR front ends behind
// interval/minterval.hpp: about 3.5 CPU-s of parsing in every file that includes them (11 of the
// 15 sources of certify), against ~0.4 s to load the precompiled form. Only headers that need no
// configuration macro may go here: Eigen may not (certificate/check_binary64.hpp defines
// EIGEN_DONT_PARALLELIZE before including it). Sources must still include what they use.
#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <mpfi.h>
#include <mpfr.h>
