#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <vector>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

namespace {
const nlohmann::json& rule(const nlohmann::json& groups, const std::string& name) {
  for (const auto& r : groups[0]["rules"])
    if (r["alert"] == name) return r;
  throw std::runtime_error("no alert " + name);
}
}  // namespace

TEST_CASE("monitoring: alert rules use the spec's thresholds") {
  Platform p = sample();
  p.spec.monitoring.errorRatePercent = 2.5;
  p.spec.monitoring.latencySeconds = 0.75;
  p.spec.monitoring.resourcePercent = 90;
  const auto groups = render_alert_groups(p);
  const std::string err = rule(groups, "PlatformHighErrorRate")["expr"];
  CHECK(contains(err, "http_requests_total{namespace=\"a11y\",job=\"a11y-api\",route!~\"/health.*|/metrics\",code=~\"5..\"}"));
  CHECK(contains(err, "> 2.5"));
  const std::string lat = rule(groups, "PlatformHighLatency")["expr"];
  CHECK(contains(lat, "histogram_quantile(0.95"));
  CHECK(contains(lat, "http_request_duration_seconds_bucket"));
  CHECK(contains(lat, "> 0.75"));
  // The api limits are known at render time: 1 CPU and 512Mi.
  CHECK(contains(rule(groups, "PlatformApiCpuHigh")["expr"].get<std::string>(), "/ 1 > 90"));
  CHECK(contains(rule(groups, "PlatformApiMemoryHigh")["expr"].get<std::string>(), "/ 536870912 > 90"));
  CHECK(contains(rule(groups, "PlatformContainerMemoryHigh")["expr"].get<std::string>(), "> 90"));
  CHECK(contains(rule(groups, "PlatformTargetDown")["expr"].get<std::string>(), "up{namespace=\"a11y\",job=~\"a11y-.*\"} == 0"));
  CHECK(contains(rule(groups, "PlatformRolloutStuck")["expr"].get<std::string>(), "ProgressDeadlineExceeded") == false);
  CHECK(contains(rule(groups, "PlatformRolloutStuck")["expr"].get<std::string>(), "condition=\"Progressing\",status=\"false\""));
}

TEST_CASE("monitoring: the operator's Prometheus scrapes api, gateway, database and cache") {
  const Platform p = sample();
  const std::string config = render_prometheus_config(p);
  for (const char* job : {"job_name: a11y-api", "job_name: a11y-gateway", "job_name: a11y-postgres", "job_name: a11y-redis"})
    CHECK_MESSAGE(contains(config, job), job);
  CHECK(contains(config, "scrape_interval: 30s"));
  CHECK(contains(config, "/etc/prometheus/alerts.yml"));
  CHECK(contains(config, "role: pod"));

  const auto objects = render_monitoring(p, {});
  const auto cm = find(objects, "ConfigMap", "a11y-prometheus");
  CHECK(cm["data"]["prometheus.yml"] == config);
  CHECK(cm["data"]["alerts.yml"] == render_prometheus_rules(p));
  const auto d = find(objects, "Deployment", "a11y-prometheus");
  CHECK(d["spec"]["strategy"]["type"] == "Recreate");
  CHECK(contains(container(d, "prometheus")["args"].dump(), "--storage.tsdb.retention.time=15d"));
  CHECK(has(objects, "Role", "a11y-prometheus"));
  CHECK(has(objects, "RoleBinding", "a11y-prometheus"));
  CHECK_FALSE(find(objects, "PersistentVolumeClaim", "a11y-prometheus")["metadata"].contains("ownerReferences"));
  CHECK(count_kind(objects, "ServiceMonitor") == 0);
  CHECK(count_kind(objects, "PrometheusRule") == 0);
}

