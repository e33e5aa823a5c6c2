// Fitting into a cluster's own monitoring: labels a prometheus-operator Prometheus selects, the external
// Prometheus URL, and the dashboard as a ConfigMap for a Grafana sidecar.
#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;
using nlohmann::json;

namespace {
Platform with_monitoring(const std::string& monitoring) {
  return platform_from_yaml(R"(
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: m, namespace: ns}
spec:
  version: "1.0.0"
  monitoring:
)" + monitoring);
}
RenderOptions crds() {
  RenderOptions options;
  options.monitoringCrdsAvailable = true;
  return options;
}
}  // namespace

TEST_CASE("monitoring integration: ServiceMonitors and the PrometheusRule carry the labels a Prometheus selects") {
  const Platform p = with_monitoring("    prometheusOperator:\n      labels: {release: kube-prometheus-stack}\n");
  const auto objects = render_monitoring(p, crds());
  std::size_t labelled = 0;
  for (const auto& o : objects) {
    const std::string kind = o.manifest["kind"];
    if (kind != "ServiceMonitor" && kind != "PrometheusRule") continue;
    CAPTURE(o.manifest["metadata"]["name"]);
    CHECK(o.manifest["metadata"]["labels"]["release"] == "kube-prometheus-stack");
    CHECK(o.manifest["metadata"]["labels"]["app.kubernetes.io/instance"] == "m");
    ++labelled;
  }
  CHECK(labelled == 5);
  // Nothing else gets them.
  CHECK_FALSE(find(render(p, crds()), "Deployment", "m-api")["metadata"]["labels"].contains("release"));
}

TEST_CASE("monitoring integration: the external Prometheus URL is Grafana's datasource in ServiceMonitor mode") {
  const Platform p = with_monitoring("    externalPrometheusUrl: http://prometheus.observability.svc:9090\n");
  const auto cm = find(render_monitoring(p, crds()), "ConfigMap", "m-grafana");
  CHECK(contains(cm["data"]["datasources.yaml"].get<std::string>(), "url: http://prometheus.observability.svc:9090"));
  // Without it, the render option's default (kube-prometheus-stack's Service).
  const auto fallback = find(render_monitoring(with_monitoring("    enabled: true\n"), crds()), "ConfigMap", "m-grafana");
  CHECK(contains(fallback["data"]["datasources.yaml"].get<std::string>(), RenderOptions{}.externalPrometheusUrl));
  // The operator's own Prometheus wins when it runs one.
  const auto own = find(render_monitoring(p, {}), "ConfigMap", "m-grafana");
  CHECK(contains(own["data"]["datasources.yaml"].get<std::string>(), "url: http://m-prometheus:9090"));

  auto docs = yaml_documents(R"(
apiVersion: platform.a11y.dev/v1alpha1
kind: Platform
metadata: {name: m}
spec: {version: "1", monitoring: {externalPrometheusUrl: "prometheus:9090"}}
)");
  CHECK(to_string(parse_and_validate(docs.front()).errors).find("spec.monitoring.externalPrometheusUrl") != std::string::npos);
}

TEST_CASE("monitoring integration: the dashboard ConfigMap carries the sidecar's label, with or without the operator's Grafana") {
  for (const bool grafana : {true, false}) {
    CAPTURE(grafana);
    Platform p = with_monitoring("    enabled: true\n");
    p.spec.monitoring.grafanaEnabled = grafana;
    const auto objects = render_monitoring(p, {});
    const auto cm = find(objects, "ConfigMap", "m-grafana-dashboard");
    CHECK(cm["metadata"]["labels"]["grafana_dashboard"] == "1");
    CHECK(cm["metadata"]["labels"]["app.kubernetes.io/instance"] == "m");
    const auto dashboard = json::parse(cm["data"]["a11y-platform-ns-m.json"].get<std::string>());
    CHECK(dashboard == render_grafana_dashboard(p));
    CHECK(has(objects, "Deployment", "m-grafana") == grafana);
  }
  const Platform custom = with_monitoring(R"(    grafana:
      dashboardConfigMap:
        labels: {dashboards: platform}
        annotations: {grafana_folder: Platforms}
)");
  const auto cm = find(render_monitoring(custom, {}), "ConfigMap", "m-grafana-dashboard");
  CHECK_FALSE(cm["metadata"]["labels"].contains("grafana_dashboard"));  // the labels replace the default
  CHECK(cm["metadata"]["labels"]["dashboards"] == "platform");
  CHECK(cm["metadata"]["annotations"]["grafana_folder"] == "Platforms");
  const Platform off = with_monitoring("    grafana: {dashboardConfigMap: {enabled: false}}\n");
  CHECK_FALSE(has(render_monitoring(off, {}), "ConfigMap", "m-grafana-dashboard"));
}
