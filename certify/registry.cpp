#include "registry.hpp"

namespace certify {

std::vector<command_entry>& command_registry() {
  static std::vector<command_entry> r;
  return r;
}

}  // namespace certify
