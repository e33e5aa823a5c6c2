// platform-operator: reconciles platform.a11y.dev/v1alpha1 Platforms into the whole Accessibility Platform stack.
#include <iostream>
#include <string_view>

#include "po/version.hpp"

namespace {
constexpr std::string_view kUsage = R"(platform-operator - runs the Accessibility Platform stack from one Platform resource

Usage:
  platform-operator [flags]            run the controller
  platform-operator --version          print the version and exit
  platform-operator --help             print this help and exit
)";
}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--version" || arg == "version") {
      std::cout << "platform-operator " << po::version() << "\n";
      return 0;
    }
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << kUsage;
      return 0;
    }
  }
  std::cerr << "platform-operator: the controller is not built yet; see --help\n";
  return 2;
}
