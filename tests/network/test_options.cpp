// certify's --network, --layout, --save-network options and the JSON "network" block.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "network_options.hpp"
#include "network_test_util.hpp"

using namespace ntk_net_test;

namespace {

// The options as certify lipschitz declares them (--network required), parsed.
certify::network_args parse(const std::vector<std::string>& argv) {
  certify::network_args a;
  certify::command c("lipschitz", "");
  certify::add_network_options(c, a, true);
  c.parse(argv);
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(parse_and_load) {
  scratch_dir d;
  const std::string save = d.file("used.npz");
  const auto req = certify::read_network_options(
      parse({"--network", "random:widths=4,3,1&seed=2", "--layout=in-out", "--save-network", save}));
  BOOST_TEST(req.spec == "random:widths=4,3,1&seed=2");
  BOOST_TEST((req.layout == ntk::weight_layout::in_out));
  BOOST_TEST(req.save_path == save);
  const ntk::network net = certify::load_network(req);
  certify::save_network(req, net);
  const ntk::network back = ntk::network_load(save);
  BOOST_TEST(same_bits(back.W(1), net.W(1)));
  const std::string js = ntk::json::dump(certify::network_json(net), 0);
  BOOST_TEST(js == "{\"source\":\"random:widths=4,3,1&seed=2\",\"sha256\":\"" + net.sha256 +
                       "\",\"widths\":[4,3,1],\"biases\":false}");
  BOOST_TEST((certify::read_network_options(parse({"--network", "x.npz"})).layout == ntk::weight_layout::detect));
  BOOST_TEST((certify::read_network_options(parse({"--network", "x.npz", "--layout", "out-in"})).layout ==
              ntk::weight_layout::out_in));
}

BOOST_AUTO_TEST_CASE(usage_errors) {
  scratch_dir d;
  auto refused = [](const std::vector<std::string>& argv, const std::string& part) {
    try {
      certify::read_network_options(parse(argv));
      BOOST_ERROR("no usage_error for " << part);
    } catch (const certify::usage_error& e) {
      BOOST_TEST_INFO(e.what());
      BOOST_TEST(std::string(e.what()).find(part) != std::string::npos);
    }
  };
  refused({}, "--network");
  refused({"--layout", "out-in"}, "--network");
  refused({"--network", "n.npz", "--layout", "sideways"}, "--layout");
  refused({"--network", "n.npz", "--save-network", d.file("n.txt")}, "does not end in .npz");
  refused({"--network", "n.npz", "--save-network", d.file("nowhere/n.npz")}, "does not exist");
  certify::network_args a;
  certify::command c("lipschitz", "");
  certify::add_network_options(c, a, true);
  const std::string help = c.help();
  for (const char* s : {"--network SPEC", "--layout detect|out-in|in-out", "(default: detect)", "--save-network PATH.npz",
                        "random:widths", ".safetensors", ".mat"})
    BOOST_TEST(help.find(s) != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
