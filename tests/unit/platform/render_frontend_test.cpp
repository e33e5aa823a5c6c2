#include <doctest/doctest.h>

#include <algorithm>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

TEST_CASE("frontend: HPA with the spec's behavior, no spec.replicas, probes and Service") {
  const Platform p = sample();
  const auto objects = render_frontend(p);
  const auto d = find(objects, "Deployment", "a11y-frontend");
  CHECK_FALSE(d["spec"].contains("replicas"));
  const auto c = container(d, "frontend");
  CHECK(c["image"] == "ghcr.io/a11y-platform/platform-frontend:1.2.0");
  CHECK(c["readinessProbe"]["httpGet"]["path"] == "/healthz");
  CHECK(c["livenessProbe"]["httpGet"]["path"] == "/healthz");
  // Its own client credential from <name>-api-clients, never the api's signing key.
  std::map<std::string, nlohmann::json> env;
  for (const auto& e : c["env"]) env[e["name"].get<std::string>()] = e;
  CHECK(env.at("API_CLIENT_ID")["value"] == "frontend");
  // A mounted file (read at every token exchange, so a rotation needs no restart), holding only its own key.
  CHECK_FALSE(env.count("API_CLIENT_SECRET"));
  CHECK(env.at("API_CLIENT_SECRET_FILE")["value"] == "/etc/platform-frontend/client/frontend");
  const auto volumes = d["spec"]["template"]["spec"]["volumes"];
  const auto volume = std::find_if(volumes.begin(), volumes.end(), [](const auto& v) { return v["name"] == "api-client"; });
  REQUIRE(volume != volumes.end());
  CHECK((*volume)["secret"]["secretName"] == "a11y-api-clients");
  CHECK((*volume)["secret"]["items"] == nlohmann::json::parse(R"([{"key":"frontend","path":"frontend"}])"));
  bool mounted_read_only = false;
  for (const auto& m : c["volumeMounts"])
    if (m["name"] == "api-client") mounted_read_only = m["mountPath"] == "/etc/platform-frontend/client" && m["readOnly"] == true;
  CHECK(mounted_read_only);
  CHECK(env.at("API_BASE_URL")["value"] == "http://a11y-api:8000");
  for (const auto& [name, e] : env) {
    INFO(name);
    CHECK(e.dump().find("a11y-jwt") == std::string::npos);
  }
  CHECK(c["securityContext"]["capabilities"]["drop"][0] == "ALL");
  const auto hpa = find(objects, "HorizontalPodAutoscaler", "a11y-frontend");
  CHECK(hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300);
  CHECK(hpa["spec"]["maxReplicas"] == 6);
  CHECK(find(objects, "Service", "a11y-frontend")["spec"]["ports"][0]["port"] == 3000);
  CHECK(has(objects, "PodDisruptionBudget", "a11y-frontend"));
}

TEST_CASE("frontend: disabled renders nothing; a custom image is used as given") {
  Platform p = minimal();
  p.spec.frontend.image = "registry.example.com/web:abc";
  CHECK(container(find(render_frontend(p), "Deployment", "minimal-frontend"), "frontend")["image"] == "registry.example.com/web:abc");
  p.spec.frontend.enabled = false;
  CHECK(render_frontend(p).empty());
}
