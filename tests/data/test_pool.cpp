// Exact average pooling: average_pool_images on random integer images against a direct block loop,
// and fashion-mnist:SPLIT?pool=K against block sums of the raw IDX bytes read here with zlib.
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "data/load.hpp"
#include "data/pool.hpp"
#include "test_util.hpp"

namespace {

// All pixels of a Fashion-MNIST IDX file (16-byte header skipped), read independently of the
// library's reader.
std::vector<unsigned char> raw_idx_pixels(const std::string& file, std::size_t& count) {
  const std::string path = std::string(ntk::fashion_mnist_dir) + "/" + file;
  gzFile f = gzopen(path.c_str(), "rb");
  BOOST_REQUIRE(f != nullptr);
  unsigned char header[16];
  BOOST_REQUIRE(gzread(f, header, 16) == 16);
  count = (std::size_t(header[4]) << 24) | (std::size_t(header[5]) << 16) |
          (std::size_t(header[6]) << 8) | std::size_t(header[7]);
  BOOST_REQUIRE(header[8] == 0 && header[9] == 0 && header[10] == 0 && header[11] == 28);
  BOOST_REQUIRE(header[12] == 0 && header[13] == 0 && header[14] == 0 && header[15] == 28);
  std::vector<unsigned char> px(count * 784);
  std::size_t done = 0;
  while (done < px.size()) {
    const int got = gzread(f, px.data() + done, unsigned(std::min<std::size_t>(px.size() - done, 1u << 24)));
    BOOST_REQUIRE(got > 0);
    done += std::size_t(got);
  }
  gzclose(f);
  return px;
}

// Checks dataset_load(split?pool=k, offset, limit) against integer block sums of the raw pixels.
void check_fashion_pool(const std::string& split, const std::vector<unsigned char>& px,
                        std::size_t total, std::size_t k, std::size_t offset, std::size_t limit) {
  const std::string spec = "fashion-mnist:" + split + "?pool=" + std::to_string(k);
  BOOST_TEST_CONTEXT(spec << " offset " << offset << " limit " << limit) {
    const ntk::dataset ds = ntk::dataset_load(spec, offset, limit);
    const std::size_t n = std::min(limit, total - offset), side = 28 / k;
    BOOST_TEST(ds.source == spec);
    BOOST_TEST(ds.n == n);
    BOOST_TEST(ds.d == side * side);
    BOOST_TEST(ds.first_row == offset);
    BOOST_TEST(ds.scale_num == 1.0);
    BOOST_TEST(ds.scale_den == double(255 * k * k));
    BOOST_REQUIRE(ds.x.size() == n * side * side);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char* img = px.data() + (offset + i) * 784;
      std::uint64_t row_total = 0, pooled_total = 0;
      for (std::size_t a = 0; a < side; ++a)
        for (std::size_t b = 0; b < side; ++b) {
          std::uint64_t s = 0;
          for (std::size_t p = 0; p < k; ++p)
            for (std::size_t q = 0; q < k; ++q) s += img[(a * k + p) * 28 + b * k + q];
          const double v = ds.x[i * ds.d + a * side + b];
          if (v != double(s)) ++mismatches;
          pooled_total += std::uint64_t(v);
        }
      for (std::size_t j = 0; j < 784; ++j) row_total += img[j];
      if (pooled_total != row_total) ++mismatches;  // pooling conserves the pixel mass
    }
    BOOST_TEST(mismatches == 0u);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool)

// Random integer images of random shapes: the pooled values are the block sums, the scale grows by
// k^2, the rest of the data set is kept.
BOOST_AUTO_TEST_CASE(random_images_against_block_loop) {
  std::mt19937_64 rng(20240611);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t k = 1 + rng() % 5, rows = k * (1 + rng() % 6), cols = k * (1 + rng() % 6);
    const std::size_t n = 1 + rng() % 4;
    ntk::dataset in;
    in.source = "images";
    in.sha256 = "abc";
    in.n = n;
    in.d = rows * cols;
    in.first_row = rng() % 100;
    in.scale_num = double(1 + rng() % 3);
    in.scale_den = double(1 + rng() % 1000);
    // Integers up to the largest magnitude the contract allows, both signs.
    const std::int64_t cap = (std::int64_t(1) << 53) / std::int64_t(k * k);
    for (std::size_t j = 0; j < n * in.d; ++j) {
      const std::int64_t mag = (trial % 3 == 0) ? std::int64_t(rng() % std::uint64_t(cap + 1))
                                                : std::int64_t(rng() % 256);
      in.x.push_back(double((rng() & 1) && trial % 2 ? -mag : mag));
    }
    const ntk::dataset out = ntk::average_pool_images(in, rows, cols, k);
    BOOST_TEST_CONTEXT("trial " << trial << " k " << k << " " << rows << "x" << cols) {
      BOOST_TEST(out.n == n);
      BOOST_TEST(out.d == (rows / k) * (cols / k));
      BOOST_TEST(out.source == in.source);
      BOOST_TEST(out.sha256 == in.sha256);
      BOOST_TEST(out.first_row == in.first_row);
      BOOST_TEST(out.scale_num == in.scale_num);
      BOOST_TEST(out.scale_den == in.scale_den * double(k * k));
      BOOST_REQUIRE(out.x.size() == n * out.d);
      std::size_t bad = 0;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t a = 0; a < rows / k; ++a)
          for (std::size_t b = 0; b < cols / k; ++b) {
            // Exact reference in 128-bit integers.
            __int128 s = 0;
            for (std::size_t p = 0; p < k; ++p)
              for (std::size_t q = 0; q < k; ++q)
                s += __int128(std::int64_t(in.x[i * in.d + (a * k + p) * cols + b * k + q]));
            if (__int128(std::int64_t(out.x[i * out.d + a * (cols / k) + b])) != s) ++bad;
          }
      BOOST_TEST(bad == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(refuses_inexact_or_malformed_input) {
  ntk::dataset in;
  in.source = "imgs.csv";
  in.n = 2;
  in.d = 4;
  in.x = {1, 2, 3, 4, 5, 6, 7, 8};
  in.first_row = 10;
  ntk_test::expect_data_error([&] { ntk::average_pool_images(in, 2, 2, 0); },
                              {"imgs.csv", "at least 1"});
  ntk_test::expect_data_error([&] { ntk::average_pool_images(in, 3, 2, 1); },
                              {"imgs.csv", "not 3 x 2 images"});
  ntk_test::expect_data_error([&] { ntk::average_pool_images(in, 1, 4, 2); },
                              {"imgs.csv", "does not divide"});
  ntk::dataset frac = in;
  frac.x[6] = 7.5;
  ntk_test::expect_data_error([&] { ntk::average_pool_images(frac, 2, 2, 2); },
                              {"imgs.csv", "row 12", "column 3", "not an integer"});
  ntk::dataset big = in;
  big.x[1] = 0x1p51 + 1;  // above 2^53 / 4
  ntk_test::expect_data_error([&] { ntk::average_pool_images(big, 2, 2, 2); },
                              {"row 11", "column 2", "2^53/2^2"});
  big.x[1] = 0x1p51;  // exactly at the bound: allowed, and the sum 2^51 + 1 + 3 + 4 is exact
  BOOST_TEST(ntk::average_pool_images(big, 2, 2, 2).x[0] == 0x1p51 + 8);
  ntk::dataset scale = in;
  scale.scale_den = 0x1p52;
  ntk_test::expect_data_error([&] { ntk::average_pool_images(scale, 2, 2, 2); },
                              {"imgs.csv", "not exact"});
}

BOOST_AUTO_TEST_CASE(fashion_mnist_test_pooled) {
  std::size_t total = 0;
  const std::vector<unsigned char> px = raw_idx_pixels("t10k-images-idx3-ubyte.gz", total);
  BOOST_REQUIRE(total == 10000u);
  for (std::size_t k : {1, 2, 4, 7, 14, 28}) check_fashion_pool("test", px, total, k, 0, 1000);
  check_fashion_pool("test", px, total, 4, 9990, 100);  // clipped at the end
  check_fashion_pool("test", px, total, 7, 4321, 77);

  // pool=1 is the plain split with another name; the file's hash is kept.
  const ntk::dataset plain = ntk::dataset_load("fashion-mnist:test", 5, 20);
  const ntk::dataset one = ntk::dataset_load("fashion-mnist:test?pool=1", 5, 20);
  BOOST_TEST(one.x == plain.x);
  BOOST_TEST(one.sha256 == plain.sha256);
  BOOST_TEST(ntk::dataset_load("fashion-mnist:test?pool=14", 0, 3).sha256 == plain.sha256);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_train_pooled) {
  std::size_t total = 0;
  const std::vector<unsigned char> px = raw_idx_pixels("train-images-idx3-ubyte.gz", total);
  BOOST_REQUIRE(total == 60000u);
  check_fashion_pool("train", px, total, 2, 59000, 2000);
  check_fashion_pool("train", px, total, 28, 0, 500);
}

BOOST_AUTO_TEST_CASE(bad_pool_specs) {
  for (const char* spec : {"fashion-mnist:test?pool=3", "fashion-mnist:test?pool=0",
                           "fashion-mnist:test?pool=56", "fashion-mnist:train?pool=5"})
    ntk_test::expect_data_error([&] { ntk::dataset_load(spec, 0, 1); },
                                {spec, "pool must be one of 1, 2, 4, 7, 14, 28", "divisors"});
  for (const char* spec : {"fashion-mnist:test?pool=", "fashion-mnist:test?pool=x",
                           "fashion-mnist:test?pool=+2", "fashion-mnist:test?pool=2&pool=2",
                           "fashion-mnist:test?pool=2&seed=1", "fashion-mnist:test?pool=-4"})
    ntk_test::expect_data_error([&] { ntk::dataset_load(spec, 0, 1); },
                                {spec, "pool must be one of 1, 2, 4, 7, 14, 28"});
  ntk_test::expect_data_error([] { ntk::dataset_load("fashion-mnist:test?size=2", 0, 1); },
                              {"fashion-mnist:test?size=2", "unknown parameter 'size'"});
  ntk_test::expect_data_error([] { ntk::dataset_load("fashion-mnist:test?", 0, 1); },
                              {"fashion-mnist:test?", "unknown parameter ''"});
  ntk_test::expect_data_error([] { ntk::dataset_load("fashion-mnist:valid?pool=2", 0, 1); },
                              {"unknown Fashion-MNIST split", "?pool=K"});
  ntk_test::expect_data_error([] { ntk::dataset_load("fashion-mnist:test?pool=4", 10000, 1); },
                              {"no rows selected"});
}

BOOST_AUTO_TEST_SUITE_END()
