#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

TEST_CASE("api: Deployment with labels, owner reference, probes, restricted security context") {
  const Platform p = sample();
  const auto objects = render_api(p);
  const auto d = find(objects, "Deployment", "a11y-api");
  const auto& meta = d["metadata"];
  CHECK(meta["namespace"] == "a11y");
  CHECK(meta["labels"]["app.kubernetes.io/instance"] == "a11y");
  CHECK(meta["labels"]["app.kubernetes.io/component"] == "api");
  CHECK(meta["labels"]["app.kubernetes.io/managed-by"] == "platform-operator");
  CHECK(meta["labels"]["app.kubernetes.io/version"] == "1.2.0");
  const auto& owner = meta["ownerReferences"][0];
  CHECK(owner["apiVersion"] == "platform.a11y.dev/v1alpha1");
  CHECK(owner["kind"] == "Platform");
  CHECK(owner["name"] == "a11y");
  CHECK(owner["uid"] == p.metadata.uid);
  CHECK(owner["controller"] == true);
  CHECK(owner["blockOwnerDeletion"] == true);

  CHECK(d["spec"]["replicas"] == 2);
  CHECK(d["spec"]["progressDeadlineSeconds"] == 300);
  CHECK(d["spec"]["selector"]["matchLabels"].size() == 2);  // stable: no version in the selector
  const auto c = container(d, "api");
  CHECK(c["image"] == "ghcr.io/a11y-platform/platform-api:1.2.0");
  CHECK(c["ports"][0]["containerPort"] == 8000);
  CHECK(c["livenessProbe"]["httpGet"]["path"] == "/health/live");
  CHECK(c["readinessProbe"]["httpGet"]["path"] == "/health/ready");
  CHECK(c["readinessProbe"]["httpGet"]["port"] == "http");
  CHECK(c["readinessProbe"]["periodSeconds"] == 5);
  CHECK(c["readinessProbe"]["failureThreshold"] == 1);  // out of the endpoints within one period
  CHECK(c["livenessProbe"]["failureThreshold"] == 3);
  CHECK(c["resources"]["requests"]["cpu"] == "250m");
  CHECK(c["resources"]["limits"]["memory"] == "512Mi");
  const auto& sc = c["securityContext"];
  CHECK(sc["allowPrivilegeEscalation"] == false);
  CHECK(sc["capabilities"]["drop"][0] == "ALL");
  CHECK(sc["readOnlyRootFilesystem"] == true);
  CHECK(sc["runAsNonRoot"] == true);
  CHECK(sc["seccompProfile"]["type"] == "RuntimeDefault");
  const auto& pod = d["spec"]["template"]["spec"];
  CHECK(pod["securityContext"]["runAsNonRoot"] == true);
  CHECK(pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname");
  CHECK(pod["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"] == d["spec"]["selector"]["matchLabels"]);
}

TEST_CASE("api: configuration comes from Secrets by reference, never by value") {
  const Platform p = sample();
  const auto c = container(find(render_api(p), "Deployment", "a11y-api"), "api");
  CHECK(env_value(c, "PORT") == "8000");
  CHECK(env_value(c, "DATABASE_URL") == R"({"secretKeyRef":{"key":"url","name":"a11y-postgres"}})");
  CHECK(env_value(c, "REDIS_URL") == R"({"secretKeyRef":{"key":"url","name":"a11y-redis"}})");
  CHECK(env_value(c, "SECRET_KEY") == R"({"secretKeyRef":{"key":"secret-key","name":"a11y-jwt"}})");
  CHECK(env_value(c, "GEMINI_API_KEY") == R"({"secretKeyRef":{"key":"GEMINI_API_KEY","name":"a11y-ai-keys","optional":true}})");
  CHECK(env_value(c, "LOG_LEVEL") == "info");
}

TEST_CASE("api: the token endpoint's clients come from the generated <name>-api-clients Secret, mounted read-only") {
  const Platform p = sample();
  const auto d = find(render_api(p), "Deployment", "a11y-api");
  const auto c = container(d, "api");
  CHECK(env_value(c, "AUTH_CLIENTS_DIR") == "/etc/platform-api/clients");
  bool mounted = false;
  for (const auto& m : c["volumeMounts"])
    if (m["name"] == "clients") mounted = m["mountPath"] == "/etc/platform-api/clients" && m["readOnly"] == true;
  CHECK(mounted);
  bool volume = false;
  for (const auto& v : d["spec"]["template"]["spec"]["volumes"])
    if (v["name"] == "clients") volume = v["secret"]["secretName"] == "a11y-api-clients" && v["secret"]["defaultMode"] == 0440;
  CHECK(volume);
}

TEST_CASE("api: external database and cache use the named Secrets") {
  Platform p = minimal();
  p.spec.database = {std::nullopt, SecretKeyRef{"shared-db", "dsn"}};
  p.spec.cache = {std::nullopt, SecretKeyRef{"shared-cache", "url"}};
  const auto c = container(find(render_api(p), "Deployment", "minimal-api"), "api");
  CHECK(env_value(c, "DATABASE_URL") == R"({"secretKeyRef":{"key":"dsn","name":"shared-db"}})");
  CHECK(env_value(c, "REDIS_URL") == R"({"secretKeyRef":{"key":"url","name":"shared-cache"}})");
}

TEST_CASE("api: with autoscaling the HPA owns replicas and the Deployment does not carry spec.replicas") {
  Platform p = sample();
  p.spec.api.autoscaling.enabled = true;
  const auto objects = render_api(p);
  CHECK_FALSE(find(objects, "Deployment", "a11y-api")["spec"].contains("replicas"));
  const auto hpa = find(objects, "HorizontalPodAutoscaler", "a11y-api");
  CHECK(hpa["apiVersion"] == "autoscaling/v2");
  CHECK(hpa["spec"]["scaleTargetRef"]["name"] == "a11y-api");
  CHECK(hpa["spec"]["minReplicas"] == 2);
  CHECK(hpa["spec"]["maxReplicas"] == 8);
  REQUIRE(hpa["spec"]["metrics"].size() == 2);
  CHECK(hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu");
  CHECK(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70);
  CHECK(hpa["spec"]["metrics"][1]["resource"]["name"] == "memory");

  p.spec.api.autoscaling.enabled = false;
  const auto fixed = render_api(p);
  CHECK(find(fixed, "Deployment", "a11y-api")["spec"]["replicas"] == 2);
  CHECK_FALSE(has(fixed, "HorizontalPodAutoscaler", "a11y-api"));
}

TEST_CASE("api: a PodDisruptionBudget only when at least two pods are expected") {
  Platform p = sample();
  const auto pdb = find(render_api(p), "PodDisruptionBudget", "a11y-api");
  CHECK(pdb["apiVersion"] == "policy/v1");
  CHECK(pdb["spec"]["maxUnavailable"] == 1);
  p.spec.api.replicas = 1;
  CHECK_FALSE(has(render_api(p), "PodDisruptionBudget", "a11y-api"));
  p.spec.api.replicas = 3;
  p.spec.api.podDisruptionBudget.enabled = false;
  CHECK_FALSE(has(render_api(p), "PodDisruptionBudget", "a11y-api"));
}

TEST_CASE("api: offline rendering (no uid) emits no owner references") {
  Platform p = minimal();
  p.metadata.uid.clear();
  for (const auto& o : render_api(p)) CHECK_FALSE(o.manifest["metadata"].contains("ownerReferences"));
}

TEST_CASE("api: a rolling update loses no request: shutdown delay beyond endpoint propagation, grace beyond the drain") {
  const auto d = find(render_api(sample()), "Deployment", "a11y-api");
  const auto c = container(d, "api");
  const int delay = std::stoi(env_value(c, "SHUTDOWN_DELAY_SECONDS"));
  CHECK(delay >= 5);  // kube-proxy and the endpoint controller take a few seconds under load
  const int grace = d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].get<int>();
  constexpr int kHttpDrainSeconds = 30;  // po::http::ServerOptions::drain_timeout
  CHECK(grace > delay + kHttpDrainSeconds);
  CHECK(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0);
}
