#include "data/load.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

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
    "expected a .csv, .npy or *-ubyte[.gz] file, fashion-mnist:train, fashion-mnist:test or "
    "synthetic:sphere?n=N&d=D&seed=S";

}  // namespace

dataset dataset_load(const std::string& spec, std::size_t offset,
                     std::optional<std::size_t> limit) {
  if (spec.empty()) throw data_error(std::string("empty data spec (") + accepted + ")");
  if (starts_with(spec, "fashion-mnist:")) {
    const std::string split = spec.substr(14);
    std::string file;
    if (split == "train") file = "train-images-idx3-ubyte.gz";
    else if (split == "test") file = "t10k-images-idx3-ubyte.gz";
    else throw data_error(spec + ": unknown Fashion-MNIST split (expected fashion-mnist:train or "
                                 "fashion-mnist:test)");
    const std::string path = std::string(fashion_mnist_dir) + "/" + file;
    if (!file_exists(path))
      throw data_error(path + ": cannot open: not found (" + spec +
                       " needs the Debian package dataset-fashion-mnist)");
    dataset ds = detail::read_idx(path, offset, limit);
    ds.source = spec;
    ds.scale_num = 1;
    ds.scale_den = 255;
    return ds;
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
