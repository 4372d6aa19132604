#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <string>

#include "data/load.hpp"
#include "test_util.hpp"

BOOST_AUTO_TEST_SUITE(load_dispatch)

BOOST_AUTO_TEST_CASE(unknown_specs) {
  ntk_test::expect_data_error([] { ntk::dataset_load("foo:bar", 0, std::nullopt); },
                              {"foo:bar", "unknown data source scheme 'foo:'"});
  ntk_test::expect_data_error([] { ntk::dataset_load("https://example.org/x.csv", 0, std::nullopt); },
                              {"unknown data source scheme 'https:'"});
  ntk_test::expect_data_error([] { ntk::dataset_load("data.txt", 0, std::nullopt); },
                              {"data.txt", "unrecognised data file type"});
  ntk_test::expect_data_error([] { ntk::dataset_load("", 0, std::nullopt); }, {"empty data spec"});
  ntk_test::expect_data_error([] { ntk::dataset_load("fashion-mnist:validation", 0, std::nullopt); },
                              {"fashion-mnist:validation", "unknown Fashion-MNIST split"});
  ntk_test::expect_data_error([] { ntk::dataset_load("synthetic:cube?n=2&d=2", 0, std::nullopt); },
                              {"synthetic:cube?n=2&d=2", "unknown synthetic family 'cube'"});
}

BOOST_AUTO_TEST_CASE(extension_case_insensitive) {
  ntk_test::scratch_dir dir;
  const std::string p = dir.write("UPPER.CSV", "1,2\n");
  BOOST_TEST(ntk::dataset_load(p, 0, std::nullopt).d == 2u);
}

// The Debian package's test images: 10,000 x 784 raw pixels with the exact scale 1/255. (Load time
// is a benchmark matter, not asserted here: a wall-clock bound fails on a loaded CI machine.)
BOOST_AUTO_TEST_CASE(fashion_mnist_test_set) {
  const ntk::dataset ds = ntk::dataset_load("fashion-mnist:test", 0, std::nullopt);
  BOOST_TEST(ds.source == "fashion-mnist:test");
  BOOST_TEST(ds.n == 10000u);
  BOOST_TEST(ds.d == 784u);
  BOOST_TEST(ds.scale_num == 1.0);
  BOOST_TEST(ds.scale_den == 255.0);
  BOOST_TEST(ds.first_row == 0u);
  const std::string path = std::string(ntk::fashion_mnist_dir) + "/t10k-images-idx3-ubyte.gz";
  BOOST_TEST(ds.sha256 == ntk_test::run_command("sha256sum '" + path + "'").substr(0, 64));
  double lo = 1e9, hi = -1e9;
  for (double v : ds.x) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  BOOST_TEST(lo == 0.0);
  BOOST_TEST(hi == 255.0);

  // The bundled CSV (written by data/make_default_data.py with Python's gzip, an independent
  // reader) holds the same integers for the first 500 images.
  const ntk::dataset csv =
      ntk::dataset_load(std::string(NTK_TEST_SOURCE_ROOT) + "/data/fashion-mnist-test-500.csv", 0,
                        std::nullopt);
  BOOST_TEST(csv.n == 500u);
  BOOST_TEST(csv.d == 784u);
  BOOST_TEST(csv.scale_den == 1.0);
  BOOST_TEST(std::equal(csv.x.begin(), csv.x.end(), ds.x.begin()));

  const ntk::dataset part = ntk::dataset_load("fashion-mnist:test", 9990, 100);
  BOOST_TEST(part.n == 10u);
  BOOST_TEST(part.first_row == 9990u);
  BOOST_TEST(std::equal(part.x.begin(), part.x.end(), ds.x.begin() + 9990 * 784));
  ntk_test::expect_data_error([] { ntk::dataset_load("fashion-mnist:test", 10000, 1); },
                              {"no rows selected", "10000 data rows"});
}

BOOST_AUTO_TEST_CASE(fashion_mnist_train_tail) {
  const ntk::dataset ds = ntk::dataset_load("fashion-mnist:train", 59995, std::nullopt);
  BOOST_TEST(ds.n == 5u);
  BOOST_TEST(ds.d == 784u);
  BOOST_TEST(ds.scale_den == 255.0);
  BOOST_TEST(ds.first_row == 59995u);
}

BOOST_AUTO_TEST_SUITE_END()
