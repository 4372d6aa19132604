#include "network_options.hpp"

#include "empirical/empirical_kernel.hpp"

#include "output.hpp"

namespace certify {

void add_network_options(command& c, network_args& a, bool required) {
  auto n = c.text("network", a.spec, "SPEC",
                  std::string(required ? "the network" : "the network (selects the empirical NTK)") +
                      ": random:widths=n0,n1,...,nL&init=he|lecun|normal&seed=S (Gaussian "
                      "weights, no biases; init defaults to he, seed to 0) | PATH.npz (arrays W1..WL, optional "
                      "b1..bL) | PATH.safetensors (<prefix>.weight / <prefix>.bias as torch nn.Sequential saves "
                      "Linear layers; F64, F32, F16, BF16) | PATH.mat (cell arrays weights, optional biases, as "
                      "LipSDP stores them)");
  if (required) n.required("(e.g. --network random:widths=10,50,1&seed=1, --network net.npz; see --help)");
  c.choice("layout", a.layout, {"detect", "out-in", "in-out"},
           "how the files store W_l: out-in (n_l x n_(l-1), PyTorch) or in-out (scikit-learn coefs_); "
           "detect: the orientation in which the shapes chain, refused when both do (e.g. square matrices)");
  c.text("save-network", a.save, "PATH.npz", "also write the network used as numpy .npz (W1..WL float64 out x in, b1..bL)",
         [](const std::string& p) -> std::string {
           if (p.size() >= 5 && p.compare(p.size() - 4, 4, ".npz") == 0) return "";
           return "'" + p + "' does not end in .npz";
         });
}

network_request read_network_options(const network_args& a) {
  network_request req;
  if (a.spec.empty())
    throw usage_error("--network SPEC is required (e.g. --network random:widths=10,50,1&seed=1, "
                      "--network net.npz; see --help)");
  req.spec = a.spec;
  if (a.layout == "out-in") req.layout = ntk::weight_layout::out_in;
  else if (a.layout == "in-out") req.layout = ntk::weight_layout::in_out;
  else req.layout = ntk::weight_layout::detect;
  if (!a.save.empty()) {
    req.save_path = a.save;
    check_output_path("save-network", req.save_path);
  }
  return req;
}

ntk::network load_network(const network_request& req) { return ntk::network_load(req.spec, req.layout); }

void save_network(const network_request& req, const ntk::network& net) {
  if (!req.save_path.empty()) ntk::network_save_npz(net, req.save_path);
}

ntk::network select_output(const ntk::network& full, const ntk::dataset& data, const std::optional<long>& given,
                           std::optional<std::size_t>& output) {
  output.reset();
  if (given) output = static_cast<std::size_t>(*given);
  const std::size_t nL = full.widths[full.depth()];
  if (!output && nL != 1)
    throw usage_error("the network " + full.source + " has n_L = " + std::to_string(nL) +
                      " outputs; choose one with --output J (0 <= J < " + std::to_string(nL) + ")");
  if (output && *output >= nL)
    throw usage_error("--output " + std::to_string(*output) + " is out of range: the network " + full.source +
                      " has n_L = " + std::to_string(nL) + " output(s)");
  if (full.widths[0] != data.d)
    throw usage_error("the network " + full.source + " expects n_0 = " + std::to_string(full.widths[0]) +
                      " inputs, but the data " + data.source + " have d = " + std::to_string(data.d) + " columns");
  return output ? ntk::network_select_output(full, *output) : full;
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
