// Commands register themselves at static-initialisation time; main() dispatches by name.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace certify {

class command;

using command_fn = int (*)(const std::vector<std::string>& args);
// Calls `visit` with each option parser the command uses (lipschitz has two), declared exactly as
// the command declares them: what --help, docs/cli.md and tests/cli/test_options.cpp are made of.
using command_visitor = std::function<void(const command&)>;
using describe_fn = void (*)(const command_visitor& visit);

struct command_entry {
  std::string name;
  std::string summary;
  command_fn run;
  describe_fn describe;
};

std::vector<command_entry>& command_registry();

struct command_registrar {
  command_registrar(std::string name, std::string summary, command_fn run, describe_fn describe = nullptr) {
    command_registry().push_back({std::move(name), std::move(summary), run, describe});
  }
};

}  // namespace certify
