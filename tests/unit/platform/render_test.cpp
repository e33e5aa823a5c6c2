#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
std::vector<nlohmann::json> pod_specs(const nlohmann::json& m) {
  const std::string kind = m["kind"];
  if (kind == "Deployment" || kind == "StatefulSet") return {m["spec"]["template"]["spec"]};
  if (kind == "CronJob") return {m["spec"]["jobTemplate"]["spec"]["template"]["spec"]};
  return {};
}
}  // namespace

TEST_CASE("render: tier order data -> app -> gateway -> monitoring") {
  const auto objects = render(sample());
  REQUIRE_FALSE(objects.empty());
  for (std::size_t i = 1; i < objects.size(); ++i) CHECK(objects[i - 1].tier <= objects[i].tier);
  CHECK(objects.front().tier == Tier::Data);
  CHECK(objects.back().tier == Tier::Monitoring);
  CHECK(find(objects, "StatefulSet", "a11y-postgres").is_object());
}

TEST_CASE("render: every object is namespaced, labelled and owned; no Secret is rendered") {
  const Platform p = sample();
  for (const auto& o : render(p)) {
    const auto& m = o.manifest;
    CAPTURE(m["kind"].get<std::string>() + "/" + m["metadata"]["name"].get<std::string>());
    CHECK(m["kind"] != "Secret");
    CHECK(m["metadata"]["namespace"] == "a11y");
    CHECK(m["metadata"]["labels"]["app.kubernetes.io/part-of"] == "a11y-platform");
    CHECK(m["metadata"]["labels"]["app.kubernetes.io/instance"] == "a11y");
    const bool retained_claim = m["kind"] == "PersistentVolumeClaim";  // whenDeleted: Retain
    CHECK(m["metadata"].contains("ownerReferences") == !retained_claim);
  }
}

