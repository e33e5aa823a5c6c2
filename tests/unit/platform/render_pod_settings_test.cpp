// Per-component pod settings (spec.<component>.pod), their Platform-wide defaults, the gateway Service
// type and the extra env of the api and frontend.
#include <doctest/doctest.h>

#include <regex>

#include "crd_schema.hpp"
#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;
using nlohmann::json;

namespace {
json pod_of(const json& workload) {
  return workload.at("kind") == "CronJob" ? workload["spec"]["jobTemplate"]["spec"]["template"] : workload["spec"]["template"];
}

constexpr const char* kBase = R"(
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: k, namespace: ns}
spec:
  version: "1.0.0"
)";

Platform with(const std::string& spec_tail) { return platform_from_yaml(std::string(kBase) + spec_tail); }

std::vector<FieldError> errors_of(const std::string& spec_tail) {
  auto docs = yaml_documents(std::string(kBase) + spec_tail);
  return parse_and_validate(docs.front()).errors;
}
bool names_field(const std::vector<FieldError>& errors, const std::string& field, const std::string& message) {
  for (const auto& e : errors)
    if (e.field == field && e.message.find(message) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST_CASE("pod settings: a component's field replaces the Platform-wide default; unset fields take it") {
  const Platform p = with(R"(
  scheduling:
    nodeSelector: {pool: general}
    tolerations: [{key: dedicated, operator: Exists}]
    priorityClassName: platform-default
    affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: arch, operator: In, values: [amd64]}]}]}}}
  images:
    pullSecrets: [{name: shared-pull}]
  api:
    pod:
      nodeSelector: {pool: api}
      priorityClassName: platform-critical
      imagePullSecrets: [{name: api-pull}]
  database:
    managed:
      pod:
        tolerations: []
        nodeSelector: {}
)");
  const auto objects = render(p);
  const json api = pod_of(find(objects, "Deployment", "k-api"))["spec"];
  CHECK(api["nodeSelector"] == json{{"pool", "api"}});
  CHECK(api["priorityClassName"] == "platform-critical");
  CHECK(api["imagePullSecrets"] == json::array({{{"name", "api-pull"}}}));
  CHECK(api["tolerations"][0]["key"] == "dedicated");  // not set on the api: the default
  CHECK(api["affinity"].contains("nodeAffinity"));

  const json gateway = pod_of(find(objects, "Deployment", "k-gateway"))["spec"];
  CHECK(gateway["nodeSelector"] == json{{"pool", "general"}});
  CHECK(gateway["priorityClassName"] == "platform-default");
  CHECK(gateway["imagePullSecrets"] == json::array({{{"name", "shared-pull"}}}));

  // An empty list or map clears the default, on the StatefulSet and on the backup CronJob alike.
  for (const auto& [kind, name] : {std::pair{"StatefulSet", "k-postgres"}, std::pair{"CronJob", "k-postgres-backup"}}) {
    CAPTURE(name);
    const json pod = pod_of(find(objects, kind, name))["spec"];
    CHECK_FALSE(pod.contains("tolerations"));
    CHECK_FALSE(pod.contains("nodeSelector"));
    CHECK(pod["priorityClassName"] == "platform-default");
  }
}

TEST_CASE("pod settings: monitoring covers Prometheus and Grafana; cache its StatefulSet") {
  const Platform p = with(R"(
  monitoring:
    pod: {priorityClassName: observability, nodeSelector: {pool: infra}}
  cache:
    managed:
      pod: {affinity: {podAntiAffinity: {}}}
)");
  const auto objects = render(p);
  for (const char* name : {"k-prometheus", "k-grafana"}) {
    CAPTURE(name);
    const auto& objs = objects;
    json workload = has(objs, "Deployment", name) ? find(objs, "Deployment", name) : find(objs, "StatefulSet", name);
    CHECK(pod_of(workload)["spec"]["priorityClassName"] == "observability");
    CHECK(pod_of(workload)["spec"]["nodeSelector"] == json{{"pool", "infra"}});
  }
  CHECK(pod_of(find(objects, "StatefulSet", "k-redis"))["spec"]["affinity"] == json{{"podAntiAffinity", json::object()}});
  CHECK_FALSE(pod_of(find(objects, "Deployment", "k-api"))["spec"].contains("priorityClassName"));
}

TEST_CASE("pod settings: topology spread constraints replace the operator's; a missing labelSelector is the component's") {
  const Platform p = with(R"(
  frontend:
    pod:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}
        - {maxSkew: 2, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {team: web}}}
  gateway:
    pod:
      topologySpreadConstraints: []
)");
  const auto objects = render(p);
  const json fe = pod_of(find(objects, "Deployment", "k-frontend"))["spec"]["topologySpreadConstraints"];
  REQUIRE(fe.size() == 2);
  CHECK(fe[0]["whenUnsatisfiable"] == "DoNotSchedule");
  CHECK(fe[0]["labelSelector"]["matchLabels"] == json{{"app.kubernetes.io/name", "platform-frontend"}, {"app.kubernetes.io/instance", "k"}});
  CHECK(fe[1]["labelSelector"]["matchLabels"] == json{{"team", "web"}});
  CHECK_FALSE(pod_of(find(objects, "Deployment", "k-gateway"))["spec"].contains("topologySpreadConstraints"));
  // Untouched components keep the operator's spreading.
  CHECK(pod_of(find(objects, "Deployment", "k-api"))["spec"]["topologySpreadConstraints"].size() == 2);
}

