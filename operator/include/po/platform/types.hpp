// The Platform API (platform.a11y.dev/v1alpha1) as typed C++ values, with the same defaults as the CRD.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

inline constexpr std::string_view kGroup = "platform.a11y.dev";
inline constexpr std::string_view kApiVersion = "platform.a11y.dev/v1alpha1";
inline constexpr std::string_view kKind = "Platform";

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  std::string uid;  // empty when rendering offline: no owner references are emitted then
  std::int64_t generation = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// Quantities stay strings ("500m", "1Gi"); an empty string means "not set".
struct ResourceList {
  std::string cpu;
  std::string memory;
};
struct Resources {
  ResourceList requests;
  ResourceList limits;
};

struct Autoscaling {
  bool enabled = false;
  std::int32_t minReplicas = 2;
  std::int32_t maxReplicas = 10;
  std::optional<std::int32_t> targetCPUUtilizationPercentage = 70;
  std::optional<std::int32_t> targetMemoryUtilizationPercentage;
  nlohmann::json behavior;  // null when unset, else passed to the HPA unchanged
};

struct PodDisruptionBudgetSpec {
  bool enabled = true;
  std::int32_t maxUnavailable = 1;
};

// An extra environment variable: a plain value, or valueFrom (a secretKeyRef or configMapKeyRef, passed
// to the container as written).
struct EnvVar {
  std::string name;
  std::string value;
  nlohmann::json valueFrom;  // null: a plain value
};

// Pod-level settings of one component (spec.<component>.pod). A field that is set replaces the
// Platform-wide default of the same name (spec.scheduling, spec.images.pullSecrets) as a whole, an
// empty list or map included; unset fields take the default. Labels and annotations are added to the
// pod template, but never replace a key the operator sets (its selector labels above all).
struct PodSettings {
  std::optional<nlohmann::json> nodeSelector;               // label -> value
  std::optional<nlohmann::json> tolerations;                // core/v1 Toleration objects
  std::optional<nlohmann::json> affinity;                   // core/v1 Affinity
  std::optional<nlohmann::json> topologySpreadConstraints;  // replaces the operator's spreading
  std::optional<std::string> priorityClassName;
  std::optional<std::vector<std::string>> imagePullSecrets;
  std::map<std::string, std::string> annotations;
  std::map<std::string, std::string> labels;
};

struct SecretKeyRef {
  std::string name;
  std::string key = "url";
};

struct StorageSpec {
  std::string size;
  std::string storageClassName;
};

struct ApiSpec {
  std::string image;  // empty: derived from spec.version
  std::int32_t replicas = 2;
  Autoscaling autoscaling;
  Resources resources;
  std::vector<EnvVar> env;
  nlohmann::json envFrom = nlohmann::json::array();  // core/v1 EnvFromSource objects
  std::optional<std::string> aiProviderSecretName;
  PodDisruptionBudgetSpec podDisruptionBudget;
  PodSettings pod;
};

struct FrontendSpec {
  bool enabled = true;
  std::string image;
  std::int32_t replicas = 2;
  Autoscaling autoscaling;
  Resources resources;
  std::vector<EnvVar> env;
  nlohmann::json envFrom = nlohmann::json::array();
  PodSettings pod;
};

struct IngressSpec {
  std::string className;
  std::map<std::string, std::string> annotations;
};

struct GatewaySpec {
  bool enabled = true;
  std::int32_t replicas = 2;
  std::int32_t apiPerMinute = 100;
  std::int32_t authPerMinute = 10;
  std::string host;
  std::optional<std::string> tlsSecretName;
  Resources resources;
  std::optional<IngressSpec> ingress;
  std::optional<nlohmann::json> httpRouteParentRefs;  // array of Gateway API ParentReference
  // Peers whose X-Forwarded-For is believed (nginx real_ip): the rate limits key on the address they
  // report. The default is the private ranges, where in-cluster Ingress controllers and proxies live.
  std::vector<std::string> trustedProxies = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"};
  std::vector<std::string> corsAllowedOrigins;  // exact origins (scheme://host[:port]) answered by CORS
  std::string serviceType = "ClusterIP";         // ClusterIP, NodePort or LoadBalancer
  std::map<std::string, std::string> serviceAnnotations;
  PodSettings pod;
};

struct BackupSpec {
  bool enabled = true;
  std::string schedule = "0 3 * * *";
  std::int32_t retain = 7;
  StorageSpec storage{"10Gi", ""};
};

