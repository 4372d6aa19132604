// PATH.safetensors: 8-byte little-endian header length, JSON header, raw little-endian tensors.
#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/readers.hpp"
#include "data/sha256.hpp"
#include "network/float16.hpp"
#include "network/readers.hpp"

namespace ntk::detail {

static_assert(std::endian::native == std::endian::little,
              "safetensors reader assumes a little-endian host");

namespace {

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  s += shape.size() == 1 ? ",)" : ")";
  return s;
}

// The numbers in a tensor prefix, in order: "net.0" -> {0}, "block1.fc2" -> {1, 2}.
std::vector<std::uint64_t> numbers_in(const std::string& s) {
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] >= '0' && s[i] <= '9') {
      std::uint64_t v = 0;
      bool big = false;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) big = true;
        else v = v * 10 + std::uint64_t(s[i] - '0');
        ++i;
      }
      out.push_back(big ? std::numeric_limits<std::uint64_t>::max() : v);
    } else {
      ++i;
    }
  }
  return out;
}

struct tensor {
  std::string name;
  std::string dtype;
  std::vector<std::size_t> shape;
  std::size_t begin = 0, end = 0;
};

struct layer_entry {
  std::string prefix;
  const tensor* weight = nullptr;
  const tensor* bias = nullptr;
};

std::vector<double> decode(const tensor& t, const char* data, const std::string& path) {
  std::size_t item;
  if (t.dtype == "F64") item = 8;
  else if (t.dtype == "F32") item = 4;
  else if (t.dtype == "F16" || t.dtype == "BF16") item = 2;
  else
    throw data_error(path + ": array " + t.name + ": unsupported dtype '" + t.dtype +
                     "' (expected F64, F32, F16 or BF16)");
  std::size_t count = 1;
  for (std::size_t n : t.shape) {
    if (n != 0 && count > std::numeric_limits<std::size_t>::max() / 8 / n)
      throw data_error(path + ": array " + t.name + ": shape " + shape_text(t.shape) + " is too large");
    count *= n;
  }
  if (t.end - t.begin != count * item)
    throw data_error(path + ": array " + t.name + ": data_offsets [" + std::to_string(t.begin) +
                     ", " + std::to_string(t.end) + ") hold " + std::to_string(t.end - t.begin) +
                     " bytes, shape " + shape_text(t.shape) + " of " + t.dtype + " needs " +
                     std::to_string(count * item));
  std::vector<double> v(count);
  const char* p = data + t.begin;
  for (std::size_t k = 0; k < count; ++k) {
    if (item == 8) {
      std::memcpy(&v[k], p + 8 * k, 8);
    } else if (item == 4) {
      float f;
      std::memcpy(&f, p + 4 * k, 4);
      v[k] = static_cast<double>(f);  // exact
    } else {
      std::uint16_t h;
      std::memcpy(&h, p + 2 * k, 2);
      v[k] = t.dtype == "F16" ? half_to_double(h) : bfloat16_to_double(h);
    }
  }
  return v;
}

}  // namespace