TEST_CASE("pod settings: extra labels and annotations never replace the operator's selector labels or config hash") {
  // The operator's own checks refuse such keys; the renderer holds even if one got past them.
  Platform p = with(R"(
  gateway:
    pod:
      labels: {team: edge}
      annotations: {sidecar.istio.io/inject: "false"}
)");
  p.spec.gateway.pod.labels["app.kubernetes.io/name"] = "hijacked";
  p.spec.gateway.pod.labels["app.kubernetes.io/instance"] = "hijacked";
  p.spec.gateway.pod.annotations["platform.a11y.dev/config-hash"] = "0000";
  const json gw = find(render(p), "Deployment", "k-gateway");
  const json meta = pod_of(gw)["metadata"];
  CHECK(meta["labels"]["team"] == "edge");
  CHECK(meta["labels"]["app.kubernetes.io/name"] == "nginx");
  CHECK(meta["labels"]["app.kubernetes.io/instance"] == "k");
  for (const auto& [key, value] : gw["spec"]["selector"]["matchLabels"].items()) CHECK(meta["labels"][key] == value);
  CHECK(meta["annotations"]["sidecar.istio.io/inject"] == "false");
  CHECK(meta["annotations"]["platform.a11y.dev/config-hash"] != "0000");
  // A component without annotations of its own gets the map created.
  Platform q = with("  api:\n    pod:\n      annotations: {a: b}\n");
  CHECK(pod_of(find(render(q), "Deployment", "k-api"))["metadata"]["annotations"]["a"] == "b");
}

TEST_CASE("pod settings: validation refuses the operator's labels and annotation, and bad names") {
  auto errors = errors_of(R"(
  api:
    pod:
      labels: {app.kubernetes.io/instance: other, "bad key!": x, ok: "bad value!"}
      annotations: {platform.a11y.dev/config-hash: x}
      priorityClassName: Not_A_Name
      topologySpreadConstraints: [{maxSkew: 0, whenUnsatisfiable: Sometimes}]
)");
  CHECK(names_field(errors, "spec.api.pod.labels[app.kubernetes.io/instance]", "set by the operator"));
  CHECK(names_field(errors, "spec.api.pod.labels[bad key!]", "is not a label key"));
  CHECK(names_field(errors, "spec.api.pod.labels[ok]", "is not a label value"));
  CHECK(names_field(errors, "spec.api.pod.annotations[platform.a11y.dev/config-hash]", "set by the operator"));
  CHECK(names_field(errors, "spec.api.pod.priorityClassName", "is not a PriorityClass name"));
  CHECK(names_field(errors, "spec.api.pod.topologySpreadConstraints[0].maxSkew", "at least 1"));
  CHECK(names_field(errors, "spec.api.pod.topologySpreadConstraints[0].topologyKey", "is required"));
  CHECK(names_field(errors, "spec.api.pod.topologySpreadConstraints[0].whenUnsatisfiable", "DoNotSchedule or ScheduleAnyway"));
  CHECK(errors_of("  api:\n    pod:\n      labels: {team: a, example.com/tier: \"1\"}\n").empty());
}

