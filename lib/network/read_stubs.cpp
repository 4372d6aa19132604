#include "network/readers.hpp"
namespace ntk::detail {
network read_network_npz(const std::string& path, weight_layout) { throw data_error(path + ": .npz networks not implemented yet"); }
network read_network_safetensors(const std::string& path, weight_layout) { throw data_error(path + ": .safetensors networks not implemented yet"); }
network read_network_mat(const std::string& path, weight_layout) { throw data_error(path + ": .mat networks not implemented yet"); }
}
