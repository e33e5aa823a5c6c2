// The monitoring component: Prometheus (scrape config, alert rules, RBAC for pod discovery, TSDB volume)
// and Grafana (datasource, dashboard), or ServiceMonitor/PrometheusRule objects for prometheus-operator.
#include "po/platform/spec.hpp"
#include "po/platform/yaml.hpp"
#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {

constexpr int kPrometheusUser = 65534;
constexpr int kGrafanaUser = 472;
constexpr int kAlertmanagerUser = 65534;

// The alerting section of prometheus.yml: the operator's Alertmanager, or the one at spec's url.
json alerting(const Platform& p) {
  const MonitoringSpec& m = p.spec.monitoring;
  std::string scheme = "http", host, path;
  if (m.alertmanagerEnabled) {
    host = names::alertmanager(p) + ":" + std::to_string(kAlertmanagerPort);
  } else {
    // Validated as http(s)://host[:port][/path].
    const std::string& url = m.alertmanagerUrl;
    const auto sep = url.find("://");
    scheme = url.substr(0, sep);
    const auto rest = url.substr(sep + 3);
    const auto slash = rest.find('/');
    host = rest.substr(0, slash);
    if (slash != std::string::npos) path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (host.find(':') == std::string::npos) host += scheme == "https" ? ":443" : ":80";
  }
  json am = {{"scheme", scheme}, {"timeout", "10s"}, {"api_version", "v2"}, {"static_configs", json::array({{{"targets", json::array({host})}}})}};
  if (!path.empty()) am["path_prefix"] = path;
  return {{"alertmanagers", json::array({am})}};
}

// Alertmanager's configuration: every alert of this Platform goes to one receiver, grouped by alert
// name. The receiver has no integration (nothing leaves the cluster): alerts are kept and shown by
// Alertmanager's API and UI. To be notified, send to your own Alertmanager with spec.monitoring.alertmanager.url.
std::string render_alertmanager_config(const Platform& p) {
  json config = {{"route", {{"receiver", "platform"}, {"group_by", json::array({"alertname", "namespace"})},
                            {"group_wait", "10s"}, {"group_interval", "1m"}, {"repeat_interval", "4h"}}},
                 {"receivers", json::array({{{"name", "platform"}}})}};
  (void)p;
  return to_yaml(config);
}

// The requests the error-rate and latency alerts judge: all but health checks and /metrics, which are
// not what users see (a readiness probe answers 503 by design while the schema is not migrated yet, on
// every start, which alone made the error ratio of a quiet api cross any threshold). Requests refused
// before routing (route "overloaded", "fault_injected", "unmatched") do count.
const std::string kApiRoutes = "route!~\"/health.*|/metrics\"";

// Selector of the api's series, the same in both modes: the job label is the Service/job name.
std::string api_series(const Platform& p, const std::string& extra = "") {
  std::string s = "namespace=\"" + p.metadata.namespace_ + "\",job=\"" + names::api(p) + "\"";
  if (!extra.empty()) s += "," + extra;
  return "{" + s + "}";
}

std::string platform_pods(const Platform& p) {
  return "namespace=\"" + p.metadata.namespace_ + "\",pod=~\"" + p.metadata.name + "-.*\"";
}

json alert(std::string name, std::string expr, std::string for_duration, std::string severity, std::string summary, std::string description) {
  std::string runbook = std::string(kRunbookBaseUrl) + name + ".md";
  return {{"alert", std::move(name)},
          {"expr", std::move(expr)},
          {"for", std::move(for_duration)},
          {"labels", {{"severity", std::move(severity)}}},
          {"annotations", {{"summary", std::move(summary)}, {"description", std::move(description)}, {"runbook_url", std::move(runbook)}}}};
}

// The rule group; spec.monitoring.alerts.forSeconds, when set, replaces every rule's own pending time.
json group_of(const Platform& p, json rules) {
  if (const auto seconds = p.spec.monitoring.alertForSeconds; seconds > 0)
    for (auto& r : rules) r["for"] = std::to_string(seconds) + "s";
  return json::array({{{"name", "a11y-platform." + p.metadata.namespace_ + "." + p.metadata.name}, {"rules", std::move(rules)}}});
}

