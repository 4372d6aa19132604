// network_save_npz (stub until the npz writer lands).
#include <stdexcept>
#include "network/load.hpp"
namespace ntk {
void network_save_npz(const network& net, const std::string& path) {
  network_check_consistent(net);
  throw std::runtime_error(path + ": network_save_npz not implemented yet");
}
}  // namespace ntk
