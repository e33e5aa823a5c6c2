// NetworkPolicies: deny everything to and from the Platform's pods, then allow only the paths the
// stack needs (DNS, gateway -> api/frontend, api -> database/cache/AI providers, Prometheus scrapes).
#include <variant>

#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {

json pods_of(const Platform& p, Component c) { return {{"podSelector", {{"matchLabels", selector_labels(p, c)}}}}; }

json tcp_ports(std::initializer_list<std::variant<int, std::string_view>> ports) {
  json out = json::array();
  for (const auto& port : ports) {
    json entry = {{"protocol", "TCP"}};
    if (std::holds_alternative<int>(port)) entry["port"] = std::get<int>(port);
    else entry["port"] = std::get<std::string_view>(port);
    out.push_back(entry);
  }
  return out;
}

// Policies are labelled as the network component, whichever pods they select.
constexpr Component kNetwork{"a11y-platform", "network"};

json policy(const Platform& p, std::string name, json spec) {
  return {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "NetworkPolicy"}, {"metadata", object_meta(p, std::move(name), kNetwork)}, {"spec", std::move(spec)}};
}

// Ingress and egress rules for one component's pods.
json allow(const Platform& p, Component c, json ingress, json egress) {
  json types = json::array();
  json spec = {{"podSelector", {{"matchLabels", selector_labels(p, c)}}}};
  if (!ingress.empty()) {
    types.push_back("Ingress");
    spec["ingress"] = std::move(ingress);
  }
  if (!egress.empty()) {
    types.push_back("Egress");
    spec["egress"] = std::move(egress);
  }
  spec["policyTypes"] = types;
  return spec;
}

// Anywhere outside the cluster's private ranges is not known at render time; external services are
// reached by port, from anywhere.
json anywhere(json ports) { return {{"to", json::array({{{"ipBlock", {{"cidr", "0.0.0.0/0"}}}}})}, {"ports", std::move(ports)}}; }

}  // namespace

