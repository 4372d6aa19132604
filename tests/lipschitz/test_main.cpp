#define BOOST_TEST_MODULE lipschitz
#include <boost/test/unit_test.hpp>