// Scrape job for the pods of one component whose container port has the given name.
json pod_job(const Platform& p, const std::string& job, Component c, std::string_view port, const MonitoringSpec& m) {
  const std::string selector = "app.kubernetes.io/instance=" + p.metadata.name + ",app.kubernetes.io/name=" + std::string(c.name);
  return {{"job_name", job},
          {"scrape_interval", m.scrapeInterval},
          {"metrics_path", "/metrics"},
          {"kubernetes_sd_configs",
           json::array({{{"role", "pod"},
                         {"namespaces", {{"names", json::array({p.metadata.namespace_})}}},
                         {"selectors", json::array({{{"role", "pod"}, {"label", selector}}})}}})},
          {"relabel_configs",
           json::array({{{"source_labels", json::array({"__meta_kubernetes_pod_container_port_name"})}, {"regex", port}, {"action", "keep"}},
                        {{"source_labels", json::array({"__meta_kubernetes_pod_phase"})}, {"regex", "Running"}, {"action", "keep"}},
                        {{"source_labels", json::array({"__meta_kubernetes_namespace"})}, {"target_label", "namespace"}},
                        {{"source_labels", json::array({"__meta_kubernetes_pod_name"})}, {"target_label", "pod"}},
                        {{"source_labels", json::array({"__meta_kubernetes_pod_container_name"})}, {"target_label", "container"}}})}};
}

// metadata of a ServiceMonitor or PrometheusRule: the operator's labels plus the ones a Prometheus selects.
json prometheus_operator_meta(const Platform& p, const std::string& name, Component c) {
  json meta = object_meta(p, name, c);
  for (const auto& [key, value] : p.spec.monitoring.prometheusOperatorLabels)
    if (!meta["labels"].contains(key)) meta["labels"][key] = value;
  return meta;
}

json service_monitor(const Platform& p, const std::string& service, Component c, std::string_view port, const MonitoringSpec& m) {
  return {{"apiVersion", "monitoring.coreos.com/v1"},
          {"kind", "ServiceMonitor"},
          {"metadata", prometheus_operator_meta(p, service, c)},
          {"spec",
           {{"selector", {{"matchLabels", selector_labels(p, c)}}},
            {"namespaceSelector", {{"matchNames", json::array({p.metadata.namespace_})}}},
            {"endpoints", json::array({{{"port", port}, {"path", "/metrics"}, {"interval", m.scrapeInterval}}})}}}};
}

json timeseries_panel(int id, std::string title, std::string unit, json targets, int x, int y) {
  return {{"id", id},
          {"type", "timeseries"},
          {"title", std::move(title)},
          {"datasource", {{"type", "prometheus"}, {"uid", "prometheus"}}},
          {"gridPos", {{"h", 8}, {"w", 12}, {"x", x}, {"y", y}}},
          {"fieldConfig", {{"defaults", {{"unit", std::move(unit)}}}, {"overrides", json::array()}}},
          {"targets", std::move(targets)}};
}

json target(std::string expr, std::string legend, std::string ref) {
  return {{"expr", std::move(expr)}, {"legendFormat", std::move(legend)}, {"refId", std::move(ref)},
          {"datasource", {{"type", "prometheus"}, {"uid", "prometheus"}}}};
}

}  // namespace

bool use_service_monitors(const MonitoringSpec& monitoring, const RenderOptions& options) {
  switch (monitoring.serviceMonitors) {
    case ServiceMonitorMode::Enabled: return true;
    case ServiceMonitorMode::Disabled: return false;
    case ServiceMonitorMode::Auto: return options.monitoringCrdsAvailable;
  }
  return false;
}

