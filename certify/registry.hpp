// Commands register themselves at static-initialisation time; main() dispatches by name.
#pragma once

#include <string>
#include <vector>

namespace certify {

using command_fn = int (*)(const std::vector<std::string>& args);

struct command_entry {
  std::string name;
  std::string summary;
  command_fn run;
};

std::vector<command_entry>& command_registry();

struct command_registrar {
  command_registrar(std::string name, std::string summary, command_fn run) {
    command_registry().push_back({std::move(name), std::move(summary), run});
  }
};

}  // namespace certify
