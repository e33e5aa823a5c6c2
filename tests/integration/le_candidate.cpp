// A minimal operator process for the leader-election tests: a Manager with --leader-elect and no controllers.
// Usage: le-candidate <manager flags...>   (exit 0 after SIGTERM, 1 when leadership is lost)
#include <iostream>
#include <vector>

#include "po/common/signals.hpp"
#include "po/runtime/manager.hpp"

int main(int argc, char** argv) {
  po::signals::block_shutdown_signals();
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    auto options = po::runtime::parse_manager_flags(args);
    po::runtime::Manager manager(options);
    manager.on_started_leading([&] { std::cout << "leading " << options.leader_election_identity << std::endl; });
    return manager.run();
  } catch (const std::exception& e) {
    std::cerr << "le-candidate: " << e.what() << "\n";
    return 2;
  }
}