TEST_CASE("monitoring: ServiceMonitor and PrometheusRule when the CRDs exist (or are forced)") {
  Platform p = sample();
  RenderOptions with_crds;
  with_crds.monitoringCrdsAvailable = true;
  auto objects = render_monitoring(p, with_crds);
  CHECK(count_kind(objects, "ServiceMonitor") == 4);
  CHECK(find(objects, "ServiceMonitor", "a11y-api")["spec"]["endpoints"][0]["port"] == "http");
  CHECK(find(objects, "PrometheusRule", "a11y")["spec"]["groups"] == render_alert_groups(p));
  CHECK_FALSE(has(objects, "Deployment", "a11y-prometheus"));
  // Grafana points at prometheus-operator's Prometheus.
  CHECK(contains(find(objects, "ConfigMap", "a11y-grafana")["data"]["datasources.yaml"].get<std::string>(), with_crds.externalPrometheusUrl));

  p.spec.monitoring.serviceMonitors = ServiceMonitorMode::Disabled;
  CHECK(count_kind(render_monitoring(p, with_crds), "ServiceMonitor") == 0);
  p.spec.monitoring.serviceMonitors = ServiceMonitorMode::Enabled;
  CHECK(count_kind(render_monitoring(p, {}), "ServiceMonitor") == 4);
}

TEST_CASE("monitoring: Grafana has a datasource and a dashboard over the app's metrics") {
  const Platform p = sample();
  const auto objects = render_monitoring(p, {});
  const auto cm = find(objects, "ConfigMap", "a11y-grafana");
  CHECK(contains(cm["data"]["datasources.yaml"].get<std::string>(), "url: http://a11y-prometheus:9090"));
  const auto dashboard = nlohmann::json::parse(cm["data"]["platform-overview.json"].get<std::string>());
  std::string exprs;
  for (const auto& panel : dashboard["panels"])
    for (const auto& t : panel["targets"]) exprs += t["expr"].get<std::string>() + "\n";
  for (const char* metric : {"http_requests_total", "http_request_duration_seconds", "ml_prediction_duration_seconds", "audits_total"})
    CHECK_MESSAGE(contains(exprs, metric), metric);
  const auto d = find(objects, "Deployment", "a11y-grafana");
  CHECK(env_value(container(d, "grafana"), "GF_SECURITY_ADMIN_PASSWORD") == R"({"secretKeyRef":{"key":"admin-password","name":"a11y-grafana"}})");
}

TEST_CASE("monitoring: disabled renders nothing; Grafana can be turned off alone") {
  Platform p = minimal();
  p.spec.monitoring.grafanaEnabled = false;
  const auto objects = render_monitoring(p, {});
  CHECK_FALSE(has(objects, "Deployment", "minimal-grafana"));
  CHECK(has(objects, "Deployment", "minimal-prometheus"));
  p.spec.monitoring.enabled = false;
  CHECK(render_monitoring(p, {}).empty());
}

TEST_CASE("monitoring: every alert links to its runbook in docs/runbooks") {
  // All alerts the renderer can produce: the full sample has the api limits that turn on the
  // limit-based rules; the minimal sample takes the defaults.
  std::vector<nlohmann::json> groups_seen = {render_alert_groups(sample()), render_alert_groups(sample("platform-minimal.yaml"))};
  // With the Prometheus Operator's CRDs the same rules travel in a PrometheusRule object.
  Platform with_crds = sample();
  RenderOptions options;
  options.monitoringCrdsAvailable = true;
  const auto objects = render_monitoring(with_crds, options);
  REQUIRE(count_kind(objects, "PrometheusRule") == 1);
  for (const auto& o : objects)
    if (o.manifest["kind"] == "PrometheusRule") groups_seen.push_back(o.manifest["spec"]["groups"]);

  const std::string base(kRunbookBaseUrl);
  std::set<std::string> alerts;
  for (const auto& groups : groups_seen) {
    for (const auto& group : groups) {
      for (const auto& r : group["rules"]) {
        const std::string name = r["alert"];
        alerts.insert(name);
        REQUIRE_MESSAGE(r["annotations"].contains("runbook_url"), name << " has no runbook_url");
        const std::string url = r["annotations"]["runbook_url"];
        REQUIRE_MESSAGE(url.starts_with(base), url);
        CHECK(url.substr(base.size()) == name + ".md");
        const std::string page = source_path("docs/runbooks/" + name + ".md");
        REQUIRE_MESSAGE(std::ifstream(page).good(), "missing runbook " << page);
        // The page is about this alert: its title names it.
        const std::string text = read_text(page);
        CHECK_MESSAGE(text.starts_with("# " + name + "\n"), page << " does not start with '# " << name << "'");
      }
    }
  }
  // The limit-based rules are in the set, so this test covers every alert the renderer knows.
  CHECK(alerts.size() >= 8);
  CHECK(alerts.count("PlatformApiCpuHigh") == 1);
  CHECK(alerts.count("PlatformApiMemoryHigh") == 1);
}

