#include <doctest/doctest.h>

#include <filesystem>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
nlohmann::json base() {
  return {{"apiVersion", "platform.a11y.dev/v1alpha1"}, {"kind", "Platform"}, {"metadata", {{"name", "demo"}}}, {"spec", {{"version", "1.0.0"}}}};
}
bool has_error(const std::vector<FieldError>& errors, const std::string& field, const std::string& message_part) {
  for (const auto& e : errors)
    if (e.field == field && e.message.find(message_part) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("gateway: trustedProxies and cors.allowedOrigins are read; an empty list trusts no proxy") {
  auto j = base();
  j["spec"]["gateway"] = {{"trustedProxies", nlohmann::json::array()}, {"cors", {{"allowedOrigins", {"https://a.example"}}}}};
  ParseResult r = parse_and_validate(j);
  REQUIRE_MESSAGE(r.ok(), to_string(r.errors));
  CHECK(r.platform.spec.gateway.trustedProxies.empty());
  CHECK(r.platform.spec.gateway.corsAllowedOrigins == std::vector<std::string>{"https://a.example"});
  j["spec"]["gateway"] = {{"trustedProxies", {"10.0.0.0/8", 7}}, {"cors", {{"allowedOrigins", "https://a.example"}}}};
  r = parse_and_validate(j);
  CHECK(has_error(r.errors, "spec.gateway.trustedProxies[1]", "must be a string"));
  CHECK(has_error(r.errors, "spec.gateway.cors.allowedOrigins", "must be a list of strings"));
}

TEST_CASE("a minimal Platform takes the CRD's defaults") {
  ParseResult r = parse_and_validate(base());
  REQUIRE_MESSAGE(r.ok(), to_string(r.errors));
  const Platform& p = r.platform;
  CHECK(p.metadata.namespace_ == "default");
  CHECK(p.spec.api.replicas == 2);
  CHECK_FALSE(p.spec.api.autoscaling.enabled);
  CHECK(p.spec.api.autoscaling.targetCPUUtilizationPercentage == 70);
  CHECK(p.spec.api.resources.limits.memory == "512Mi");
  CHECK(p.spec.gateway.apiPerMinute == 100);
  CHECK(p.spec.gateway.authPerMinute == 10);
  CHECK(p.spec.gateway.trustedProxies == std::vector<std::string>{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"});
  CHECK(p.spec.gateway.corsAllowedOrigins.empty());
  REQUIRE(p.spec.database.managed.has_value());
  CHECK_FALSE(p.spec.database.external.has_value());
  CHECK(p.spec.database.managed->version == "16");
  CHECK(p.spec.database.managed->backup.retain == 7);
  REQUIRE(p.spec.cache.managed.has_value());
  CHECK(p.spec.cache.managed->aof);
  CHECK(p.spec.monitoring.errorRatePercent == 5);
  CHECK(p.spec.monitoring.latencySeconds == 2);
  CHECK(p.spec.monitoring.resourcePercent == 80);
  CHECK(p.spec.monitoring.serviceMonitors == ServiceMonitorMode::Auto);
  CHECK(p.spec.rollout.progressDeadlineSeconds == 300);
  CHECK(p.spec.rollout.autoRollback);
  CHECK(p.spec.rollout.historyLimit == 10);
  CHECK(p.spec.rollout.maxConsecutiveFailures == 3);
  CHECK(p.spec.whenDeleted == WhenDeleted::Retain);
}

TEST_CASE("the full sample parses every field") {
  const Platform p = sample();
  CHECK(p.metadata.namespace_ == "a11y");
  CHECK(p.spec.version == "1.2.0");
  CHECK(p.spec.api.autoscaling.targetMemoryUtilizationPercentage == 80);
  REQUIRE(p.spec.api.env.size() == 2);
  CHECK(p.spec.api.env[0].name == "LOG_LEVEL");
  CHECK(p.spec.api.env[1].valueFrom["configMapKeyRef"]["name"] == "a11y-api-flags");
  CHECK(p.spec.api.envFrom[0]["prefix"] == "EXTRA_");
  CHECK(p.spec.api.pod.labels.at("team") == "accessibility");
  CHECK(p.spec.gateway.serviceType == "ClusterIP");
  CHECK(p.spec.api.aiProviderSecretName == "a11y-ai-keys");
  CHECK(p.spec.api.resources.limits.cpu == "1");
  CHECK(p.spec.frontend.autoscaling.enabled);
  CHECK(p.spec.frontend.autoscaling.behavior["scaleDown"]["stabilizationWindowSeconds"] == 300);
  CHECK(p.spec.gateway.host == "a11y.example.com");
  CHECK(p.spec.gateway.tlsSecretName == "a11y-tls");
  REQUIRE(p.spec.gateway.ingress.has_value());
  CHECK(p.spec.gateway.ingress->annotations.at("nginx.ingress.kubernetes.io/backend-protocol") == "HTTP");
  CHECK(p.spec.database.managed->storage.size == "20Gi");
  CHECK(p.spec.database.managed->backup.schedule == "30 2 * * *");
  CHECK(p.spec.cache.managed->maxMemory == "384mb");
}

TEST_CASE("integer quantities are read as quantities") {
  auto j = base();
  j["spec"]["api"]["resources"] = {{"requests", {{"cpu", 1}}}, {"limits", {{"cpu", 2}}}};
  ParseResult r = parse_and_validate(j);
  REQUIRE_MESSAGE(r.ok(), to_string(r.errors));
  CHECK(r.platform.spec.api.resources.requests.cpu == "1");
  CHECK(r.platform.spec.api.resources.requests.memory.empty());
}

TEST_CASE("wrong types name the field") {
  auto j = base();
  j["spec"]["api"]["replicas"] = "two";
  j["spec"]["gateway"] = {{"enabled", "yes"}};
  j["spec"]["monitoring"] = {{"alerts", {{"latencySeconds", "slow"}}}};
  ParseResult r = parse_platform(j);
  CHECK(has_error(r.errors, "spec.api.replicas", "integer"));
  CHECK(has_error(r.errors, "spec.gateway.enabled", "boolean"));
  CHECK(has_error(r.errors, "spec.monitoring.alerts.latencySeconds", "number"));
}

TEST_CASE("apiVersion, kind, name and version are required") {
  ParseResult r = parse_platform({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"spec", nlohmann::json::object()}});
  CHECK(has_error(r.errors, "apiVersion", "platform.a11y.dev/v1alpha1"));
  CHECK(has_error(r.errors, "kind", "Platform"));
  CHECK(has_error(r.errors, "metadata.name", "required"));
  CHECK(has_error(r.errors, "spec.version", "required"));
}

TEST_CASE("external database and cache replace the managed defaults") {
  auto j = base();
  j["spec"]["database"] = {{"external", {{"urlSecretRef", {{"name", "db"}}}}}};
  j["spec"]["cache"] = {{"external", {{"urlSecretRef", {{"name", "cache"}, {"key", "redis-url"}}}}}};
  ParseResult r = parse_and_validate(j);
  REQUIRE_MESSAGE(r.ok(), to_string(r.errors));
  CHECK_FALSE(r.platform.spec.database.managed.has_value());
  CHECK(r.platform.spec.database.external->key == "url");
  CHECK(r.platform.spec.cache.external->key == "redis-url");
}

TEST_CASE("semantic validation") {
  SUBCASE("autoscaling without any target") {
    auto j = base();
    j["spec"]["api"]["autoscaling"] = {{"enabled", true}};
    ParseResult r = parse_platform(j);
    r.platform.spec.api.autoscaling.targetCPUUtilizationPercentage.reset();
    CHECK(has_error(validate(r.platform), "spec.api.autoscaling", "targetCPUUtilizationPercentage"));
  }
  SUBCASE("duplicate env names") {
    auto j = base();
    j["spec"]["api"]["env"] = {{{"name", "A"}, {"value", "1"}}, {{"name", "A"}, {"value", "2"}}};
    CHECK(has_error(parse_and_validate(j).errors, "spec.api.env[1].name", "listed twice"));
  }
  SUBCASE("name must be a DNS label") {
    auto j = base();
    j["metadata"]["name"] = "Demo_1";
    CHECK(has_error(parse_and_validate(j).errors, "metadata.name", "DNS label"));
  }
  SUBCASE("disabled gateway with an Ingress") {
    auto j = base();
    j["spec"]["gateway"] = {{"enabled", false}, {"ingress", nlohmann::json::object()}};
    CHECK(has_error(parse_and_validate(j).errors, "spec.gateway.enabled", "disabled"));
  }
  SUBCASE("image repository in upper case") {
    auto j = base();
    j["spec"]["api"]["image"] = "Registry.example.com/API:V1";
    CHECK(has_error(parse_and_validate(j).errors, "spec.api.image", "lower case"));
    j["spec"]["api"]["image"] = "registry.example.com:5000/api:V1";
    CHECK(parse_and_validate(j).ok());
  }
  SUBCASE("cron schedules") {
    auto j = base();
    for (const char* good : {"0 3 * * *", "*/15 * * * 1-5", "@daily", "0 0 1 jan,jul *"}) {
      j["spec"]["database"] = {{"managed", {{"backup", {{"schedule", good}}}}}};
      CHECK_MESSAGE(parse_and_validate(j).ok(), good);
    }
    for (const char* bad : {"0 3 * *", "61 * * * *", "* 24 * * *", "*/0 * * * *", "0 3 * * * *"}) {
      j["spec"]["database"] = {{"managed", {{"backup", {{"schedule", bad}}}}}};
      CHECK_MESSAGE(has_error(parse_and_validate(j).errors, "spec.database.managed.backup.schedule", "cron"), bad);
    }
  }
}

TEST_CASE("Kubernetes quantities") {
  CHECK(*parse_quantity_milli("500m") == doctest::Approx(500));
  CHECK(*parse_quantity_milli("1") == doctest::Approx(1000));
  CHECK(*parse_quantity_milli("1.5") == doctest::Approx(1500));
  CHECK(*parse_quantity_milli("256Mi") == doctest::Approx(256.0 * 1024 * 1024 * 1000));
  CHECK(*parse_quantity_milli("1G") == doctest::Approx(1e12));
  CHECK(*parse_quantity_milli("1e3") == doctest::Approx(1e6));
  CHECK_FALSE(parse_quantity_milli("lots"));
  CHECK_FALSE(parse_quantity_milli("1 Gi"));
  CHECK_FALSE(parse_quantity_milli(""));
}

// Each fixture names, in a comment, the field and message the operator reports (expect-operator).
TEST_CASE("every invalid fixture is rejected with the field and message it names") {
  const std::filesystem::path dir = source_path("tests/fixtures/invalid");
  std::size_t fixtures = 0;
  std::size_t operator_checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++fixtures;
    const std::string text = read_text(entry.path().string());
    CAPTURE(entry.path().filename().string());
    bool any_expectation = false;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      // "# expect-<who>: <field>: <message>"
      const bool apiserver = line.rfind("# expect-apiserver: ", 0) == 0;
      const bool by_operator = line.rfind("# expect-operator: ", 0) == 0;
      if (!apiserver && !by_operator) continue;
      any_expectation = true;
      if (!by_operator) continue;
      const std::string rest = line.substr(std::string("# expect-operator: ").size());
      const auto colon = rest.find(": ");
      REQUIRE(colon != std::string::npos);
      ++operator_checked;
      auto docs = yaml_documents(text);
      REQUIRE(docs.size() == 1);
      ParseResult r = parse_and_validate(docs.front());
      CHECK_FALSE(r.ok());
      CHECK_MESSAGE(has_error(r.errors, rest.substr(0, colon), rest.substr(colon + 2)), "got: " << to_string(r.errors));
    }
    CHECK_MESSAGE(any_expectation, "fixture lacks an # expect-... comment");
  }
  CHECK(fixtures >= 15);
  CHECK(operator_checked == fixtures);
}

TEST_CASE("the samples are valid") {
  for (const char* file : {"platform.yaml", "platform-minimal.yaml"}) {
    auto docs = yaml_documents(read_text(source_path(std::string("config/samples/") + file)));
    REQUIRE(docs.size() == 1);
    ParseResult r = parse_and_validate(docs.front());
    CHECK_MESSAGE(r.ok(), file << ": " << to_string(r.errors));
  }
}

TEST_CASE("monitoring.alertmanager: enabled or a URL, not both; the URL must be http(s)") {
  auto j = base();
  ParseResult r = parse_and_validate(j);
  REQUIRE(r.ok());
  CHECK_FALSE(r.platform.spec.monitoring.alertmanagerEnabled);
  CHECK(r.platform.spec.monitoring.alertmanagerUrl.empty());
  j["spec"]["monitoring"] = {{"alertmanager", {{"url", "http://alertmanager.monitoring:9093"}}}};
  r = parse_and_validate(j);
  REQUIRE_MESSAGE(r.ok(), to_string(r.errors));
  CHECK(r.platform.spec.monitoring.alertmanagerUrl == "http://alertmanager.monitoring:9093");
  j["spec"]["monitoring"]["alertmanager"]["enabled"] = true;
  CHECK(has_error(parse_and_validate(j).errors, "spec.monitoring.alertmanager", "not both"));
  j["spec"]["monitoring"] = {{"alertmanager", {{"url", "alertmanager:9093"}}}};
  CHECK(has_error(parse_and_validate(j).errors, "spec.monitoring.alertmanager.url", "not an http:// or https:// URL"));
}