TEST_CASE("gateway Service type: ClusterIP keeps the metrics port; NodePort and LoadBalancer move it to its own ClusterIP Service") {
  const auto plain = render(minimal());
  const json svc = find(plain, "Service", "minimal-gateway");
  CHECK(svc["spec"]["type"] == "ClusterIP");
  CHECK(svc["spec"]["ports"].back()["name"] == "metrics");
  CHECK_FALSE(has(plain, "Service", "minimal-gateway-metrics"));

  for (const char* type : {"NodePort", "LoadBalancer"}) {
    CAPTURE(type);
    const auto objects = render(with(std::string("  gateway:\n    service:\n      type: ") + type +
                                     "\n      annotations: {service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"}\n"));
    const json pub = find(objects, "Service", "k-gateway");
    CHECK(pub["spec"]["type"] == type);
    CHECK(pub["metadata"]["annotations"]["service.beta.kubernetes.io/aws-load-balancer-internal"] == "true");
    for (const auto& port : pub["spec"]["ports"]) CHECK(port["name"] != "metrics");
    const json metrics = find(objects, "Service", "k-gateway-metrics");
    CHECK(metrics["spec"]["type"] == "ClusterIP");
    CHECK(metrics["spec"]["ports"][0]["name"] == "metrics");
    CHECK(metrics["spec"]["selector"] == pub["spec"]["selector"]);
  }
  CHECK(names_field(errors_of("  gateway:\n    service: {type: ExternalName}\n"), "spec.gateway.service.type", "must be one of"));
}

TEST_CASE("extra env: valueFrom Secrets and ConfigMaps, and envFrom, on the api and frontend") {
  const Platform p = with(R"(
  api:
    env:
      - {name: LOG_LEVEL, value: debug}
      - name: SMTP_PASSWORD
        valueFrom: {secretKeyRef: {name: smtp, key: password}}
      - name: FEATURE_FLAGS
        valueFrom: {configMapKeyRef: {name: flags, key: api, optional: true}}
    envFrom:
      - {secretRef: {name: api-extra}, prefix: EXTRA_}
      - configMapRef: {name: api-settings, optional: true}
  frontend:
    env: [{name: NEXT_PUBLIC_THEME, value: dark}]
    envFrom: [{configMapRef: {name: web}}]
)");
  const auto objects = render(p);
  const json api = container(find(objects, "Deployment", "k-api"), "api");
  CHECK(env_value(api, "LOG_LEVEL") == "debug");
  CHECK(json::parse(env_value(api, "SMTP_PASSWORD")) == json{{"secretKeyRef", {{"name", "smtp"}, {"key", "password"}}}});
  CHECK(json::parse(env_value(api, "FEATURE_FLAGS"))["configMapKeyRef"]["optional"] == true);
  CHECK(api["envFrom"] == json::parse(R"([{"secretRef":{"name":"api-extra"},"prefix":"EXTRA_"},{"configMapRef":{"name":"api-settings","optional":true}}])"));
  // The operator's variables come first and stay.
  CHECK(api["env"][0]["name"] == "PORT");
  const json fe = container(find(objects, "Deployment", "k-frontend"), "frontend");
  CHECK(env_value(fe, "NEXT_PUBLIC_THEME") == "dark");
  CHECK(fe["envFrom"][0]["configMapRef"]["name"] == "web");
  CHECK_FALSE(container(find(render(minimal()), "Deployment", "minimal-api"), "api").contains("envFrom"));
}

TEST_CASE("extra env: reserved names are refused on both components; valueFrom needs exactly one source") {
  CHECK(names_field(errors_of("  api:\n    env: [{name: AUTH_CLIENTS_DIR, value: /x}]\n"), "spec.api.env[0].name", "set by the operator"));
  CHECK(names_field(errors_of("  frontend:\n    env: [{name: API_CLIENT_SECRET_FILE, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n"),
                    "spec.frontend.env[0].name", "set by the operator"));
  CHECK(names_field(errors_of("  frontend:\n    env: [{name: API_CLIENT_SECRET, value: sixteen-bytes-or-more}]\n"),
                    "spec.frontend.env[0].name", "set by the operator"));
  CHECK(names_field(errors_of("  api:\n    env: [{name: SHUTDOWN_DELAY_SECONDS, value: \"0\"}]\n"), "spec.api.env[0].name",
                    "set by the operator"));
  CHECK(names_field(errors_of("  frontend:\n    env: [{name: A, value: x}, {name: A, value: y}]\n"), "spec.frontend.env[1].name", "listed twice"));
  CHECK(names_field(errors_of("  api:\n    env: [{name: A, valueFrom: {}}]\n"), "spec.api.env[0].valueFrom", "exactly one"));
  CHECK(names_field(errors_of("  api:\n    env: [{name: A, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n"),
                    "spec.api.env[0].value", "not be set together"));
  CHECK(names_field(errors_of("  api:\n    envFrom: [{prefix: X_}]\n"), "spec.api.envFrom[0].secretRef", "exactly one"));
}

namespace {
std::set<std::string> env_names(const json& c) {
  std::set<std::string> names;
  for (const auto& e : c["env"]) names.insert(e["name"].get<std::string>());
  return names;
}
// The names listed in a CRD rule of the form `self.all(e, !(e.name in ["A", "B"]))`.
std::set<std::string> cel_list(const json& env_schema) {
  const std::string rule = env_schema.at("x-kubernetes-validations").at(0).at("rule");
  static const std::regex quoted("\"([^\"]*)\"");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(rule.begin(), rule.end(), quoted); it != std::sregex_iterator(); ++it) names.insert((*it)[1]);
  return names;
}
}  // namespace

TEST_CASE("extra env: the reserved names are exactly what the operator sets, in the operator and in the CRD's CEL rules") {
  // The AI provider keys are set only with aiProviderSecretRef; API_CLIENT_SECRET is reserved without being set
  // (the frontend ignores it beside API_CLIENT_SECRET_FILE).
  const auto objects = render(with("  api:\n    aiProviderSecretRef: {name: ai-keys}\n"));
  CHECK(env_names(container(find(objects, "Deployment", "k-api"), "api")) == kReservedApiEnv);
  std::set<std::string> frontend = env_names(container(find(objects, "Deployment", "k-frontend"), "frontend"));
  frontend.insert("API_CLIENT_SECRET");
  CHECK(frontend == kReservedFrontendEnv);

  const json& spec = platform_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"];
  CHECK(cel_list(spec["api"]["properties"]["env"]) == kReservedApiEnv);
  CHECK(cel_list(spec["frontend"]["properties"]["env"]) == kReservedFrontendEnv);
}