struct ManagedDatabase {
  std::string version = "16";
  StorageSpec storage{"10Gi", ""};
  Resources resources;
  BackupSpec backup;
  PodSettings pod;  // the StatefulSet and the backup CronJob
};

struct DatabaseSpec {
  std::optional<ManagedDatabase> managed;
  std::optional<SecretKeyRef> external;
};

struct ManagedCache {
  StorageSpec storage{"1Gi", ""};
  bool aof = true;
  bool rdb = true;
  std::string maxMemory = "256mb";
  Resources resources;
  PodSettings pod;
};

struct CacheSpec {
  std::optional<ManagedCache> managed;
  std::optional<SecretKeyRef> external;
};

enum class ServiceMonitorMode { Auto, Enabled, Disabled };

struct MonitoringSpec {
  bool enabled = true;
  std::string retention = "15d";
  std::string scrapeInterval = "30s";
  StorageSpec prometheusStorage{"10Gi", ""};
  Resources prometheusResources;
  bool grafanaEnabled = true;
  Resources grafanaResources;
  // Where the operator's Prometheus sends alerts: an Alertmanager the operator deploys (enabled), or one
  // of the platform team's at url; neither: alerts are only visible in Prometheus.
  bool alertmanagerEnabled = false;
  std::string alertmanagerUrl;
  Resources alertmanagerResources;
  double errorRatePercent = 5;
  double latencySeconds = 2;
  double resourcePercent = 80;
  std::int32_t alertForSeconds = 0;  // 0: each alert's own pending time (1-15 min); else this for all of them
  ServiceMonitorMode serviceMonitors = ServiceMonitorMode::Auto;
  // Extra labels on the ServiceMonitor and PrometheusRule objects, for the selectors of a Prometheus run
  // by prometheus-operator (kube-prometheus-stack selects `release: <its release name>` by default).
  std::map<std::string, std::string> prometheusOperatorLabels;
  // The Prometheus Grafana queries in ServiceMonitor mode; empty: RenderOptions::externalPrometheusUrl.
  std::string externalPrometheusUrl;
  // The dashboard as a ConfigMap of its own, for a Grafana sidecar that loads labelled ConfigMaps.
  bool dashboardConfigMap = true;
  std::map<std::string, std::string> dashboardLabels = {{"grafana_dashboard", "1"}};
  std::map<std::string, std::string> dashboardAnnotations;
  PodSettings pod;  // Prometheus and Grafana
};

struct RolloutSpec {
  std::int32_t progressDeadlineSeconds = 300;
  bool autoRollback = true;
  std::int32_t historyLimit = 10;
  std::int32_t maxConsecutiveFailures = 3;
};

enum class WhenDeleted { Retain, Delete };

// Where every image comes from. A per-component reference wins; otherwise the project's default image,
// with its registry host replaced by `registry` when set (a mirror for air-gapped clusters).
struct ImagesSpec {
  std::string registry;
  std::string pullPolicy = "IfNotPresent";
  std::string postgres;  // a repository: the tag is spec.database.managed.version
  std::string postgresExporter;
  std::string redis;
  std::string redisExporter;
  std::string nginx;
  std::string nginxExporter;
  std::string prometheus;
  std::string grafana;
  std::string alertmanager;
  std::vector<std::string> pullSecrets;  // imagePullSecrets of every pod (a component's pod.imagePullSecrets replaces it)
};

// Where the Platform's pods may run: the default of every pod template the operator renders, which a
// component's own pod settings (PodSettings) replace field by field.
struct SchedulingSpec {
  nlohmann::json nodeSelector = nlohmann::json::object();  // label -> value
  nlohmann::json tolerations = nlohmann::json::array();    // core/v1 Toleration objects
  nlohmann::json affinity;                                 // core/v1 Affinity; null when unset
  std::string priorityClassName;
};

struct PlatformSpec {
  std::string version;
  ApiSpec api;
  FrontendSpec frontend;
  GatewaySpec gateway;
  DatabaseSpec database;
  CacheSpec cache;
  MonitoringSpec monitoring;
  RolloutSpec rollout;
  WhenDeleted whenDeleted = WhenDeleted::Retain;
  ImagesSpec images;
  SchedulingSpec scheduling;
};

struct Platform {
  ObjectMeta metadata;
  PlatformSpec spec;
};

}  // namespace po::platform
