// platform-api: audits HTML for accessibility problems and serves the ML models behind those audits.
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--version") {
      std::cout << "platform-api " << PO_VERSION << "\n";
      return 0;
    }
  }
  std::cerr << "platform-api: not built yet\n";
  return 2;
}