json render_alert_groups(const Platform& p, bool cluster_metrics) {
  const MonitoringSpec& m = p.spec.monitoring;
  const std::string err = format_number(m.errorRatePercent);
  const std::string lat = format_number(m.latencySeconds);
  const std::string res = format_number(m.resourcePercent);
  const std::string pods = platform_pods(p);
  json rules = json::array();
  rules.push_back(alert("PlatformHighErrorRate",
                        "100 * sum(rate(http_requests_total" + api_series(p, kApiRoutes + ",code=~\"5..\"") + "[5m])) / sum(rate(http_requests_total" +
                            api_series(p, kApiRoutes) + "[5m])) > " + err,
                        "5m", "critical", "More than " + err + "% of API requests fail",
                        "{{ $value | printf \"%.1f\" }}% of requests to " + names::api(p) + " answered 5xx over the last 5 minutes."));
  rules.push_back(alert("PlatformHighLatency",
                        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket" + api_series(p, kApiRoutes) + "[5m]))) > " + lat,
                        "10m", "warning", "API p95 latency above " + lat + "s",
                        "The 95th percentile of " + names::api(p) + " request duration is {{ $value | printf \"%.2f\" }}s."));
  const Resources& api_res = p.spec.api.resources;
  if (auto cpu = parse_quantity_milli(api_res.limits.cpu); cpu && *cpu > 0) {
    rules.push_back(alert("PlatformApiCpuHigh",
                          "100 * rate(process_cpu_seconds_total" + api_series(p) + "[5m]) / " + format_number(static_cast<double>(*cpu / 1000)) + " > " + res,
                          "15m", "warning", "API pod uses more than " + res + "% of its CPU limit",
                          "{{ $labels.pod }} uses {{ $value | printf \"%.0f\" }}% of its CPU limit (" + api_res.limits.cpu + ")."));
  }
  if (auto mem = parse_quantity_milli(api_res.limits.memory); mem && *mem > 0) {
    rules.push_back(alert("PlatformApiMemoryHigh",
                          "100 * process_resident_memory_bytes" + api_series(p) + " / " + format_number(static_cast<double>(*mem / 1000)) + " > " + res,
                          "15m", "warning", "API pod uses more than " + res + "% of its memory limit",
                          "{{ $labels.pod }} uses {{ $value | printf \"%.0f\" }}% of its memory limit (" + api_res.limits.memory + ")."));
  }
  rules.push_back(alert("PlatformTargetDown",
                        "up{namespace=\"" + p.metadata.namespace_ + "\",job=~\"" + p.metadata.name + "-.*\"} == 0", "5m", "critical",
                        "A platform scrape target is down", "{{ $labels.job }} target {{ $labels.instance }} has been unreachable for 5 minutes."));
  // Service down: no api target answers, including none at all (scaled to zero, every pod gone), which
  // PlatformTargetDown cannot see because a target that does not exist has no `up` series.
  const std::string api_up = "up" + api_series(p);
  rules.push_back(alert("PlatformApiDown", "sum(" + api_up + ") == 0 or absent(" + api_up + ")", "1m", "critical",
                        "No API replica is up", "No " + names::api(p) + " target has answered a scrape for a minute: the audit API is down."));
  if (!cluster_metrics) return group_of(p, std::move(rules));
  // Container-level rules need cAdvisor and kube-state-metrics series: a kube-prometheus stack (the
  // ServiceMonitor mode) has both; the operator's own Prometheus scrapes neither, so it does not ship them.
  rules.push_back(alert("PlatformContainerCpuHigh",
                        "100 * sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{" + pods +
                            ",container!=\"\"}[5m])) / sum by (namespace, pod, container) (kube_pod_container_resource_limits{" + pods +
                            ",resource=\"cpu\"}) > " + res,
                        "15m", "warning", "Container uses more than " + res + "% of its CPU limit",
                        "{{ $labels.pod }}/{{ $labels.container }} uses {{ $value | printf \"%.0f\" }}% of its CPU limit."));
  rules.push_back(alert("PlatformContainerMemoryHigh",
                        "100 * sum by (namespace, pod, container) (container_memory_working_set_bytes{" + pods +
                            ",container!=\"\"}) / sum by (namespace, pod, container) (kube_pod_container_resource_limits{" + pods +
                            ",resource=\"memory\"}) > " + res,
                        "15m", "warning", "Container uses more than " + res + "% of its memory limit",
                        "{{ $labels.pod }}/{{ $labels.container }} uses {{ $value | printf \"%.0f\" }}% of its memory limit."));
  const std::string deployments = "namespace=\"" + p.metadata.namespace_ + "\",deployment=~\"" + p.metadata.name + "-.*\"";
  rules.push_back(alert("PlatformRolloutStuck",
                        "kube_deployment_status_condition{" + deployments + ",condition=\"Progressing\",status=\"false\"} == 1 or "
                        "(kube_deployment_spec_replicas{" + deployments + "} != kube_deployment_status_replicas_updated{" + deployments + "})",
                        std::to_string(p.spec.rollout.progressDeadlineSeconds / 60 + 5) + "m", "warning", "A platform rollout is stuck",
                        "Deployment {{ $labels.deployment }} has not finished rolling out within its progress deadline."));
  return group_of(p, std::move(rules));
}

std::string render_prometheus_rules(const Platform& p) { return to_yaml({{"groups", render_alert_groups(p, false)}}); }

