// bench/lipsdp_time: times lipsdp_certify (SDPA solve + proof) on one network and prints one line
// of key=value pairs. Optionally writes the SDP in SDPA sparse format for other solvers (CSDP).
//   lipsdp_time (--network SPEC | --widths 784,500,200,50,10 [--seed S]) [--variant neuron|layer]
//               [--threads N] [--solver structured|sdpa] [--dump PATH [--dump-only]] [--verbose]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "lipschitz/lipsdp.hpp"
#include "network/load.hpp"

namespace {
struct stderr_progress final : ntk::progress_sink {
  void update(std::string_view stage, double fraction) override {
    std::fprintf(stderr, "\r%-40.*s %5.1f%%", (int)stage.size(), stage.data(), 100 * fraction);
    std::fflush(stderr);
  }
};
}  // namespace

int main(int argc, char** argv) {
  std::string spec, widths = "784,500,200,50,10", variant = "neuron", dump;
  unsigned long seed = 1;
  bool dump_only = false, verbose = false;
  int threads = 0;
  std::string solver = "structured";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "missing value after %s\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--network") spec = next();
    else if (a == "--widths") widths = next();
    else if (a == "--seed") seed = std::stoul(next());
    else if (a == "--variant") variant = next();
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--dump") dump = next();
    else if (a == "--dump-only") dump_only = true;
    else if (a == "--verbose") verbose = true;
    else if (a == "--solver") solver = next();
    else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
  }
  ntk::network net;
  if (!spec.empty()) {
    net = ntk::network_load(spec);
  } else {
    std::vector<std::size_t> w;
    std::stringstream ss(widths);
    for (std::string t; std::getline(ss, t, ',');) w.push_back(std::stoul(t));
    net.widths = w;
    net.source = "he:" + widths + ":" + std::to_string(seed);
    std::mt19937_64 rng(seed);
    for (std::size_t l = 1; l < w.size(); ++l) {
      std::normal_distribution<double> nd(0.0, std::sqrt(2.0 / w[l - 1]));
      std::vector<double> W(w[l] * w[l - 1]);
      for (double& x : W) x = nd(rng);
      net.weights.push_back(W);
    }
  }
  ntk::lipsdp_options o;
  o.solver_threads = threads;
  o.solver = solver;
  o.dump_sdpa = dump;
  o.dump_only = dump_only;
  const auto v = variant == "layer" ? ntk::lipsdp_variant::layer : ntk::lipsdp_variant::neuron;
  ntk::null_progress quiet;
  stderr_progress loud;
  const auto r = ntk::lipsdp_certify(net, v, nullptr, verbose ? (ntk::progress_sink&)loud : quiet, o);
  if (verbose) std::fprintf(stderr, "\n");
  std::printf("network=%s variant=%s certified=%d upper=%.10g solver_value=%.10g rel_gap=%.3g seconds=%.2f "
              "solve_seconds=%.2f proof_seconds=%.2f attempts=%d free_neurons=%zu solver=\"%s\" note=\"%s\"\n",
              net.source.c_str(), ntk::lipsdp_variant_name(v), (int)r.certified, r.upper, r.solver_value,
              r.upper / r.solver_value - 1, r.seconds, r.solve_seconds, r.seconds - r.solve_seconds, r.attempts,
              r.free_neurons, r.solver.c_str(), r.note.c_str());
  return r.certified || dump_only ? 0 : 1;
}