network read_network_safetensors(const std::string& path, weight_layout layout) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.size() < 8)
    throw data_error(path + ": truncated safetensors file (" + std::to_string(bytes.size()) +
                     " bytes, the header length alone takes 8)");
  std::uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = hlen << 8 | static_cast<unsigned char>(bytes[std::size_t(i)]);
  if (hlen > bytes.size() - 8)
    throw data_error(path + ": truncated safetensors file: header of " + std::to_string(hlen) +
                     " bytes announced, " + std::to_string(bytes.size() - 8) + " present");
  const std::size_t data_start = 8 + std::size_t(hlen);
  const std::size_t data_size = bytes.size() - data_start;
  nlohmann::json header;
  // nlohmann keeps the last of repeated keys silently; a header naming a tensor twice is refused
  // instead (one set of keys per open object).
  std::vector<std::set<std::string>> keys;
  const nlohmann::json::parser_callback_t refuse_duplicates =
      [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (event == nlohmann::json::parse_event_t::object_start) keys.emplace_back();
        else if (event == nlohmann::json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        else if (event == nlohmann::json::parse_event_t::key && !keys.empty() &&
                 !keys.back().insert(parsed.get<std::string>()).second)
          throw data_error(path + ": malformed safetensors header (duplicate key '" +
                           parsed.get<std::string>() + "')");
        return true;
      };
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + std::ptrdiff_t(data_start),
                                   refuse_duplicates);
  } catch (const nlohmann::json::exception& e) {
    throw data_error(path + ": malformed safetensors header (not JSON: " + e.what() + ")");
  }
  if (!header.is_object()) throw data_error(path + ": malformed safetensors header (not a JSON object)");

  std::vector<tensor> tensors;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = path + ": array " + it.key();
    const nlohmann::json& t = it.value();
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets") ||
        !t["dtype"].is_string() || !t["shape"].is_array() || !t["data_offsets"].is_array() ||
        t["data_offsets"].size() != 2)
      throw data_error(where + ": malformed header entry (expected dtype, shape, data_offsets)");
    tensor x;
    x.name = it.key();
    x.dtype = t["dtype"].get<std::string>();
    for (const auto& d : t["shape"]) {
      if (!d.is_number_unsigned()) throw data_error(where + ": malformed shape in the header");
      x.shape.push_back(d.get<std::size_t>());
    }
    const auto& o = t["data_offsets"];
    if (!o[0].is_number_unsigned() || !o[1].is_number_unsigned())
      throw data_error(where + ": malformed data_offsets in the header");
    x.begin = o[0].get<std::size_t>();
    x.end = o[1].get<std::size_t>();
    if (x.begin > x.end || x.end > data_size)
      throw data_error(where + ": data_offsets [" + std::to_string(x.begin) + ", " +
                       std::to_string(x.end) + ") outside the " + std::to_string(data_size) +
                       " data bytes (truncated file?)");
    tensors.push_back(std::move(x));
  }

  // Group into layers by prefix, ordered by the numbers in the prefix.
  std::map<std::string, layer_entry> by_prefix;
  for (const tensor& t : tensors) {
    const bool is_w = t.name.size() > 7 && t.name.compare(t.name.size() - 7, 7, ".weight") == 0;
    const bool is_b = t.name.size() > 5 && t.name.compare(t.name.size() - 5, 5, ".bias") == 0;
    if (!is_w && !is_b)
      throw data_error(path + ": array " + t.name +
                       ": not a Linear layer's weight or bias (expected <prefix>.weight / <prefix>.bias)");
    const std::string prefix = t.name.substr(0, t.name.size() - (is_w ? 7 : 5));
    layer_entry& e = by_prefix[prefix];
    e.prefix = prefix;
    (is_w ? e.weight : e.bias) = &t;
  }
  if (by_prefix.empty()) throw data_error(path + ": no tensors (expected <prefix>.weight)");
  std::map<std::vector<std::uint64_t>, layer_entry> ordered;
  for (auto& [prefix, e] : by_prefix) {
    if (!e.weight)
      throw data_error(path + ": array " + prefix + ".bias: no matching weight " + prefix + ".weight");
    const auto key = numbers_in(prefix);
    if (key.empty())
      throw data_error(path + ": array " + prefix +
                       ".weight: no number in its name to order the layers by");
    auto [it, fresh] = ordered.emplace(key, e);
    if (!fresh)
      throw data_error(path + ": arrays " + it->second.prefix + ".weight and " + prefix +
                       ".weight: the same numbers in their names, cannot order the layers");
  }

  const char* data = bytes.data() + data_start;
  std::vector<stored_matrix> mats;
  std::vector<stored_bias> biases;
  bool any_bias = false;
  for (auto& [key, e] : ordered) {
    const tensor& w = *e.weight;
    if (w.shape.size() != 2)
      throw data_error(path + ": array " + w.name + ": shape " + shape_text(w.shape) +
                       " (expected a 2-D matrix)");
    mats.push_back(stored_matrix{w.name, w.shape[0], w.shape[1], decode(w, data, path)});
    stored_bias sb;
    sb.name = e.prefix + ".bias";
    if (e.bias) {
      const tensor& b = *e.bias;
      if (b.shape.size() != 1)
        throw data_error(path + ": array " + b.name + ": shape " + shape_text(b.shape) +
                         " (expected a vector)");
      sb.present = true;
      sb.shape = shape_text(b.shape);
      sb.values = decode(b, data, path);
      any_bias = true;
    }
    biases.push_back(std::move(sb));
  }
  if (!any_bias) biases.clear();
  network net = assemble_network(path, std::move(mats), std::move(biases), layout);
  net.sha256 = sha256_hex(bytes);
  return net;
}

}  // namespace ntk::detail