std::string render_prometheus_config(const Platform& p) {
  const MonitoringSpec& m = p.spec.monitoring;
  json jobs = json::array();
  jobs.push_back({{"job_name", names::prometheus(p)}, {"static_configs", json::array({{{"targets", json::array({"localhost:9090"})}}})}});
  jobs.push_back(pod_job(p, names::api(p), kApi, "http", m));
  if (p.spec.gateway.enabled) jobs.push_back(pod_job(p, names::gateway(p), kGateway, "metrics", m));
  if (p.spec.database.managed) jobs.push_back(pod_job(p, names::postgres(p), kPostgres, "metrics", m));
  if (p.spec.cache.managed) jobs.push_back(pod_job(p, names::redis(p), kRedis, "metrics", m));
  json config = {{"global",
                  {{"scrape_interval", m.scrapeInterval},
                   {"evaluation_interval", m.scrapeInterval},
                   {"external_labels", {{"platform", p.metadata.name}, {"platform_namespace", p.metadata.namespace_}}}}},
                 {"rule_files", json::array({"/etc/prometheus/alerts.yml"})},
                 {"scrape_configs", jobs}};
  if (m.alertmanagerEnabled || !m.alertmanagerUrl.empty()) config["alerting"] = alerting(p);
  return to_yaml(config);
}

json render_grafana_dashboard(const Platform& p) {
  const std::string api = api_series(p);
  json panels = json::array();
  panels.push_back(timeseries_panel(1, "Requests per second by status", "reqps",
                                    json::array({target("sum by (code) (rate(http_requests_total" + api + "[5m]))", "{{code}}", "A")}), 0, 0));
  panels.push_back(timeseries_panel(2, "Error ratio (5xx)", "percentunit",
                                    json::array({target("sum(rate(http_requests_total" + api_series(p, "code=~\"5..\"") +
                                                            "[5m])) / sum(rate(http_requests_total" + api + "[5m]))", "5xx", "A")}), 12, 0));
  json latency = json::array();
  for (auto [q, ref] : {std::pair{"0.5", "A"}, std::pair{"0.95", "B"}, std::pair{"0.99", "C"}})
    latency.push_back(target(std::string("histogram_quantile(") + q + ", sum by (le) (rate(http_request_duration_seconds_bucket" + api + "[5m])))",
                             std::string("p") + (q == std::string("0.5") ? "50" : q == std::string("0.95") ? "95" : "99"), ref));
  panels.push_back(timeseries_panel(3, "Request latency", "s", latency, 0, 8));
  panels.push_back(timeseries_panel(4, "ML prediction latency (p95)", "s",
                                    json::array({target("histogram_quantile(0.95, sum by (le) (rate(ml_prediction_duration_seconds_bucket" + api +
                                                            "[5m])))", "p95", "A")}), 12, 8));
  panels.push_back(timeseries_panel(5, "Audits per minute", "short",
                                    json::array({target("sum(rate(audits_total" + api + "[5m])) * 60", "audits/min", "A")}), 0, 16));
  panels.push_back(timeseries_panel(6, "Scrape targets up", "short",
                                    json::array({target("sum by (job) (up{namespace=\"" + p.metadata.namespace_ + "\",job=~\"" + p.metadata.name + "-.*\"})",
                                                        "{{job}}", "A")}), 12, 16));
  panels.push_back(timeseries_panel(7, "Active users (distinct per minute)", "short",
                                    json::array({target("max(active_users" + api + ")", "users", "A")}), 0, 24));
  panels.push_back(timeseries_panel(8, "AI agent response time (p95)", "s",
                                    json::array({target("histogram_quantile(0.95, sum by (le) (rate(ai_agent_response_seconds_bucket" + api +
                                                            "[5m])))", "p95", "A")}), 12, 24));
  return {{"uid", "a11y-" + sha256_hex(p.metadata.namespace_ + "/" + p.metadata.name).substr(0, 12)},
          {"title", "Accessibility Platform: " + p.metadata.namespace_ + "/" + p.metadata.name},
          {"tags", json::array({"a11y-platform"})},
          {"timezone", "utc"},
          {"schemaVersion", 39},
          {"version", 1},
          {"refresh", "30s"},
          {"time", {{"from", "now-6h"}, {"to", "now"}}},
          {"panels", panels}};
}