TEST_CASE("render: every pod runs under the restricted profile with requests and limits") {
  for (const auto& o : render(sample())) {
    for (const auto& pod : pod_specs(o.manifest)) {
      CAPTURE(o.manifest["metadata"]["name"].get<std::string>());
      CHECK(pod["securityContext"]["runAsNonRoot"] == true);
      CHECK(pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault");
      for (const auto& c : pod["containers"]) {
        CAPTURE(c["name"].get<std::string>());
        CHECK(c["securityContext"]["allowPrivilegeEscalation"] == false);
        CHECK(c["securityContext"]["capabilities"]["drop"] == nlohmann::json::array({"ALL"}));
        CHECK(c["securityContext"]["runAsNonRoot"] == true);
        CHECK(c["securityContext"]["runAsUser"].get<int>() > 0);
        CHECK(c["resources"]["requests"].contains("cpu"));
        CHECK(c["resources"]["requests"].contains("memory"));
        CHECK(c["resources"]["limits"].contains("memory"));
      }
    }
  }
}

TEST_CASE("render: stateless marks api, frontend, gateway and monitoring config only") {
  for (const auto& o : render(sample())) {
    const std::string component = o.manifest["metadata"]["labels"]["app.kubernetes.io/component"];
    CAPTURE(o.manifest["metadata"]["name"].get<std::string>());
    if (component == "database" || component == "cache" || component == "network") CHECK_FALSE(o.stateless);
    if (component == "api" || component == "frontend" || component == "gateway") CHECK(o.stateless);
    if (o.manifest["kind"] == "PersistentVolumeClaim") CHECK_FALSE(o.stateless);
  }
}

TEST_CASE("revision digest: deterministic, changes with stateless content, not with data or replicas") {
  Platform p = sample();
  const std::string base = revision_digest(render(p));
  CHECK(base.size() == 64);
  CHECK(base == revision_digest(render(p)));

  Platform version = p;
  version.spec.version = "1.3.0";
  CHECK(revision_digest(render(version)) != base);

  Platform nginx = p;
  nginx.spec.gateway.authPerMinute = 11;
  CHECK(revision_digest(render(nginx)) != base);

  Platform alerts = p;
  alerts.spec.monitoring.latencySeconds = 3;
  CHECK(revision_digest(render(alerts)) != base);

  // Data-tier changes (database storage, backup schedule) are not part of the stateless revision.
  Platform data = p;
  data.spec.database.managed->storage.size = "50Gi";
  data.spec.database.managed->backup.schedule = "0 4 * * *";
  CHECK(revision_digest(render(data)) == base);

  // Scaling is not a new revision.
  Platform scaled = p;
  scaled.spec.api.replicas = 5;
  CHECK(revision_digest(render(scaled)) == base);
}

TEST_CASE("generated secrets: names and keys match what the renderers reference") {
  const Platform p = sample();
  const auto secrets = generated_secrets(p);
  std::map<std::string, GeneratedSecret> by_name;
  for (const auto& s : secrets) by_name[s.name] = s;
  REQUIRE(by_name.count("a11y-postgres"));
  REQUIRE(by_name.count("a11y-redis"));
  REQUIRE(by_name.count("a11y-jwt"));
  REQUIRE(by_name.count("a11y-grafana"));
  REQUIRE(by_name.count("a11y-api-clients"));
  CHECK(by_name["a11y-api-clients"].randomKeys == std::vector<std::string>{"frontend", "users"});

  const auto db = secret_data(by_name["a11y-postgres"], {{"password", "pw123"}});
  CHECK(db.at("username") == "platform");
  CHECK(db.at("database") == "platform");
  CHECK(db.at("url") == "postgresql://platform:pw123@a11y-postgres.a11y.svc.cluster.local:5432/platform");
  CHECK(secret_data(by_name["a11y-redis"], {{"password", "r3d"}}).at("url") == "redis://:r3d@a11y-redis.a11y.svc.cluster.local:6379/0");
  CHECK(secret_data(by_name["a11y-jwt"], {{"secret-key", "k"}}).at("secret-key") == "k");

  // Every secretKeyRef in the rendered objects names a generated Secret/key or a user-named Secret.
  std::set<std::string> user_secrets = {"a11y-ai-keys"};
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (j.is_object()) {
      if (j.contains("secret") && j["secret"].is_object() && j["secret"].contains("secretName")) {  // a Secret volume: generated or user-named
        const std::string name = j["secret"]["secretName"];
        CHECK_MESSAGE((by_name.count(name) || name == "a11y-tls"), name);
        if (by_name.count(name) && j["secret"].contains("items")) {  // projected keys exist (a missing one stops the pod)
          for (const auto& item : j["secret"]["items"]) {
            const auto& s = by_name[name];
            const std::string key = item["key"];
            CHECK_MESSAGE((s.fixedData.count(key) || std::count(s.randomKeys.begin(), s.randomKeys.end(), key)), name << "/" << key);
          }
        }
      }
      if (j.contains("secretKeyRef")) {
        const std::string name = j["secretKeyRef"]["name"];
        const std::string key = j["secretKeyRef"]["key"];
        if (!user_secrets.count(name)) {
          REQUIRE_MESSAGE(by_name.count(name), name);
          const auto& s = by_name[name];
          const bool known = s.fixedData.count(key) || std::count(s.randomKeys.begin(), s.randomKeys.end(), key) || (key == "url" && !s.urlTemplate.empty());
          CHECK_MESSAGE(known, name << "/" << key);
        }
      }
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  for (const auto& o : render(p)) walk(o.manifest);
}

TEST_CASE("external database and cache need no generated Secrets of their own") {
  Platform p = minimal();
  p.spec.database = {std::nullopt, SecretKeyRef{"db", "url"}};
  p.spec.cache = {std::nullopt, SecretKeyRef{"cache", "url"}};
  for (const auto& s : generated_secrets(p)) {
    CHECK(s.name != "minimal-postgres");
    CHECK(s.name != "minimal-redis");
  }
  CHECK(api_selector(p) == "app.kubernetes.io/instance=minimal,app.kubernetes.io/name=platform-api");
}

TEST_CASE("every rendered manifest survives the YAML printer unchanged") {
  for (const char* file : {"platform.yaml", "platform-minimal.yaml"}) {
    for (const auto& o : render(sample(file))) {
      const auto back = yaml_documents(to_yaml(o.manifest));
      REQUIRE(back.size() == 1);
      CHECK_MESSAGE(back.front() == o.manifest, o.manifest["metadata"]["name"].get<std::string>());
    }
  }
}
