// certify lipschitz end to end: exit codes, JSON keys, local brackets, malformed networks (exit 2,
// the message naming file and array, no output written), and an honest failure (exit 1).
#define BOOST_TEST_MODULE lipschitz_cli
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>

#include "../common/cli_sandbox.hpp"
#include "certificate/json.hpp"
#include "network/load.hpp"

using ntk_test::has;
using ntk_test::sandbox;
namespace json = ntk::json;

namespace {

double num(const json::value& v) { return std::strtod(v.as_string().c_str(), nullptr); }

ntk::network small_net(double w2_entry) {
  ntk::network n;
  n.source = "test";
  n.widths = {3, 4, 2};
  n.weights = {{0.5, -1, 0.25, 1, 1, -0.5, -0.75, 0.5, 1, 0.125, -1, 2}, {1, -1, 0.5, 2, -0.25, 1, w2_entry, 0.5}};
  n.biases = {{0.1, -0.2, 0.3, 0}, {0, 0.5}};
  n.has_biases = true;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(help_lists_every_option) {
  sandbox sb;
  const auto r = sb.certify("lipschitz --help");
  BOOST_TEST(r.status == 0);
  for (const char* o : {"--network", "--layout", "--save-network", "--map", "--layer", "--methods", "--data",
                        "--radius", "--norm", "--limit", "--offset", "--divide", "--json", "--quiet", "--seed",
                        "--time-limit", "--local-upper"})
    BOOST_TEST(has(r.out, o), o);
}

BOOST_AUTO_TEST_CASE(random_network_all_methods_json) {
  sandbox sb;
  const auto r = sb.certify("lipschitz --network 'random:widths=5,8,6,2&seed=3' --time-limit 0.3 --json -");
  BOOST_TEST(r.status == 0, r.err);
  const json::value j = json::parse(r.out);
  BOOST_TEST(j.at("command").as_string() == "lipschitz");
  BOOST_TEST(j.at("network").at("source").as_string() == "random:widths=5,8,6,2&seed=3");
  BOOST_TEST(j.at("network").at("sha256").as_string().size() == 64u);
  BOOST_TEST(j.at("network").at("widths").as_array().size() == 4u);
  BOOST_TEST(j.at("network").at("biases").as_bool() == false);
  const json::value& lip = j.at("lipschitz");
  BOOST_TEST(lip.at("certified").as_bool());
  const double lo = num(lip.at("lower")), up = num(lip.at("upper"));
  BOOST_TEST(lo > 0);
  BOOST_TEST(lo <= up);
  std::string names;
  for (const json::value& m : j.at("methods").as_array()) {
    const std::string n = m.at("name").as_string();
    names += n + ",";
    const bool is_upper = n != "jacobian";
    const double b = num(m.at(is_upper ? "upper" : "lower"));
    if (is_upper) BOOST_TEST(b >= up);
    else BOOST_TEST(b <= lo);
    BOOST_TEST(m.at("seconds").as_number() >= 0);
    const std::string fv = m.at("float_vs_proof").as_string();
    BOOST_TEST((fv == "above" || fv == "below"));
    BOOST_TEST(((m.at("float").as_number() > b) == (fv == "above")));
  }
  BOOST_TEST(names == "product,lipsdp-layer,lipsdp-neuron,jacobian,");
  // The summary names every method and the bracket.
  const auto h = sb.certify("lipschitz --network 'random:widths=5,8,6,2&seed=3' --time-limit 0.3 --methods product,jacobian");
  BOOST_TEST(h.status == 0);
  BOOST_TEST(has(h.out, "product"));
  BOOST_TEST(has(h.out, "jacobian"));
  BOOST_TEST(has(h.out, "upper/lower"));
  BOOST_TEST(has(h.out, "CERTIFIED"));
}

BOOST_AUTO_TEST_CASE(local_brackets_and_maps) {
  sandbox sb;
  sb.write("rows.csv", "a,b,c\n10,20,30\n0,255,128\n7,7,7\n");
  ntk::network_save_npz(small_net(0.75), sb.file("net.npz"));
  const auto r = sb.certify("lipschitz --network '" + sb.file("net.npz") + "' --layout out-in --methods product,jacobian "
                            "--time-limit 0.2 --data '" + sb.file("rows.csv") + "' --divide 255 --radius 0.01 --norm 2 --json -");
  BOOST_TEST(r.status == 0, r.err);
  const json::value j = json::parse(r.out);
  const json::value& loc = j.at("local");
  BOOST_TEST(loc.at("norm").as_string() == "2");
  BOOST_TEST(loc.at("radius").as_number() == 0.01);
  BOOST_TEST(loc.at("points").as_array().size() == 3u);
  std::size_t stable = 0;
  for (const json::value& p : loc.at("points").as_array()) {
    const double lo = num(p.at("lower")), up = num(p.at("upper"));
    BOOST_TEST(lo <= up);
    BOOST_TEST(up <= num(j.at("lipschitz").at("upper")));
    if (p.at("stable").as_bool()) {
      ++stable;
      BOOST_TEST((up - lo) <= 1e-12 * up);
    }
  }
  BOOST_TEST(loc.at("all_stable").as_number() == static_cast<double>(stable));
  BOOST_TEST(loc.at("ratio_quantiles").at("count").as_number() >= 1);
  // LipSDP-Neuron with the stable neurons' slopes fixed as a further local upper bound: never above
  // the interval/norm-split bound of the run above, never below the lower bound.
  const auto lb = sb.certify("lipschitz --network '" + sb.file("net.npz") + "' --layout out-in --methods product,jacobian "
                             "--time-limit 0.2 --data '" + sb.file("rows.csv") + "' --divide 255 --radius 0.5 --local-upper best --json -");
  BOOST_TEST(lb.status == 0, lb.err);
  const auto i = sb.certify("lipschitz --network '" + sb.file("net.npz") + "' --layout out-in --methods product,jacobian "
                            "--time-limit 0.2 --data '" + sb.file("rows.csv") + "' --divide 255 --radius 0.5 --json -");
  BOOST_TEST(i.status == 0, i.err);
  const json::value jb = json::parse(lb.out), ji = json::parse(i.out);
  for (std::size_t r = 0; r < 3; ++r) {
    const json::value& pb = jb.at("local").at("points").as_array()[r];
    const json::value& pi = ji.at("local").at("points").as_array()[r];
    BOOST_TEST(num(pb.at("upper")) <= num(pi.at("upper")));
    BOOST_TEST(num(pb.at("lower")) <= num(pb.at("upper")));
  }
  // f_1 = relu(g_1): widths 3-4-4 (identity appended).
  const auto f = sb.certify("lipschitz --network '" + sb.file("net.npz") + "' --layout out-in --map f --layer 1 "
                            "--methods product,jacobian --time-limit 0.1 --json -");
  BOOST_TEST(f.status == 0, f.err);
  const json::value jf = json::parse(f.out);
  BOOST_TEST(jf.at("map").at("widths").as_array().size() == 3u);
  BOOST_TEST(jf.at("map").at("widths").as_array()[2].as_number() == 4);
  // --save-network writes the network used; it loads back with the same doubles.
  const auto s = sb.certify("lipschitz --network 'random:widths=3,5,2&seed=9' --methods product --quiet --save-network '" +
                            sb.file("saved.npz") + "'");
  BOOST_TEST(s.status == 0, s.err);
  const ntk::network a = ntk::network_load("random:widths=3,5,2&seed=9");
  const ntk::network b = ntk::network_load(sb.file("saved.npz"), ntk::weight_layout::out_in);
  BOOST_TEST((a.weights == b.weights));
}

BOOST_AUTO_TEST_CASE(malformed_networks_exit_2_without_output) {
  sandbox sb;
  ntk::network_save_npz(small_net(std::numeric_limits<double>::quiet_NaN()), sb.file("nan.npz"));
  const auto r = sb.certify("lipschitz --network '" + sb.file("nan.npz") + "' --json '" + sb.file("out.json") + "'");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(has(r.err, "nan.npz"), r.err);
  BOOST_TEST(has(r.err, "W2"), r.err);
  BOOST_TEST(!std::filesystem::exists(sb.file("out.json")));
  sb.write("garbage.npz", "this is not a zip archive");
  const auto g = sb.certify("lipschitz --network '" + sb.file("garbage.npz") + "' --json '" + sb.file("out.json") + "'");
  BOOST_TEST(g.status == 2);
  BOOST_TEST(has(g.err, "garbage.npz"), g.err);
  BOOST_TEST(!std::filesystem::exists(sb.file("out.json")));
}

BOOST_AUTO_TEST_CASE(bad_usage_exit_2) {
  sandbox sb;
  const std::string net = "--network 'random:widths=3,4,2&seed=1' ";
  sb.write("rows.csv", "1,2\n3,4\n");
  for (const std::string& args :
       {std::string("--methods product"), net + "--methods product,magic", net + "--radius 0.1",
        net + "--data '" + sb.file("rows.csv") + "' --radius 0.1", net + "--map h", net + "--layer 3",
        net + "--data '" + sb.file("rows.csv") + "' --radius -1", net + "--norm 1 --radius 0.1"}) {
    const auto r = sb.certify("lipschitz " + args + " --json '" + sb.file("o.json") + "'");
    BOOST_TEST(r.status == 2, args);
    BOOST_TEST(!r.err.empty());
    BOOST_TEST(!std::filesystem::exists(sb.file("o.json")));
  }
}

BOOST_AUTO_TEST_CASE(failed_certification_exit_1_with_honest_json) {
  sandbox sb;
  // W_1 = 0 and no biases: every pre-activation is exactly 0, so no point has proven signs.
  ntk::network n;
  n.widths = {2, 2, 1};
  n.weights = {{0, 0, 0, 0}, {1, 1}};
  n.biases = {{}, {}};
  ntk::network_save_npz(n, sb.file("zero.npz"));
  const auto r = sb.certify("lipschitz --network '" + sb.file("zero.npz") + "' --layout out-in --methods product,jacobian "
                            "--time-limit 0.1 --json -");
  BOOST_TEST(r.status == 1, r.err);
  const json::value j = json::parse(r.out);
  BOOST_TEST(j.at("lipschitz").at("certified").as_bool() == false);
  BOOST_TEST(num(j.at("lipschitz").at("lower")) == 0);
  BOOST_TEST(num(j.at("lipschitz").at("upper")) >= 0);
}
