// Golden tests of `platform-operator render`: the full and minimal samples (and the full sample with
// prometheus-operator CRDs) must render exactly as tests/golden/*.yaml. After an intended change,
// regenerate with PO_UPDATE_GOLDEN=1 (ctest -R unit-platform, or the unit-platform binary) and review the diff.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "platform_test_support.hpp"
#include "po/platform/render_command.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
void check_golden(const std::vector<std::string_view>& args, const std::string& golden) {
  std::ostringstream out, err;
  REQUIRE_MESSAGE(run_render_command(args, out, err) == 0, err.str());
  const std::string path = source_path("tests/golden/" + golden);
  if (const char* update = std::getenv("PO_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << out.str();
    MESSAGE("updated " << path);
    return;
  }
  const std::string want = read_text(path);
  if (out.str() == want) return;
  // Point at the first differing line rather than dumping two large documents.
  std::istringstream got_lines(out.str()), want_lines(want);
  std::string g, w;
  int line = 0;
  while (true) {
    const bool more_g = static_cast<bool>(std::getline(got_lines, g));
    const bool more_w = static_cast<bool>(std::getline(want_lines, w));
    ++line;
    if (!more_g && !more_w) break;
    if (g != w || more_g != more_w) {
      FAIL(golden << ":" << line << " differs\n  want: " << w << "\n  got:  " << g << "\n(PO_UPDATE_GOLDEN=1 regenerates)");
      return;
    }
  }
}
}  // namespace

TEST_CASE("golden: full sample") {
  const std::string file = source_path("config/samples/platform.yaml");
  check_golden({"-f", file}, "platform.yaml");
}

TEST_CASE("golden: minimal sample") {
  const std::string file = source_path("config/samples/platform-minimal.yaml");
  check_golden({"-f", file}, "platform-minimal.yaml");
}

TEST_CASE("golden: full sample with the monitoring.coreos.com CRDs") {
  const std::string file = source_path("config/samples/platform.yaml");
  check_golden({"-f", file, "--monitoring-crds"}, "platform-servicemonitors.yaml");
}
