// Pure rendering: a Platform becomes the Kubernetes objects that run it. No I/O happens here.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/platform/types.hpp"

namespace po::platform {

// Apply order (DESIGN §4 step 8): data first, then the apps, then the gateway, then monitoring.
enum class Tier { Data = 0, App = 1, Gateway = 2, Monitoring = 3 };
std::string_view to_string(Tier tier);

// One desired object with what the reconciler needs to know about it.
struct DesiredObject {
  Tier tier = Tier::Data;
  // Stateless objects (api, frontend, gateway, monitoring config) form the revision and are what a
  // rollback re-applies; stateful ones (database, cache, volumes, network policies) never roll back.
  bool stateless = false;
  nlohmann::json manifest;
};

struct RenderOptions {
  // Discovery found the monitoring.coreos.com CRDs (ServiceMonitor, PrometheusRule).
  bool monitoringCrdsAvailable = false;
  // Where Grafana finds Prometheus when prometheus-operator's Prometheus is used instead of ours.
  std::string externalPrometheusUrl = "http://prometheus-operated.monitoring.svc:9090";
};

// Every object of the Platform, sorted by tier (stable within a tier).
std::vector<DesiredObject> render(const Platform& platform, const RenderOptions& options = {});

// Per component, each in its own file (render_<component>.cpp).
std::vector<DesiredObject> render_api(const Platform& platform);
std::vector<DesiredObject> render_frontend(const Platform& platform);
std::vector<DesiredObject> render_gateway(const Platform& platform);
std::vector<DesiredObject> render_database(const Platform& platform);
std::vector<DesiredObject> render_cache(const Platform& platform);
std::vector<DesiredObject> render_monitoring(const Platform& platform, const RenderOptions& options);
// The Alertmanager of spec.monitoring.alertmanager.enabled (part of render_monitoring's output).
std::vector<DesiredObject> render_alertmanager(const Platform& platform);
std::vector<DesiredObject> render_network(const Platform& platform, const RenderOptions& options);

// The configuration files inside the ConfigMaps, exposed for tests and for the render command.
std::string render_nginx_conf(const Platform& platform);

// One gateway replica's share of a per-client limit (nginx counts per replica, replicas share nothing):
// perMinute = max(1, floor(limit / replicas)), burst = perMinute - 1 (the share may be spent at once),
// retryAfterSeconds = the time one more request takes to become allowed, rounded up.
struct RateBudget {
  std::int32_t perMinute = 1;
  std::int32_t burst = 0;
  std::int32_t retryAfterSeconds = 60;
};
RateBudget gateway_rate_budget(std::int32_t per_minute, std::int32_t replicas);
std::string render_redis_conf(const Platform& platform);
std::string render_prometheus_config(const Platform& platform);
// The rule file of the operator's own Prometheus (groups:): only rules over series it scrapes.
std::string render_prometheus_rules(const Platform& platform);
// The alert groups as JSON. cluster_metrics adds the rules over cAdvisor and kube-state-metrics series,
// which a kube-prometheus stack has (the PrometheusRule of the ServiceMonitor mode) and the operator's
// own Prometheus does not scrape.
nlohmann::json render_alert_groups(const Platform& platform, bool cluster_metrics = true);

// Every alert's runbook_url annotation is this base followed by "<AlertName>.md": the pages in the
// repository's docs/runbooks/ (a unit test checks that each rendered alert has its page there).
inline constexpr std::string_view kRunbookBaseUrl = "https://github.com/a11y-dev/platform-operator/blob/main/docs/runbooks/";
nlohmann::json render_grafana_dashboard(const Platform& platform);

// True when ServiceMonitor/PrometheusRule objects replace the operator-run Prometheus.
bool use_service_monitors(const MonitoringSpec& monitoring, const RenderOptions& options);

// Revision of a rendering: hex sha256 of the canonical JSON (sorted keys, no spaces) of the stateless
// objects in render order, with Deployment/StatefulSet spec.replicas (scaling is not a new revision)
// and ownerReferences (the uid is identity, not content) removed. Secrets are never rendered, so no
// secret value can reach the digest.
std::string revision_digest(const std::vector<DesiredObject>& objects);

// Names of the child objects, shared with the reconciler.
namespace names {
std::string api(const Platform& p);         // <name>-api
std::string frontend(const Platform& p);    // <name>-frontend
std::string gateway(const Platform& p);     // <name>-gateway
std::string postgres(const Platform& p);    // <name>-postgres
std::string backup(const Platform& p);      // <name>-postgres-backup
std::string redis(const Platform& p);       // <name>-redis
std::string prometheus(const Platform& p);  // <name>-prometheus
std::string alertmanager(const Platform& p);  // <name>-alertmanager
std::string grafana(const Platform& p);     // <name>-grafana
std::string grafana_dashboard(const Platform& p);  // <name>-grafana-dashboard (the sidecar's ConfigMap)
std::string jwt_secret(const Platform& p);  // <name>-jwt
std::string api_clients(const Platform& p);  // <name>-api-clients: the api's token-endpoint clients
}  // namespace names

// The clients generated in <name>-api-clients: one for the frontend's server, one to hand to users.
inline constexpr std::string_view kApiClientFrontend = "frontend";
inline constexpr std::string_view kApiClientUsers = "users";

// Label selector (string form) of the api pods, for status.selector and the scale subresource.
std::string api_selector(const Platform& platform);

// Secrets the reconciler must generate before applying (DESIGN §4 step 4). Rendering only refers to
// them by name; the reconciler fills `random` keys from a CSPRNG once and never rewrites them.
// Random values go into URLs unescaped, so they must be URL-safe (hex or base64url).
struct GeneratedSecret {
  std::string name;
  std::vector<std::string> randomKeys;             // e.g. "password"
  std::map<std::string, std::string> fixedData;   // e.g. username, database
  // Connection URL stored under "url", with {password} replaced by the generated password.
  std::string urlTemplate;
};
std::vector<GeneratedSecret> generated_secrets(const Platform& platform);
// The Secret's data (string values) given generated random values keyed like randomKeys.
std::map<std::string, std::string> secret_data(const GeneratedSecret& secret,
                                               const std::map<std::string, std::string>& random);

// The generated Secret `secret` of a Platform, with its random values. The PostgreSQL credentials belong
// with the data: under whenDeleted: Retain they have no owner (garbage collection and pruning leave them,
// so retained data keeps its password); under Delete, like every other generated Secret, the Platform owns them.
bool generated_secret_owned(const Platform& platform, const GeneratedSecret& secret);
nlohmann::json render_generated_secret(const Platform& platform, const GeneratedSecret& secret,
                                       const std::map<std::string, std::string>& random);

// A rolled-out revision's stateless objects, kept as a ControllerRevision <platform>-<revision[:10]> owned
// by the Platform; `sequence` orders revisions (newest highest) for the historyLimit trim.
std::string controller_revision_name(const std::string& platform_name, const std::string& revision);
nlohmann::json render_controller_revision(const Platform& platform, const std::string& revision,
                                          const std::vector<nlohmann::json>& stateless, std::int64_t sequence);

}  // namespace po::platform
