// The api component: Deployment, Service, ServiceAccount, HPA and PDB of the platform-api container.
#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {

// The <name>-api-clients Secret, one file per client, read by POST /api/v1/auth/token.
constexpr const char* kClientsDir = "/etc/platform-api/clients";

// Shutdown on a rolling update: at SIGTERM the api fails readiness and keeps serving for kShutdownDelay
// seconds, longer than it takes the endpoint controller and kube-proxy on every node to drop the pod
// (one or two seconds on an idle cluster, several under load), so that no new request reaches a closed
// listener; then the listener closes and in-flight requests drain for up to kDrainSeconds (the HTTP
// server's drain timeout) while the group-commit writer flushes. The grace period covers both and a
// margin, so the kubelet never SIGKILLs a pod that is still draining.
constexpr int kShutdownDelaySeconds = 10;
constexpr int kDrainSeconds = 30;
constexpr int kTerminationGraceSeconds = kShutdownDelaySeconds + kDrainSeconds + 10;

json api_env(const Platform& p) {
  const ApiSpec& api = p.spec.api;
  json env = json::array({{{"name", "PORT"}, {"value", std::to_string(kApiPort)}}});
  if (p.spec.database.external) env.push_back(env_from_secret("DATABASE_URL", p.spec.database.external->name, p.spec.database.external->key));
  else env.push_back(env_from_secret("DATABASE_URL", names::postgres(p), "url"));
  if (p.spec.cache.external) env.push_back(env_from_secret("REDIS_URL", p.spec.cache.external->name, p.spec.cache.external->key));
  else env.push_back(env_from_secret("REDIS_URL", names::redis(p), "url"));
  env.push_back(env_from_secret("SECRET_KEY", names::jwt_secret(p), "secret-key"));
  env.push_back({{"name", "AUTH_CLIENTS_DIR"}, {"value", kClientsDir}});
  env.push_back({{"name", "SHUTDOWN_DELAY_SECONDS"}, {"value", std::to_string(kShutdownDelaySeconds)}});
  if (api.aiProviderSecretName) {
    // Either key may be absent: the app reports the provider it lacks as disabled.
    env.push_back(env_from_secret("GEMINI_API_KEY", *api.aiProviderSecretName, "GEMINI_API_KEY", true));
    env.push_back(env_from_secret("OPENAI_API_KEY", *api.aiProviderSecretName, "OPENAI_API_KEY", true));
  }
  return env;
}

}  // namespace

std::vector<DesiredObject> render_api(const Platform& p) {
  const ApiSpec& api = p.spec.api;
  const std::string name = names::api(p);
  constexpr int kUser = 10001;

  json container = {
      {"name", "api"},
      {"image", image_or(p, api.image, kApiImageRepo, p.spec.version)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array({{{"name", "http"}, {"containerPort", kApiPort}, {"protocol", "TCP"}}})},
      {"env", api_env(p)},
      {"resources", resources_json(api.resources)},
      {"startupProbe", http_probe("/health/live", "http", 2, 30)},
      {"livenessProbe", http_probe("/health/live", "http", 10, 3)},
      // Readiness fails at the first failed probe: /health/ready answers 503 within a second of PostgreSQL
      // going away (and during the shutdown delay), so the pod leaves the endpoints within one period;
      // it runs on the app's probe lane, so a busy api still answers it.
      {"readinessProbe", http_probe("/health/ready", "http", 5, 1)},
      {"securityContext", container_security_context(kUser)},
      {"volumeMounts", json::array({{{"name", "tmp"}, {"mountPath", "/tmp"}},
                                    {{"name", "clients"}, {"mountPath", kClientsDir}, {"readOnly", true}}})},
  };
  add_user_env(container, api.env, api.envFrom);
  json pod_spec = {
      {"serviceAccountName", name},
      {"automountServiceAccountToken", false},
      {"securityContext", pod_security_context(kUser)},
      {"terminationGracePeriodSeconds", kTerminationGraceSeconds},
      {"topologySpreadConstraints", topology_spread(p, kApi)},
      {"containers", json::array({container})},
      {"volumes", json::array({{{"name", "tmp"}, {"emptyDir", {{"sizeLimit", "256Mi"}}}},
                               // 0440 with the pod's fsGroup: readable by the api's user only.
                               {{"name", "clients"}, {"secret", {{"secretName", names::api_clients(p)}, {"defaultMode", 0440}}}}})},
  };
  json spec = {
      {"selector", {{"matchLabels", selector_labels(p, kApi)}}},
      {"progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds},
      {"revisionHistoryLimit", 3},
      {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", 0}}}}},
      {"template", {{"metadata", {{"labels", labels(p, kApi)}}}, {"spec", pod_spec}}},
  };
  // Under an HPA the replica count belongs to the HPA: never send spec.replicas (DESIGN §4 step 8).
  if (!api.autoscaling.enabled) spec["replicas"] = api.replicas;

  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::App, true,
                        {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", object_meta(p, name, kApi)}, {"automountServiceAccountToken", false}}));
  out.push_back(desired(Tier::App, true, service(p, name, kApi, json::array({{{"name", "http"}, {"port", kApiPort}, {"targetPort", "http"}, {"protocol", "TCP"}}}))));
  out.push_back(desired(Tier::App, true, {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", object_meta(p, name, kApi)}, {"spec", spec}}));
  if (api.autoscaling.enabled) out.push_back(desired(Tier::App, true, hpa(p, name, kApi, api.autoscaling)));
  if (api.podDisruptionBudget.enabled && min_pods(api.replicas, api.autoscaling) >= 2)
    out.push_back(desired(Tier::App, true, pdb(p, name, kApi, api.podDisruptionBudget.maxUnavailable)));
  return out;
}

}  // namespace po::platform
