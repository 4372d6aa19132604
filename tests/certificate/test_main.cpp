#define BOOST_TEST_MODULE certificate
#include <boost/test/unit_test.hpp>
