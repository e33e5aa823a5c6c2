#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
// Whether policy `name` lets pods with label name=`from` reach its pods on `port`.
bool allows_ingress(const std::vector<DesiredObject>& objects, const std::string& name, const std::string& from, int port) {
  const auto spec = find(objects, "NetworkPolicy", name)["spec"];
  if (!spec.contains("ingress")) return false;
  for (const auto& rule : spec["ingress"]) {
    bool port_ok = false;
    for (const auto& p : rule["ports"]) port_ok |= p["port"] == port;
    if (!port_ok) continue;
    if (!rule.contains("from")) return true;
    for (const auto& peer : rule["from"])
      if (peer.contains("podSelector") && peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == from) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("network: default deny for the Platform's pods, allowing only DNS out") {
  const Platform p = sample();
  const auto objects = render_network(p, {});
  const auto deny = find(objects, "NetworkPolicy", "a11y-default-deny")["spec"];
  CHECK(deny["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "a11y");
  CHECK(deny["policyTypes"] == nlohmann::json::array({"Ingress", "Egress"}));
  CHECK_FALSE(deny.contains("ingress"));
  REQUIRE(deny["egress"].size() == 1);
  CHECK(deny["egress"][0]["ports"][0]["port"] == 53);
}

TEST_CASE("network: only the needed paths are open") {
  const Platform p = sample();
  const auto objects = render_network(p, {});
  CHECK(allows_ingress(objects, "a11y-api", "nginx", 8000));
  CHECK(allows_ingress(objects, "a11y-api", "prometheus", 8000));
  CHECK_FALSE(allows_ingress(objects, "a11y-api", "redis", 8000));
  CHECK(allows_ingress(objects, "a11y-postgres", "platform-api", 5432));
  CHECK(allows_ingress(objects, "a11y-postgres", "postgresql-backup", 5432));
  CHECK_FALSE(allows_ingress(objects, "a11y-postgres", "nginx", 5432));
  CHECK(allows_ingress(objects, "a11y-redis", "platform-api", 6379));
  CHECK_FALSE(allows_ingress(objects, "a11y-redis", "platform-frontend", 6379));
  CHECK(allows_ingress(objects, "a11y-frontend", "nginx", 3000));
  CHECK(allows_ingress(objects, "a11y-gateway", "anyone", 8080));  // public entry point
  for (const auto& o : objects) {
    CHECK(o.tier == Tier::Data);
    CHECK_FALSE(o.stateless);
  }
}

TEST_CASE("network: policies follow what is deployed") {
  Platform p = minimal();
  p.spec.database = {std::nullopt, SecretKeyRef{"db", "url"}};
  p.spec.monitoring.enabled = false;
  p.spec.frontend.enabled = false;
  const auto objects = render_network(p, {});
  CHECK_FALSE(has(objects, "NetworkPolicy", "minimal-postgres"));
  CHECK_FALSE(has(objects, "NetworkPolicy", "minimal-prometheus"));
  CHECK_FALSE(has(objects, "NetworkPolicy", "minimal-frontend"));
  // An external database is reached on its port, anywhere.
  const auto api = find(objects, "NetworkPolicy", "minimal-api")["spec"];
  bool external_db = false;
  for (const auto& rule : api["egress"])
    external_db |= rule["ports"][0]["port"] == 5432 && rule["to"][0].contains("ipBlock");
  CHECK(external_db);
}
