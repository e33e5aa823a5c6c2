#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;
using nlohmann::json;

TEST_CASE("controller revisions: a rolled-out revision's stateless objects, owned by the Platform") {
  const Platform p = minimal();
  const auto objects = render(p, {});
  std::vector<json> stateless;
  for (const auto& o : objects) {
    if (o.stateless) stateless.push_back(o.manifest);
  }
  const auto revision = revision_digest(objects);
  const json cr = render_controller_revision(p, revision, stateless, 1700000000000);
  CHECK(cr["apiVersion"] == "apps/v1");
  CHECK(cr["kind"] == "ControllerRevision");
  CHECK(cr["metadata"]["name"] == "minimal-" + revision.substr(0, 10));
  CHECK(cr["metadata"]["name"] == controller_revision_name("minimal", revision));
  CHECK(cr["metadata"]["namespace"] == p.metadata.namespace_);
  CHECK(cr["metadata"]["labels"]["app.kubernetes.io/instance"] == "minimal");
  CHECK(cr["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "platform-operator");
  CHECK(cr["metadata"]["labels"]["platform.a11y.dev/revision"].get<std::string>().size() <= 63);  // a label value
  CHECK(cr["metadata"]["ownerReferences"][0]["uid"] == p.metadata.uid);
  CHECK(cr["data"]["revision"] == revision);
  CHECK(cr["data"]["objects"].size() == stateless.size());
  CHECK(cr["revision"] == 1700000000000);
  // Nothing stateful and no Secret is kept in a revision.
  for (const auto& o : cr["data"]["objects"]) {
    CHECK(o["kind"] != "StatefulSet");
    CHECK(o["kind"] != "Secret");
  }
}
