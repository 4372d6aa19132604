// certify: the command-line front end. Parsing and printing only; the numerics live in lib/.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "certificate/io.hpp"
#include "data/errors.hpp"
#include "registry.hpp"

namespace {

const char* const version = "ntkcert 0.1.0";

void print_usage(std::ostream& o) {
  auto cmds = certify::command_registry();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  o << "usage: certify <command> [options]\n"
       "       certify <command> --help\n"
       "       certify --version\n\n"
       "Certified bounds on the neural tangent kernel of deep ReLU networks: every number marked\n"
       "certified is a proven enclosure, computed in interval arithmetic.\n\ncommands:\n";
  for (const auto& c : cmds) o << "  " << c.name << std::string(12 - std::min<std::size_t>(11, c.name.size()), ' ') << c.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (args[0] == "--version") {
    std::cout << version << "\n";
    return 0;
  }
  for (const auto& c : certify::command_registry()) {
    if (c.name != args[0]) continue;
    try {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const certify::usage_error& e) {
      std::cerr << "certify " << c.name << ": " << e.what() << "\n";
      return 2;
    } catch (const ntk::io_error& e) {
      std::cerr << "certify " << c.name << ": " << e.what() << "\n";
      return 2;
    } catch (const ntk::data_error& e) {
      std::cerr << "certify " << c.name << ": " << e.what() << "\n";
      return 2;
    } catch (const std::bad_alloc&) {
      std::cerr << "certify " << c.name << ": out of memory\n";
      return 2;
    } catch (const std::exception& e) {
      std::cerr << "certify " << c.name << ": internal error: " << e.what() << "\n";
      return 3;
    }
  }
  std::cerr << "certify: unknown command '" << args[0] << "'\n\n";
  print_usage(std::cerr);
  return 2;
}
