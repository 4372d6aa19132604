// The query part of the generator specs: key=value pairs joined by '&', as in
// "random:widths=4,8,1&init=he&seed=7" (lib/network/random.cpp) and
// "synthetic:sphere?n=100&d=8&seed=1" (lib/data/synthetic.cpp). One parser, so that both accept
// and reject the same things with the same messages.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ntk {

// A malformed query. what() names the parameter and the defect, not the spec: the caller prefixes
// the spec and appends the expected form.
class spec_query_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct spec_param {
  std::string key, value;
};

// The pairs of `query` in their order. Throws spec_query_error for a pair without '=' ("parameter
// 'kv' has no value"; an empty query or an empty pair between two '&' is one), a key outside
// `known` ("unknown parameter 'k'") and a key given twice ("parameter 'k' given twice").
std::vector<spec_param> parse_spec_query(std::string_view query, std::initializer_list<std::string_view> known);

// The value of `p` as a decimal integer: digits only, below 2^64. Throws spec_query_error ("parameter
// 'k' has an empty value", "parameter 'k': 'v' is not a decimal integer", "parameter 'k' is too large").
std::uint64_t spec_u64(const spec_param& p);

}  // namespace ntk
