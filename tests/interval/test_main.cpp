#define BOOST_TEST_MODULE interval
#include <boost/test/unit_test.hpp>
