// The frontend component: Deployment, Service, HPA and PDB of the user-supplied web frontend.
#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {
constexpr const char* kClientSecretDir = "/etc/platform-frontend/client";
}  // namespace

std::vector<DesiredObject> render_frontend(const Platform& p) {
  const FrontendSpec& fe = p.spec.frontend;
  if (!fe.enabled) return {};
  const std::string name = names::frontend(p);
  constexpr int kUser = 10001;

  json container = {
      {"name", "frontend"},
      {"image", image_or(p, fe.image, kFrontendImageRepo, p.spec.version)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array({{{"name", "http"}, {"containerPort", kFrontendPort}, {"protocol", "TCP"}}})},
      // The frontend calls the api Service directly (not through the gateway, whose per-client limits would
      // count every user as the frontend's pods). Its server exchanges its own client credential (the
      // `frontend` key of <name>-api-clients) at the api's token endpoint; the browser never sees either.
      // The credential is a mounted file, read at every exchange, so a rotation reaches it without a restart.
      {"env", json::array({{{"name", "PORT"}, {"value", std::to_string(kFrontendPort)}},
                           {{"name", "API_BASE_URL"}, {"value", "http://" + names::api(p) + ":" + std::to_string(kApiPort)}},
                           {{"name", "API_CLIENT_ID"}, {"value", std::string(kApiClientFrontend)}},
                           {{"name", "API_CLIENT_SECRET_FILE"}, {"value", std::string(kClientSecretDir) + "/" + std::string(kApiClientFrontend)}}})},
      {"resources", resources_json(fe.resources)},
      {"livenessProbe", http_probe("/healthz", "http", 10, 3, 5)},
      {"readinessProbe", http_probe("/healthz", "http", 5, 3)},
      {"securityContext", container_security_context(kUser)},
      {"volumeMounts", json::array({{{"name", "tmp"}, {"mountPath", "/tmp"}},
                                    {{"name", "api-client"}, {"mountPath", kClientSecretDir}, {"readOnly", true}}})},
  };
  add_user_env(container, fe.env, fe.envFrom);
  json pod_spec = {
      {"automountServiceAccountToken", false},
      {"securityContext", pod_security_context(kUser)},
      {"topologySpreadConstraints", topology_spread(p, kFrontend)},
      {"containers", json::array({container})},
      // Only the frontend's own key: not the other clients' secrets, nor the staged and previous ones.
      {"volumes", json::array({{{"name", "tmp"}, {"emptyDir", {{"sizeLimit", "256Mi"}}}},
                               {{"name", "api-client"},
                                {"secret", {{"secretName", names::api_clients(p)},
                                            {"items", json::array({{{"key", std::string(kApiClientFrontend)}, {"path", std::string(kApiClientFrontend)}}})},
                                            {"defaultMode", 0440}}}}})},
  };
  json spec = {
      {"selector", {{"matchLabels", selector_labels(p, kFrontend)}}},
      {"progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds},
      {"revisionHistoryLimit", 3},
      {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", 0}}}}},
      {"template", {{"metadata", {{"labels", labels(p, kFrontend)}}}, {"spec", pod_spec}}},
  };
  if (!fe.autoscaling.enabled) spec["replicas"] = fe.replicas;

  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::App, true, service(p, name, kFrontend, json::array({{{"name", "http"}, {"port", kFrontendPort}, {"targetPort", "http"}, {"protocol", "TCP"}}}))));
  out.push_back(desired(Tier::App, true, {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", object_meta(p, name, kFrontend)}, {"spec", spec}}));
  if (fe.autoscaling.enabled) out.push_back(desired(Tier::App, true, hpa(p, name, kFrontend, fe.autoscaling)));
  if (min_pods(fe.replicas, fe.autoscaling) >= 2) out.push_back(desired(Tier::App, true, pdb(p, name, kFrontend, 1)));
  return out;
}

}  // namespace po::platform
