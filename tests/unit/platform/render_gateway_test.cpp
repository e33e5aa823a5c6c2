#include <doctest/doctest.h>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

TEST_CASE("gateway: nginx.conf has the rate limits, 429, headers, gzip, caching and upstreams") {
  const Platform p = minimal();
  const std::string conf = render_nginx_conf(p);
  CHECK(contains(conf, "limit_req_zone $binary_remote_addr zone=api:10m rate=100r/m;"));
  CHECK(contains(conf, "limit_req_zone $binary_remote_addr zone=auth:10m rate=10r/m;"));
  CHECK(contains(conf, "limit_req_status 429;"));
  CHECK(contains(conf, "location /api/v1/auth/ {\n            limit_req zone=auth"));
  CHECK(contains(conf, "location /api/ {\n            limit_req zone=api"));
  CHECK(contains(conf, "add_header X-Content-Type-Options \"nosniff\" always;"));
  CHECK(contains(conf, "add_header X-Frame-Options \"DENY\" always;"));
  CHECK(contains(conf, "Content-Security-Policy"));
  CHECK(contains(conf, "gzip on;"));
  CHECK(contains(conf, "proxy_cache static;"));
  CHECK(contains(conf, "server minimal-api.default.svc.cluster.local:8000;"));
  CHECK(contains(conf, "server minimal-frontend.default.svc.cluster.local:3000;"));
  CHECK(contains(conf, "server_tokens off;"));
  // No TLS without a secret.
  CHECK_FALSE(contains(conf, "ssl_certificate"));
  CHECK_FALSE(contains(conf, "Strict-Transport-Security"));
}

TEST_CASE("gateway: TLS when a secret is named; rate limits follow the spec") {
  Platform p = sample();
  p.spec.gateway.apiPerMinute = 250;
  const std::string conf = render_nginx_conf(p);
  CHECK(contains(conf, "zone=api:10m rate=250r/m;"));
  CHECK(contains(conf, "listen 8443 ssl default_server;"));
  CHECK(contains(conf, "ssl_certificate /etc/nginx/tls/tls.crt;"));
  CHECK(contains(conf, "Strict-Transport-Security"));
  CHECK(contains(conf, "return 301 https://$host$request_uri;"));
  CHECK(contains(conf, "server_name a11y.example.com;"));

  const auto objects = render_gateway(p);
  const auto d = find(objects, "Deployment", "a11y-gateway");
  const auto& pod = d["spec"]["template"]["spec"];
  bool tls_volume = false;
  for (const auto& v : pod["volumes"]) tls_volume |= v.contains("secret") && v["secret"]["secretName"] == "a11y-tls";
  CHECK(tls_volume);
  CHECK(container(d, "nginx")["ports"].size() == 2);
  CHECK(container(d, "exporter")["ports"][0]["name"] == "metrics");
  const auto ingress = find(objects, "Ingress", "a11y-gateway");
  CHECK(ingress["spec"]["ingressClassName"] == "nginx");
  CHECK(ingress["spec"]["tls"][0]["secretName"] == "a11y-tls");
  CHECK(ingress["spec"]["rules"][0]["host"] == "a11y.example.com");
  CHECK(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTP");
}

TEST_CASE("gateway: the pod template carries a hash of nginx.conf so a config change rolls the pods") {
  Platform p = minimal();
  auto hash = [](const Platform& pl) {
    return find(render_gateway(pl), "Deployment", "minimal-gateway")["spec"]["template"]["metadata"]["annotations"]["platform.a11y.dev/config-hash"];
  };
  const auto before = hash(p);
  CHECK(before == hash(p));
  p.spec.gateway.authPerMinute = 20;
  CHECK(before != hash(p));
}

TEST_CASE("gateway: without a frontend every path goes to the api; HTTPRoute instead of Ingress") {
  Platform p = minimal();
  p.spec.frontend.enabled = false;
  p.spec.gateway.httpRouteParentRefs = nlohmann::json::array({{{"name", "public"}, {"namespace", "gateways"}}});
  p.spec.gateway.host = "a11y.local";
  const std::string conf = render_nginx_conf(p);
  CHECK_FALSE(contains(conf, "upstream frontend"));
  CHECK_FALSE(contains(conf, "proxy_pass http://frontend"));
  const auto objects = render_gateway(p);
  const auto route = find(objects, "HTTPRoute", "minimal-gateway");
  CHECK(route["apiVersion"] == "gateway.networking.k8s.io/v1");
  CHECK(route["spec"]["parentRefs"][0]["name"] == "public");
  CHECK(route["spec"]["hostnames"][0] == "a11y.local");
  CHECK(route["spec"]["rules"][0]["backendRefs"][0]["name"] == "minimal-gateway");
  CHECK_FALSE(has(objects, "Ingress", "minimal-gateway"));
}

TEST_CASE("gateway: disabled renders nothing") {
  Platform p = minimal();
  p.spec.gateway.enabled = false;
  CHECK(render_gateway(p).empty());
}
