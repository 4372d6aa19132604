#include "data/load.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "data/pool.hpp"
#include "data/readers.hpp"
#include "data/synthetic.hpp"

namespace ntk {

namespace {

bool ends_with_nocase(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - suffix.size(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// "scheme:" at the start, as in URLs: a letter, then letters, digits, '+', '-', '.'.
std::string scheme_of(const std::string& spec) {
  std::size_t i = 0;
  if (spec.empty() || !std::isalpha(static_cast<unsigned char>(spec[0]))) return "";
  while (i < spec.size() && (std::isalnum(static_cast<unsigned char>(spec[i])) || spec[i] == '+' ||
                             spec[i] == '-' || spec[i] == '.'))
    ++i;
  return i < spec.size() && spec[i] == ':' ? spec.substr(0, i) : "";
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

const char* accepted =
    "expected a .csv, .npy or *-ubyte[.gz] file, fashion-mnist:train, fashion-mnist:test (optionally "
    "?pool=K) or synthetic:sphere?n=N&d=D&seed=S";

const char* fashion_mnist_forms =
    "expected fashion-mnist:train or fashion-mnist:test, optionally followed by ?pool=K with K in "
    "{1, 2, 4, 7, 14, 28}";

// The K of "?pool=K" (the text after '?'), 1 when query is empty. Throws data_error naming spec for
// anything but exactly one pool parameter whose value is a decimal divisor of 28.
std::size_t fashion_mnist_pool(const std::string& spec, const std::string& query, bool has_query) {
  if (!has_query) return 1;
  const std::string key = "pool=";
  if (query.compare(0, key.size(), key) != 0) {
    const std::string name = query.substr(0, query.find('='));
    throw data_error(spec + ": unknown parameter '" + name + "' (" + fashion_mnist_forms + ")");
  }
  const std::string val = query.substr(key.size());
  if (val.empty() || val.size() > 2 ||
      val.find_first_not_of("0123456789") != std::string::npos)
    throw data_error(spec + ": pool must be one of 1, 2, 4, 7, 14, 28 (got '" + val + "')");
  const std::size_t k = std::stoul(val);
  if (k == 0 || 28 % k != 0)
    throw data_error(spec + ": pool must be one of 1, 2, 4, 7, 14, 28, the divisors of the image "
                            "side 28 (got '" + val + "')");
  return k;
}

}  // namespace

dataset dataset_load(const std::string& spec, std::size_t offset,
                     std::optional<std::size_t> limit) {
  if (spec.empty()) throw data_error(std::string("empty data spec (") + accepted + ")");
  if (starts_with(spec, "fashion-mnist:")) {
    const std::size_t q = spec.find('?');
    const std::string split = spec.substr(14, q == std::string::npos ? std::string::npos : q - 14);
    std::string file;
    if (split == "train") file = "train-images-idx3-ubyte.gz";
    else if (split == "test") file = "t10k-images-idx3-ubyte.gz";
    else throw data_error(spec + ": unknown Fashion-MNIST split (" + fashion_mnist_forms + ")");
    const std::size_t pool = fashion_mnist_pool(
        spec, q == std::string::npos ? std::string() : spec.substr(q + 1), q != std::string::npos);
    const std::string path = std::string(fashion_mnist_dir) + "/" + file;
    if (!file_exists(path))
      throw data_error(path + ": cannot open: not found (" + spec +
                       " needs the Debian package dataset-fashion-mnist)");
    dataset ds = detail::read_idx(path, offset, limit);
    ds.source = spec;
    ds.scale_num = 1;
    ds.scale_den = 255;
    if (pool == 1) return ds;
    if (ds.d != 28 * 28)
      throw data_error(path + ": images of " + std::to_string(ds.d) + " pixels, expected 28 x 28");
    return average_pool_images(ds, 28, 28, pool);
  }
  if (starts_with(spec, "synthetic:")) return synthetic_sphere_load(spec, offset, limit);

  const std::string scheme = scheme_of(spec);
  if (!scheme.empty() && !file_exists(spec))
    throw data_error(spec + ": unknown data source scheme '" + scheme + ":' (" + accepted + ")");
  if (ends_with_nocase(spec, ".csv")) return detail::read_csv(spec, offset, limit);
  if (ends_with_nocase(spec, ".npy")) return detail::read_npy(spec, offset, limit);
  if (ends_with_nocase(spec, "-ubyte") || ends_with_nocase(spec, "-ubyte.gz"))
    return detail::read_idx(spec, offset, limit);
  throw data_error(spec + ": unrecognised data file type (" + accepted + ")");
}

}  // namespace ntk