std::vector<DesiredObject> render_network(const Platform& p, const RenderOptions& options) {
  const PlatformSpec& s = p.spec;
  const std::string base = p.metadata.name;
  const bool monitoring = s.monitoring.enabled;
  const bool own_prometheus = monitoring && !use_service_monitors(s.monitoring, options);
  std::vector<DesiredObject> out;
  auto add = [&](std::string suffix, Component, json spec) {
    out.push_back(desired(Tier::Data, false, policy(p, base + "-" + suffix, std::move(spec))));
  };

  // Default deny for every pod of this Platform (and only those: other workloads in the namespace are not ours).
  add("default-deny", kNetwork,
      {{"podSelector", {{"matchLabels", {{"app.kubernetes.io/instance", base}, {"app.kubernetes.io/part-of", "a11y-platform"}}}}},
       {"policyTypes", json::array({"Ingress", "Egress"})},
       {"egress", json::array({{{"to", json::array({{{"namespaceSelector", json::object()},
                                                     {"podSelector", {{"matchLabels", {{"k8s-app", "kube-dns"}}}}}}})},
                                {"ports", json::array({{{"protocol", "UDP"}, {"port", 53}}, {{"protocol", "TCP"}, {"port", 53}}})}}})}});

  // Prometheus scrapes metrics ports: ours, or prometheus-operator's from whichever namespace it runs in.
  auto scraped_by_prometheus = [&](json ports) {
    json from = own_prometheus ? pods_of(p, kPrometheus) : json{{"namespaceSelector", json::object()}};
    return json{{"from", json::array({from})}, {"ports", std::move(ports)}};
  };

  {  // api
    json ingress = json::array();
    json from = json::array();
    if (s.gateway.enabled) from.push_back(pods_of(p, kGateway));
    if (s.frontend.enabled) from.push_back(pods_of(p, kFrontend));
    if (!from.empty()) ingress.push_back({{"from", from}, {"ports", tcp_ports({kApiPort})}});
    if (monitoring) ingress.push_back(scraped_by_prometheus(tcp_ports({kApiPort})));
    json egress = json::array();
    if (s.database.managed) egress.push_back({{"to", json::array({pods_of(p, kPostgres)})}, {"ports", tcp_ports({kPostgresPort})}});
    else egress.push_back(anywhere(tcp_ports({kPostgresPort})));
    if (s.cache.managed) egress.push_back({{"to", json::array({pods_of(p, kRedis)})}, {"ports", tcp_ports({kRedisPort})}});
    else egress.push_back(anywhere(tcp_ports({kRedisPort, 6380})));
    egress.push_back(anywhere(tcp_ports({443})));  // AI providers over HTTPS
    add("api", kApi, allow(p, kApi, ingress, egress));
  }
  if (s.frontend.enabled) {
    json ingress = json::array();
    if (s.gateway.enabled) ingress.push_back({{"from", json::array({pods_of(p, kGateway)})}, {"ports", tcp_ports({kFrontendPort})}});
    json egress = json::array({{{"to", json::array({pods_of(p, kApi)})}, {"ports", tcp_ports({kApiPort})}}});
    add("frontend", kFrontend, allow(p, kFrontend, ingress, egress));
  }
  if (s.gateway.enabled) {
    // Clients come from anywhere (Ingress controller, Gateway, load balancer).
    json ingress = json::array({{{"ports", tcp_ports({kGatewayHttpPort, kGatewayHttpsPort})}}});
    if (monitoring) ingress.push_back(scraped_by_prometheus(tcp_ports({kNginxExporterPort})));
    json egress = json::array({{{"to", json::array({pods_of(p, kApi)})}, {"ports", tcp_ports({kApiPort})}}});
    if (s.frontend.enabled) egress.push_back({{"to", json::array({pods_of(p, kFrontend)})}, {"ports", tcp_ports({kFrontendPort})}});
    add("gateway", kGateway, allow(p, kGateway, ingress, egress));
  }
  if (s.database.managed) {
    json ingress = json::array({{{"from", json::array({pods_of(p, kApi), pods_of(p, kBackup)})}, {"ports", tcp_ports({kPostgresPort})}}});
    if (monitoring) ingress.push_back(scraped_by_prometheus(tcp_ports({kPostgresExporterPort})));
    add("postgres", kPostgres, allow(p, kPostgres, ingress, json::array()));
    add("postgres-backup", kBackup,
        allow(p, kBackup, json::array(), json::array({{{"to", json::array({pods_of(p, kPostgres)})}, {"ports", tcp_ports({kPostgresPort})}}})));
  }
  if (s.cache.managed) {
    json ingress = json::array({{{"from", json::array({pods_of(p, kApi)})}, {"ports", tcp_ports({kRedisPort})}}});
    if (monitoring) ingress.push_back(scraped_by_prometheus(tcp_ports({kRedisExporterPort})));
    add("redis", kRedis, allow(p, kRedis, ingress, json::array()));
  }
  if (own_prometheus) {
    // Prometheus reads pods from the API server (port 443 or 6443) and scrapes the components.
    json egress = json::array({anywhere(tcp_ports({443, 6443}))});
    egress.push_back({{"to", json::array({pods_of(p, kApi)})}, {"ports", tcp_ports({kApiPort})}});
    if (s.gateway.enabled) egress.push_back({{"to", json::array({pods_of(p, kGateway)})}, {"ports", tcp_ports({kNginxExporterPort})}});
    if (s.database.managed) egress.push_back({{"to", json::array({pods_of(p, kPostgres)})}, {"ports", tcp_ports({kPostgresExporterPort})}});
    if (s.cache.managed) egress.push_back({{"to", json::array({pods_of(p, kRedis)})}, {"ports", tcp_ports({kRedisExporterPort})}});
    if (s.monitoring.alertmanagerEnabled) {
      egress.push_back({{"to", json::array({pods_of(p, kAlertmanager)})}, {"ports", tcp_ports({kAlertmanagerPort})}});
      // Alertmanager is read by people and tests (port-forward) and written to by this Prometheus only.
      add("alertmanager", kAlertmanager, allow(p, kAlertmanager, json::array({{{"ports", tcp_ports({kAlertmanagerPort})}}}), json::array()));
    } else if (!s.monitoring.alertmanagerUrl.empty()) {
      // Your Alertmanager, at whatever address and port its URL names.
      egress.push_back({{"to", json::array({{{"ipBlock", {{"cidr", "0.0.0.0/0"}}}}})}});
    }
    json ingress = json::array();
    if (s.monitoring.grafanaEnabled) ingress.push_back({{"from", json::array({pods_of(p, kGrafana)})}, {"ports", tcp_ports({kPrometheusPort})}});
    add("prometheus", kPrometheus, allow(p, kPrometheus, ingress, egress));
  }
  if (monitoring && s.monitoring.grafanaEnabled) {
    {
      // Grafana is reached by people (port-forward or an Ingress of their own) and reads Prometheus,
      // which may be prometheus-operator's in another namespace.
      json g_ingress = json::array({{{"ports", tcp_ports({kGrafanaPort})}}});
      json g_egress = json::array({{{"to", json::array({pods_of(p, kPrometheus)})}, {"ports", tcp_ports({kPrometheusPort})}},
                                   {{"to", json::array({{{"namespaceSelector", json::object()}}})}, {"ports", tcp_ports({kPrometheusPort})}}});
      add("grafana", kGrafana, allow(p, kGrafana, g_ingress, g_egress));
    }
  }
  return out;
}

}  // namespace po::platform
