#include <doctest/doctest.h>

#include <sstream>

#include "platform_test_support.hpp"
#include "po/platform/render_command.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
struct Run {
  int code;
  std::string out;
  std::string err;
};
Run run(std::vector<std::string_view> args) {
  std::ostringstream out, err;
  const int code = run_render_command(args, out, err);
  return {code, out.str(), err.str()};
}
}  // namespace

TEST_CASE("render command: prints one YAML document per object, tier-annotated") {
  const std::string file = source_path("config/samples/platform-minimal.yaml");
  const Run r = run({"-f", file});
  REQUIRE(r.code == 0);
  const auto docs = yaml_documents(r.out);
  const auto objects = render(minimal());
  CHECK(docs.size() == objects.size());
  CHECK(contains(r.out, "# tier: data, stateless: false\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy"));
  // The header names the revision; owner uids do not enter it, so the in-cluster revision is the same.
  CHECK(contains(r.out, "; revision " + revision_digest(render(minimal())) + "\n"));
}

TEST_CASE("render command: --revision prints the digest; the uid does not change it") {
  const std::string file = source_path("config/samples/platform.yaml");
  const Run r = run({"-f", file, "--revision"});
  REQUIRE(r.code == 0);
  Platform p = sample();
  p.metadata.uid.clear();
  CHECK(r.out == revision_digest(render(p)) + "\n");
}

TEST_CASE("render command: --namespace overrides metadata.namespace") {
  const Run r = run({"-f", source_path("config/samples/platform.yaml"), "-n", "staging"});
  REQUIRE(r.code == 0);
  for (const auto& doc : yaml_documents(r.out)) CHECK(doc["metadata"]["namespace"] == "staging");
}

TEST_CASE("render command: invalid input fails with exit code 1 and the field") {
  const Run invalid = run({"-f", source_path("tests/fixtures/invalid/reserved-env-name.yaml")});
  CHECK(invalid.code == 1);
  CHECK(invalid.out.empty());
  CHECK(contains(invalid.err, "spec.api.env[1].name: DATABASE_URL is set by the operator"));

  const Run missing = run({"-f", "/nonexistent/platform.yaml"});
  CHECK(missing.code == 1);
  CHECK(contains(missing.err, "cannot read"));

  const Run no_platform = run({"-f", source_path("crds/platforms.platform.a11y.dev.yaml")});
  CHECK(no_platform.code == 1);
  CHECK(contains(no_platform.err, "no object of kind Platform"));
}

TEST_CASE("render command: usage errors exit 2") {
  CHECK(run({}).code == 2);
  CHECK(run({"-f"}).code == 2);
  CHECK(run({"--bogus"}).code == 2);
  const Run help = run({"--help"});
  CHECK(help.code == 0);
  CHECK(contains(help.out, "Usage: platform-operator render"));
}