// The Alertmanager the operator's Prometheus sends to (spec.monitoring.alertmanager.enabled): one
// replica, its silences and notification log in an emptyDir (lost on restart: alerts still firing are
// sent again by Prometheus within its resend delay).
std::vector<DesiredObject> render_alertmanager(const Platform& p) {
  const MonitoringSpec& m = p.spec.monitoring;
  const std::string name = names::alertmanager(p);
  json cm = config_map(p, name, kAlertmanager, {{"alertmanager.yml", render_alertmanager_config(p)}});
  json container = {
      {"name", "alertmanager"},
      {"image", image_ref(p, p.spec.images.alertmanager, kAlertmanagerImage)},
      {"imagePullPolicy", "IfNotPresent"},
      {"args", json::array({"--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager",
                            "--web.listen-address=:" + std::to_string(kAlertmanagerPort), "--cluster.listen-address="})},
      {"ports", json::array({{{"name", "http"}, {"containerPort", kAlertmanagerPort}, {"protocol", "TCP"}}})},
      {"resources", resources_json(m.alertmanagerResources)},
      {"livenessProbe", http_probe("/-/healthy", "http", 15, 4, 10)},
      {"readinessProbe", http_probe("/-/ready", "http", 5, 3)},
      {"securityContext", container_security_context(kAlertmanagerUser)},
      {"volumeMounts", json::array({{{"name", "config"}, {"mountPath", "/etc/alertmanager"}, {"readOnly", true}},
                                    {{"name", "data"}, {"mountPath", "/alertmanager"}}})},
  };
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", object_meta(p, name, kAlertmanager)},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", selector_labels(p, kAlertmanager)}}},
        {"progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds},
        {"revisionHistoryLimit", 3},
        {"template",
         {{"metadata", {{"labels", labels(p, kAlertmanager)}, {"annotations", {{kConfigHashAnnotation, config_hash(cm)}}}}},
          {"spec",
           {{"automountServiceAccountToken", false},
            {"securityContext", pod_security_context(kAlertmanagerUser)},
            {"containers", json::array({container})},
            {"volumes", json::array({{{"name", "config"}, {"configMap", {{"name", name}}}},
                                     {{"name", "data"}, {"emptyDir", {{"sizeLimit", "64Mi"}}}}})}}}}}}},
  };
  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::Monitoring, true, cm));
  out.push_back(desired(Tier::Monitoring, true,
                        service(p, name, kAlertmanager, json::array({{{"name", "http"}, {"port", kAlertmanagerPort}, {"targetPort", "http"}, {"protocol", "TCP"}}}))));
  out.push_back(desired(Tier::Monitoring, true, deployment));
  return out;
}