TEST_CASE("monitoring: the operator's own Prometheus gets only rules over series it scrapes; service down covers zero targets") {
  const Platform p = sample();
  const auto builtin = render_alert_groups(p, false);
  std::set<std::string> names;
  for (const auto& r : builtin[0]["rules"]) names.insert(r["alert"].get<std::string>());
  CHECK(names.count("PlatformApiDown") == 1);
  CHECK(names.count("PlatformTargetDown") == 1);
  CHECK(names.count("PlatformContainerCpuHigh") == 0);
  CHECK(names.count("PlatformContainerMemoryHigh") == 0);
  CHECK(names.count("PlatformRolloutStuck") == 0);
  CHECK(render_prometheus_rules(p) == to_yaml({{"groups", builtin}}));
  const std::string down = rule(builtin, "PlatformApiDown")["expr"];
  CHECK(contains(down, "absent(up{namespace=\"a11y\",job=\"a11y-api\"})"));
  // The PrometheusRule of the ServiceMonitor mode has the cluster rules too.
  CHECK(rule(render_alert_groups(p, true), "PlatformRolloutStuck").is_object());
}

TEST_CASE("monitoring: the operator's Prometheus sends to its own Alertmanager, or to the one at the URL") {
  Platform p = sample();
  CHECK_FALSE(contains(render_prometheus_config(p), "alerting:"));
  CHECK_FALSE(has(render_monitoring(p, {}), "Deployment", "a11y-alertmanager"));

  p.spec.monitoring.alertmanagerEnabled = true;
  const std::string config = render_prometheus_config(p);
  CHECK(contains(config, "alerting:"));
  CHECK(contains(config, "- a11y-alertmanager:9093"));
  const auto objects = render_monitoring(p, {});
  const auto d = find(objects, "Deployment", "a11y-alertmanager");
  const auto c = container(d, "alertmanager");
  CHECK(c["image"] == "quay.io/prometheus/alertmanager:v0.28.1");
  CHECK(contains(c["args"].dump(), "--config.file=/etc/alertmanager/alertmanager.yml"));
  CHECK(c["readinessProbe"]["httpGet"]["path"] == "/-/ready");
  CHECK(c["securityContext"]["readOnlyRootFilesystem"] == true);
  CHECK(find(objects, "Service", "a11y-alertmanager")["spec"]["ports"][0]["port"] == 9093);
  CHECK(contains(find(objects, "ConfigMap", "a11y-alertmanager")["data"]["alertmanager.yml"].get<std::string>(), "receiver: platform"));
  // Its NetworkPolicy admits it, and Prometheus may reach it.
  const auto policies = render_network(p, {});
  CHECK(has(policies, "NetworkPolicy", "a11y-alertmanager"));
  CHECK(contains(find(policies, "NetworkPolicy", "a11y-prometheus")["spec"]["egress"].dump(), "\"app.kubernetes.io/name\":\"alertmanager\""));
  // An image override applies.
  p.spec.images.alertmanager = "localhost/platform-local/alertmanager:debian12";
  CHECK(container(find(render_monitoring(p, {}), "Deployment", "a11y-alertmanager"), "alertmanager")["image"] ==
        "localhost/platform-local/alertmanager:debian12");

  p.spec.monitoring.alertmanagerEnabled = false;
  p.spec.monitoring.alertmanagerUrl = "https://am.example.internal/team-a/";
  const std::string external = render_prometheus_config(p);
  CHECK(contains(external, "scheme: https"));
  CHECK(contains(external, "- am.example.internal:443"));
  CHECK(contains(external, "path_prefix: /team-a"));
  CHECK_FALSE(has(render_monitoring(p, {}), "Deployment", "a11y-alertmanager"));
}

TEST_CASE("monitoring: alerts.forSeconds replaces every alert's own pending time") {
  Platform p = sample();
  CHECK(rule(render_alert_groups(p), "PlatformHighLatency")["for"] == "10m");
  CHECK(rule(render_alert_groups(p), "PlatformApiDown")["for"] == "1m");
  p.spec.monitoring.alertForSeconds = 30;
  for (const auto& r : render_alert_groups(p)[0]["rules"]) CHECK_MESSAGE(r["for"] == "30s", r["alert"]);
}
