#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;
using nlohmann::json;

namespace {
const GeneratedSecret& generated(const Platform& p, const std::string& name) {
  static std::vector<GeneratedSecret> all;
  all = generated_secrets(p);
  for (const auto& g : all) {
    if (g.name == name) return g;
  }
  FAIL("no generated Secret " << name);
  return all.front();
}
}  // namespace

TEST_CASE("secrets: a generated Secret carries its random values, labels and the connection URL") {
  const Platform p = minimal();
  const auto& gen = generated(p, "minimal-postgres");
  const json s = render_generated_secret(p, gen, {{"password", "s3cret"}});
  CHECK(s["apiVersion"] == "v1");
  CHECK(s["kind"] == "Secret");
  CHECK(s["type"] == "Opaque");
  CHECK(s["metadata"]["name"] == "minimal-postgres");
  CHECK(s["metadata"]["namespace"] == p.metadata.namespace_);
  CHECK(s["metadata"]["labels"]["app.kubernetes.io/instance"] == "minimal");
  CHECK(s["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "platform-operator");
  CHECK(s["stringData"]["password"] == "s3cret");
  CHECK(s["stringData"]["username"] == "platform");
  CHECK(contains(s["stringData"]["url"].get<std::string>(), "postgresql://platform:s3cret@minimal-postgres."));
}

TEST_CASE("secrets: the PostgreSQL credentials have no owner under Retain, the others always have one") {
  Platform p = minimal();
  REQUIRE(p.spec.whenDeleted == WhenDeleted::Retain);
  const json postgres = render_generated_secret(p, generated(p, "minimal-postgres"), {{"password", "x"}});
  CHECK_FALSE(postgres["metadata"].contains("ownerReferences"));
  const json jwt = render_generated_secret(p, generated(p, "minimal-jwt"), {{"secret-key", "y"}});
  REQUIRE(jwt["metadata"]["ownerReferences"].size() == 1);
  CHECK(jwt["metadata"]["ownerReferences"][0]["uid"] == p.metadata.uid);
  CHECK(jwt["metadata"]["ownerReferences"][0]["kind"] == "Platform");

  p.spec.whenDeleted = WhenDeleted::Delete;
  CHECK(generated_secret_owned(p, generated(p, "minimal-postgres")));
  const json owned = render_generated_secret(p, generated(p, "minimal-postgres"), {{"password", "x"}});
  CHECK(owned["metadata"]["ownerReferences"][0]["uid"] == p.metadata.uid);
}
