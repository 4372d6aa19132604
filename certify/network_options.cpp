#include "network_options.hpp"

#include "output.hpp"

namespace certify {

std::vector<option_spec> network_options() {
  return {
      {"network", "SPEC", "",
       "the network (required): random:widths=n0,n1,...,nL&init=he|lecun|normal&seed=S (Gaussian "
       "weights, no biases; init defaults to he, seed to 0) | PATH.npz (arrays W1..WL, optional "
       "b1..bL) | PATH.safetensors (<prefix>.weight / <prefix>.bias as torch nn.Sequential saves "
       "Linear layers; F64, F32, F16, BF16) | PATH.mat (cell arrays weights, optional biases, as "
       "LipSDP stores them)"},
      {"layout", "out-in|in-out", "detect",
       "how the files store W_l: out-in (n_l x n_(l-1), PyTorch) or in-out (scikit-learn coefs_); "
       "by default the orientation in which the shapes chain, refused when both do (e.g. square "
       "matrices)"},
      {"save-network", "PATH.npz", "",
       "also write the network used as numpy .npz (W1..WL float64 out x in, b1..bL)"},
  };
}

network_request read_network_options(const parsed_args& args) {
  network_request req;
  if (!args.has("network") || args.get("network").empty())
    throw usage_error("--network SPEC is required (e.g. --network random:widths=10,50,1&seed=1, "
                      "--network net.npz; see --help)");
  req.spec = args.get("network");
  const std::string lay = args.get("layout", "detect");
  if (lay == "detect") req.layout = ntk::weight_layout::detect;
  else if (lay == "out-in") req.layout = ntk::weight_layout::out_in;
  else if (lay == "in-out") req.layout = ntk::weight_layout::in_out;
  else throw usage_error("--layout takes out-in or in-out, not '" + lay + "'");
  if (args.has("save-network")) {
    req.save_path = args.get("save-network");
    const std::string& p = req.save_path;
    if (p.size() < 5 || p.compare(p.size() - 4, 4, ".npz") != 0)
      throw usage_error("--save-network: '" + p + "' does not end in .npz");
    check_output_path("save-network", p);
  }
  return req;
}

ntk::network load_network(const network_request& req) { return ntk::network_load(req.spec, req.layout); }

void save_network(const network_request& req, const ntk::network& net) {
  if (!req.save_path.empty()) ntk::network_save_npz(net, req.save_path);
}

ntk::json::value network_json(const ntk::network& net) {
  ntk::json::value n = ntk::json::value::object();
  n["source"] = net.source;
  n["sha256"] = net.sha256;
  ntk::json::value w = ntk::json::value::array();
  for (std::size_t x : net.widths) w.push_back(static_cast<unsigned long>(x));
  n["widths"] = w;
  n["biases"] = net.has_biases;
  return n;
}

}  // namespace certify
