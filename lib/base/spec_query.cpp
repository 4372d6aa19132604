#include "base/spec_query.hpp"

#include <algorithm>
#include <limits>

namespace ntk {

std::vector<spec_param> parse_spec_query(std::string_view query, std::initializer_list<std::string_view> known) {
  std::vector<spec_param> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view kv = query.substr(pos, amp - pos);
    pos = amp + 1;
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) throw spec_query_error("parameter '" + std::string(kv) + "' has no value");
    spec_param p{std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1))};
    if (std::find(known.begin(), known.end(), std::string_view(p.key)) == known.end())
      throw spec_query_error("unknown parameter '" + p.key + "'");
    for (const spec_param& q : out)
      if (q.key == p.key) throw spec_query_error("parameter '" + p.key + "' given twice");
    out.push_back(std::move(p));
  }
  return out;
}

std::uint64_t spec_u64(const spec_param& p) {
  if (p.value.empty()) throw spec_query_error("parameter '" + p.key + "' has an empty value");
  std::uint64_t v = 0;
  for (char c : p.value) {
    if (c < '0' || c > '9')
      throw spec_query_error("parameter '" + p.key + "': '" + p.value + "' is not a decimal integer");
    const unsigned digit = unsigned(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      throw spec_query_error("parameter '" + p.key + "' is too large");
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace ntk
