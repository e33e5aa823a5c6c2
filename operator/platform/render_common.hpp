// Building blocks shared by the per-component renderers (private to operator/platform).
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "po/platform/render.hpp"

namespace po::platform::detail {

using nlohmann::json;

// Images of the parts the operator runs itself; api and frontend default to tags of spec.version.
inline constexpr std::string_view kApiImageRepo = "ghcr.io/a11y-platform/platform-api";
inline constexpr std::string_view kFrontendImageRepo = "ghcr.io/a11y-platform/platform-frontend";
inline constexpr std::string_view kNginxImage = "docker.io/nginxinc/nginx-unprivileged:1.27-alpine";
inline constexpr std::string_view kNginxExporterImage = "docker.io/nginx/nginx-prometheus-exporter:1.4.2";
inline constexpr std::string_view kPostgresImageRepo = "docker.io/library/postgres";
inline constexpr std::string_view kPostgresExporterImage = "quay.io/prometheuscommunity/postgres-exporter:v0.17.1";
inline constexpr std::string_view kRedisImage = "docker.io/library/redis:7.4";
inline constexpr std::string_view kRedisExporterImage = "docker.io/oliver006/redis_exporter:v1.67.0";
inline constexpr std::string_view kPrometheusImage = "quay.io/prometheus/prometheus:v3.5.0";
inline constexpr std::string_view kGrafanaImage = "docker.io/grafana/grafana:11.6.0";
inline constexpr std::string_view kAlertmanagerImage = "quay.io/prometheus/alertmanager:v0.28.1";

inline constexpr int kApiPort = 8000;
inline constexpr int kFrontendPort = 3000;
inline constexpr int kGatewayHttpPort = 8080;
inline constexpr int kGatewayHttpsPort = 8443;
inline constexpr int kGatewayStatusPort = 8081;  // stub_status, loopback only
inline constexpr int kNginxExporterPort = 9113;
inline constexpr int kPostgresPort = 5432;
inline constexpr int kPostgresExporterPort = 9187;
inline constexpr int kRedisPort = 6379;
inline constexpr int kRedisExporterPort = 9121;
inline constexpr int kPrometheusPort = 9090;
inline constexpr int kGrafanaPort = 3000;
inline constexpr int kAlertmanagerPort = 9093;

// Annotation on pod templates carrying a digest of their configuration, so a config change rolls pods.
inline constexpr std::string_view kConfigHashAnnotation = "platform.a11y.dev/config-hash";

// Identity of one component for labels: app.kubernetes.io/name and app.kubernetes.io/component.
struct Component {
  std::string_view name;  // postgresql, redis, platform-api, ...
  std::string_view role;  // api, frontend, gateway, database, cache, monitoring
};
inline constexpr Component kApi{"platform-api", "api"};
inline constexpr Component kFrontend{"platform-frontend", "frontend"};
inline constexpr Component kGateway{"nginx", "gateway"};
inline constexpr Component kPostgres{"postgresql", "database"};
inline constexpr Component kBackup{"postgresql-backup", "database"};
inline constexpr Component kRedis{"redis", "cache"};
inline constexpr Component kPrometheus{"prometheus", "monitoring"};
inline constexpr Component kGrafana{"grafana", "monitoring"};
inline constexpr Component kAlertmanager{"alertmanager", "monitoring"};

json labels(const Platform& p, Component c);
json selector_labels(const Platform& p, Component c);
json owner_reference(const Platform& p);
// metadata{name, namespace, labels, ownerReferences (when the Platform has a uid)}.
json object_meta(const Platform& p, std::string name, Component c, bool owned = true);

json pod_security_context(int user);  // restricted profile, fsGroup = user
json container_security_context(int user, bool read_only_root = true);
json resources_json(const Resources& r);
json topology_spread(const Platform& p, Component c);
json env_from_secret(std::string_view name, std::string_view secret, std::string_view key, bool optional = false);
json http_probe(std::string_view path, std::string_view port, int period, int failures, int initial_delay = 0);
json tcp_probe(std::string_view port, int period, int failures, int initial_delay = 0);
json exec_probe(std::string command, int period, int failures, int initial_delay = 0);

json service(const Platform& p, std::string name, Component c, json ports, bool headless = false);
json hpa(const Platform& p, const std::string& target, Component c, const Autoscaling& a);
json pdb(const Platform& p, const std::string& target, Component c, std::int32_t max_unavailable);
json config_map(const Platform& p, std::string name, Component c, json data);
// A PersistentVolumeClaim that outlives the Platform under storage.whenDeleted=Retain (no owner reference).
json persistent_volume_claim(const Platform& p, std::string name, Component c, const StorageSpec& storage);

// sha256 of text, lower-case hex.
std::string sha256_hex(std::string_view text);
// Short digest of a ConfigMap's data, for kConfigHashAnnotation.
std::string config_hash(const json& config_map);
std::string service_host(const Platform& p, const std::string& service);  // <svc>.<ns>.svc.cluster.local
// `reference` with its registry host replaced by `registry` (or unchanged when that is empty).
std::string with_registry(std::string_view reference, std::string_view registry);
// The image of a part: its spec.images override, else the default through spec.images.registry.
std::string image_ref(const Platform& p, const std::string& override_ref, std::string_view default_ref);
// api/frontend: `image` when set, else <repo>:<tag> through spec.images.registry.
std::string image_or(const Platform& p, const std::string& image, std::string_view repo, const std::string& tag);
std::string postgres_image(const Platform& p, const std::string& version);
// The pod settings of a component role (api, frontend, gateway, database, cache, monitoring), or nullptr.
const PodSettings* pod_settings(const Platform& p, std::string_view role);
// On the pod template of a workload: spec.images.pullPolicy on every container; the component's pod
// settings, each unset field taken from spec.scheduling / spec.images.pullSecrets; its extra labels and
// annotations, which never replace the operator's keys.
void apply_pod_policy(const Platform& p, json& manifest);
// The user's extra env (plain or valueFrom) and envFrom on a container.
void add_user_env(json& container, const std::vector<EnvVar>& env, const json& env_from);
// Effective minimum number of pods (HPA minimum when autoscaling, else replicas), for PDB decisions.
std::int32_t min_pods(std::int32_t replicas, const Autoscaling& a);
std::string format_number(double value);  // 5 -> "5", 0.25 -> "0.25"

DesiredObject desired(Tier tier, bool stateless, json manifest);

}  // namespace po::platform::detail
