#define BOOST_TEST_MODULE hermite
#include <boost/test/unit_test.hpp>
