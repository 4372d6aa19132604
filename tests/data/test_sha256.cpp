#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

#include "data/errors.hpp"
#include "data/sha256.hpp"
#include "test_util.hpp"

BOOST_AUTO_TEST_SUITE(sha256_suite)

// FIPS 180-2 / NIST CSRC example vectors.
BOOST_AUTO_TEST_CASE(fips_vectors) {
  BOOST_TEST(ntk::sha256_hex("") ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(ntk::sha256_hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(ntk::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(ntk::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                             "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  // One million 'a', fed in uneven pieces.
  ntk::sha256 h;
  const std::string piece(997, 'a');
  std::size_t left = 1000000;
  while (left > 0) {
    const std::size_t take = std::min(left, piece.size());
    h.update(piece.data(), take);
    left -= take;
  }
  BOOST_TEST(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 55/56/64-byte padding boundaries and random chunking, against sha256sum.
BOOST_AUTO_TEST_CASE(against_sha256sum) {
  ntk_test::scratch_dir dir;
  std::mt19937_64 rng(20240611);
  for (std::size_t len : {1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 1000u, 100003u}) {
    std::string bytes(len, '\0');
    for (auto& c : bytes) c = char(rng() & 0xff);
    const std::string path = dir.write("blob" + std::to_string(len), bytes);
    const std::string expected = ntk_test::run_command("sha256sum '" + path + "'").substr(0, 64);
    BOOST_TEST_INFO("length " << len);
    BOOST_TEST(ntk::sha256_file_hex(path) == expected);
    ntk::sha256 h;
    for (std::size_t pos = 0; pos < len;) {
      const std::size_t take = std::min<std::size_t>(len - pos, rng() % 150);
      h.update(bytes.data() + pos, take);
      pos += take;
    }
    BOOST_TEST(h.hex_digest() == expected);
    BOOST_TEST(ntk::sha256_hex(bytes) == expected);
  }
}

BOOST_AUTO_TEST_CASE(missing_file) {
  ntk_test::expect_data_error([] { ntk::sha256_file_hex("/nonexistent/file.csv"); },
                              {"/nonexistent/file.csv", "cannot open"});
}

BOOST_AUTO_TEST_SUITE_END()