std::vector<DesiredObject> render_monitoring(const Platform& p, const RenderOptions& options) {
  const MonitoringSpec& m = p.spec.monitoring;
  if (!m.enabled) return {};
  std::vector<DesiredObject> out;
  const bool operator_stack = use_service_monitors(m, options);
  std::string prometheus_url = m.externalPrometheusUrl.empty() ? options.externalPrometheusUrl : m.externalPrometheusUrl;

  if (operator_stack) {
    out.push_back(desired(Tier::Monitoring, true, service_monitor(p, names::api(p), kApi, "http", m)));
    if (p.spec.gateway.enabled) out.push_back(desired(Tier::Monitoring, true, service_monitor(p, names::gateway(p), kGateway, "metrics", m)));
    if (p.spec.database.managed) out.push_back(desired(Tier::Monitoring, true, service_monitor(p, names::postgres(p), kPostgres, "metrics", m)));
    if (p.spec.cache.managed) out.push_back(desired(Tier::Monitoring, true, service_monitor(p, names::redis(p), kRedis, "metrics", m)));
    out.push_back(desired(Tier::Monitoring, true,
                          {{"apiVersion", "monitoring.coreos.com/v1"},
                           {"kind", "PrometheusRule"},
                           {"metadata", prometheus_operator_meta(p, p.metadata.name, kPrometheus)},
                           {"spec", {{"groups", render_alert_groups(p, true)}}}}));
  } else {
    const std::string name = names::prometheus(p);
    prometheus_url = "http://" + name + ":" + std::to_string(kPrometheusPort);
    json cm = config_map(p, name, kPrometheus, {{"prometheus.yml", render_prometheus_config(p)}, {"alerts.yml", render_prometheus_rules(p)}});
    json role = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"kind", "Role"},
                 {"metadata", object_meta(p, name, kPrometheus)},
                 {"rules", json::array({{{"apiGroups", json::array({""})},
                                         {"resources", json::array({"pods", "services", "endpoints"})},
                                         {"verbs", json::array({"get", "list", "watch"})}}})}};
    json binding = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                    {"kind", "RoleBinding"},
                    {"metadata", object_meta(p, name, kPrometheus)},
                    {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", name}}},
                    {"subjects", json::array({{{"kind", "ServiceAccount"}, {"name", name}, {"namespace", p.metadata.namespace_}}})}};
    json container = {
        {"name", "prometheus"},
        {"image", image_ref(p, p.spec.images.prometheus, kPrometheusImage)},
        {"imagePullPolicy", "IfNotPresent"},
        {"args", json::array({"--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
                              "--storage.tsdb.retention.time=" + m.retention, "--web.listen-address=:" + std::to_string(kPrometheusPort)})},
        {"ports", json::array({{{"name", "http"}, {"containerPort", kPrometheusPort}, {"protocol", "TCP"}}})},
        {"resources", resources_json(m.prometheusResources)},
        {"livenessProbe", http_probe("/-/healthy", "http", 15, 4, 10)},
        {"readinessProbe", http_probe("/-/ready", "http", 5, 3)},
        {"securityContext", container_security_context(kPrometheusUser)},
        {"volumeMounts", json::array({{{"name", "config"}, {"mountPath", "/etc/prometheus"}, {"readOnly", true}},
                                      {{"name", "data"}, {"mountPath", "/prometheus"}}})},
    };
    json deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", object_meta(p, name, kPrometheus)},
        {"spec",
         {{"replicas", 1},
          {"selector", {{"matchLabels", selector_labels(p, kPrometheus)}}},
          {"progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds},
          {"revisionHistoryLimit", 3},
          // One writer per TSDB volume: the old pod must stop before the new one starts.
          {"strategy", {{"type", "Recreate"}}},
          {"template",
           {{"metadata", {{"labels", labels(p, kPrometheus)}, {"annotations", {{kConfigHashAnnotation, config_hash(cm)}}}}},
            {"spec",
             {{"serviceAccountName", name},
              {"securityContext", pod_security_context(kPrometheusUser)},
              {"containers", json::array({container})},
              {"volumes", json::array({{{"name", "config"}, {"configMap", {{"name", name}}}},
                                       {{"name", "data"}, {"persistentVolumeClaim", {{"claimName", name}}}}})}}}}}}},
    };
    out.push_back(desired(Tier::Monitoring, false, persistent_volume_claim(p, name, kPrometheus, m.prometheusStorage)));
    out.push_back(desired(Tier::Monitoring, true, {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", object_meta(p, name, kPrometheus)}}));
    out.push_back(desired(Tier::Monitoring, true, role));
    out.push_back(desired(Tier::Monitoring, true, binding));
    out.push_back(desired(Tier::Monitoring, true, cm));
    out.push_back(desired(Tier::Monitoring, true,
                          service(p, name, kPrometheus, json::array({{{"name", "http"}, {"port", kPrometheusPort}, {"targetPort", "http"}, {"protocol", "TCP"}}}))));
    out.push_back(desired(Tier::Monitoring, true, deployment));
    if (m.alertmanagerEnabled) {
      for (auto& o : render_alertmanager(p)) out.push_back(std::move(o));
    }
  }

  if (m.dashboardConfigMap) {
    // The same dashboard for a Grafana of the cluster's own, whose sidecar loads ConfigMaps by label.
    json cm = config_map(p, names::grafana_dashboard(p), kGrafana,
                         {{"a11y-platform-" + p.metadata.namespace_ + "-" + p.metadata.name + ".json", render_grafana_dashboard(p).dump(2) + "\n"}});
    for (const auto& [key, value] : m.dashboardLabels)
      if (!cm["metadata"]["labels"].contains(key)) cm["metadata"]["labels"][key] = value;
    if (!m.dashboardAnnotations.empty()) cm["metadata"]["annotations"] = m.dashboardAnnotations;
    out.push_back(desired(Tier::Monitoring, true, std::move(cm)));
  }

  if (m.grafanaEnabled) {
    const std::string name = names::grafana(p);
    json datasources = {{"apiVersion", 1},
                        {"datasources", json::array({{{"name", "Prometheus"}, {"type", "prometheus"}, {"uid", "prometheus"}, {"access", "proxy"},
                                                      {"url", prometheus_url}, {"isDefault", true}, {"editable", false}}})}};
    json providers = {{"apiVersion", 1},
                      {"providers", json::array({{{"name", "a11y-platform"}, {"type", "file"}, {"disableDeletion", true},
                                                  {"allowUiUpdates", false}, {"options", {{"path", "/etc/grafana/dashboards"}}}}})}};
    json cm = config_map(p, name, kGrafana,
                         {{"datasources.yaml", to_yaml(datasources)}, {"dashboards.yaml", to_yaml(providers)},
                          {"platform-overview.json", render_grafana_dashboard(p).dump(2) + "\n"}});
    json env = json::array({env_from_secret("GF_SECURITY_ADMIN_USER", name, "admin-user"),
                            env_from_secret("GF_SECURITY_ADMIN_PASSWORD", name, "admin-password"),
                            {{"name", "GF_PATHS_DATA"}, {"value", "/var/lib/grafana"}},
                            {{"name", "GF_PATHS_LOGS"}, {"value", "/var/log/grafana"}},
                            {{"name", "GF_USERS_ALLOW_SIGN_UP"}, {"value", "false"}},
                            {{"name", "GF_ANALYTICS_REPORTING_ENABLED"}, {"value", "false"}},
                            {{"name", "GF_ANALYTICS_CHECK_FOR_UPDATES"}, {"value", "false"}}});
    json container = {
        {"name", "grafana"},
        {"image", image_ref(p, p.spec.images.grafana, kGrafanaImage)},
        {"imagePullPolicy", "IfNotPresent"},
        {"env", env},
        {"ports", json::array({{{"name", "http"}, {"containerPort", kGrafanaPort}, {"protocol", "TCP"}}})},
        {"resources", resources_json(m.grafanaResources)},
        {"livenessProbe", http_probe("/api/health", "http", 15, 4, 10)},
        {"readinessProbe", http_probe("/api/health", "http", 5, 3)},
        {"securityContext", container_security_context(kGrafanaUser)},
        {"volumeMounts", json::array({{{"name", "provisioning"}, {"mountPath", "/etc/grafana/provisioning"}, {"readOnly", true}},
                                      {{"name", "dashboards"}, {"mountPath", "/etc/grafana/dashboards"}, {"readOnly", true}},
                                      {{"name", "data"}, {"mountPath", "/var/lib/grafana"}},
                                      {{"name", "logs"}, {"mountPath", "/var/log/grafana"}},
                                      {{"name", "tmp"}, {"mountPath", "/tmp"}}})},
    };
    json volumes = json::array(
        {{{"name", "provisioning"},
          {"configMap", {{"name", name}, {"items", json::array({{{"key", "datasources.yaml"}, {"path", "datasources/datasources.yaml"}},
                                                                {{"key", "dashboards.yaml"}, {"path", "dashboards/dashboards.yaml"}}})}}}},
         {{"name", "dashboards"}, {"configMap", {{"name", name}, {"items", json::array({{{"key", "platform-overview.json"}, {"path", "platform-overview.json"}}})}}}},
         {{"name", "data"}, {"emptyDir", json::object()}},
         {{"name", "logs"}, {"emptyDir", json::object()}},
         {{"name", "tmp"}, {"emptyDir", json::object()}}});
    json deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", object_meta(p, name, kGrafana)},
        {"spec",
         {{"replicas", 1},
          {"selector", {{"matchLabels", selector_labels(p, kGrafana)}}},
          {"progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds},
          {"revisionHistoryLimit", 3},
          {"template",
           {{"metadata", {{"labels", labels(p, kGrafana)}, {"annotations", {{kConfigHashAnnotation, config_hash(cm)}}}}},
            {"spec",
             {{"automountServiceAccountToken", false},
              {"securityContext", pod_security_context(kGrafanaUser)},
              {"containers", json::array({container})},
              {"volumes", volumes}}}}}}},
    };
    out.push_back(desired(Tier::Monitoring, true, cm));
    out.push_back(desired(Tier::Monitoring, true,
                          service(p, name, kGrafana, json::array({{{"name", "http"}, {"port", kGrafanaPort}, {"targetPort", "http"}, {"protocol", "TCP"}}}))));
    out.push_back(desired(Tier::Monitoring, true, deployment));
  }
  return out;
}

}  // namespace po::platform
