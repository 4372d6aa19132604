#define BOOST_TEST_MODULE linalg
#include <boost/test/unit_test.hpp>
