#include <doctest/doctest.h>

#include <algorithm>

#include "platform_test_support.hpp"

using namespace po::platform;
using namespace po::platform::testing;

TEST_CASE("gateway: nginx.conf has the rate limits, 429, headers, gzip, caching and upstreams") {
  const Platform p = minimal();
  const std::string conf = render_nginx_conf(p);
  // Two replicas by default: each allows half of the per-client budget.
  CHECK(contains(conf, "limit_req_zone $binary_remote_addr zone=api:10m rate=50r/m;"));
  CHECK(contains(conf, "limit_req_zone $binary_remote_addr zone=auth:10m rate=5r/m;"));
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
  CHECK(contains(conf, "zone=api:10m rate=125r/m;"));
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

TEST_CASE("gateway: each replica gets its share of the per-client budget, spendable at once") {
  CHECK(gateway_rate_budget(100, 1).perMinute == 100);
  CHECK(gateway_rate_budget(100, 1).burst == 99);
  CHECK(gateway_rate_budget(100, 1).retryAfterSeconds == 1);
  CHECK(gateway_rate_budget(100, 3).perMinute == 33);  // rounded down: together never above the limit
  CHECK(gateway_rate_budget(10, 2).perMinute == 5);
  CHECK(gateway_rate_budget(10, 2).retryAfterSeconds == 12);
  CHECK(gateway_rate_budget(10, 1).retryAfterSeconds == 6);
  CHECK(gateway_rate_budget(3, 10).perMinute == 1);  // never zero
  CHECK(gateway_rate_budget(3, 10).burst == 0);
  CHECK(gateway_rate_budget(3, 10).retryAfterSeconds == 60);
  Platform p = minimal();
  p.spec.gateway.replicas = 1;
  const std::string conf = render_nginx_conf(p);
  CHECK(contains(conf, "zone=api:10m rate=100r/m;"));
  CHECK(contains(conf, "limit_req zone=api burst=99 nodelay;"));
  CHECK(contains(conf, "limit_req zone=auth burst=9 nodelay;"));
}

TEST_CASE("gateway: 429 is JSON with Retry-After; the limits key on the client behind trusted proxies") {
  Platform p = minimal();
  std::string conf = render_nginx_conf(p);
  CHECK(contains(conf, "error_page 429 = @api_rate_limited;"));
  CHECK(contains(conf, "error_page 429 = @auth_rate_limited;"));
  CHECK(contains(conf, "location @api_rate_limited {\n            default_type application/json;\n            add_header Retry-After 2 always;"));
  CHECK(contains(conf, "location @auth_rate_limited {\n            default_type application/json;\n            add_header Retry-After 12 always;"));
  CHECK(contains(conf, "return 429 '{\"error\":{\"code\":\"rate_limited\""));
  for (const char* cidr : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"})
    CHECK(contains(conf, std::string("set_real_ip_from ") + cidr + ";"));
  CHECK(contains(conf, "real_ip_header X-Forwarded-For;"));
  CHECK(contains(conf, "real_ip_recursive on;"));
  p.spec.gateway.trustedProxies = {};
  conf = render_nginx_conf(p);
  CHECK_FALSE(contains(conf, "set_real_ip_from"));
  CHECK_FALSE(contains(conf, "real_ip_header"));
}

TEST_CASE("gateway: CORS preflights answered for the configured origins only; HSTS only over HTTPS") {
  Platform p = sample();
  p.spec.gateway.corsAllowedOrigins = {"https://app.example.com", "http://localhost:3000"};
  const std::string conf = render_nginx_conf(p);
  CHECK(contains(conf, "map $http_origin $cors_allowed_origin {\n        default \"\";\n        \"https://app.example.com\" $http_origin;\n"
                       "        \"http://localhost:3000\" $http_origin;\n    }"));
  CHECK(contains(conf, "\"~^OPTIONS:.\" 1;"));
  CHECK(contains(conf, "location @cors_preflight {"));
  CHECK(contains(conf, "return 403 '{\"error\":{\"code\":\"cors_origin_not_allowed\""));
  CHECK(contains(conf, "add_header Access-Control-Allow-Methods \"GET, POST, OPTIONS\" always;"));
  // Two servers: HTTP (redirects) without HSTS, HTTPS with it.
  const auto https = conf.find("listen 8443 ssl");
  REQUIRE(https != std::string::npos);
  const auto http_server = conf.substr(0, https);
  const auto https_server = conf.substr(https);
  CHECK_FALSE(contains(http_server, "Strict-Transport-Security"));
  CHECK(contains(https_server, "add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;"));
  CHECK(contains(http_server, "return 301 https://$host$request_uri;"));
}

TEST_CASE("gateway: trusted proxies and CORS origins are validated before they reach nginx.conf") {
  Platform p = minimal();
  p.spec.gateway.trustedProxies = {"10.0.0.0/8", "10.0.0.1; evil", "::1/128"};
  p.spec.gateway.corsAllowedOrigins = {"https://ok.example", "https://x\" $y", "*"};
  const auto errors = validate(p);
  const auto has_field = [&](const std::string& f) {
    return std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == f; });
  };
  CHECK(has_field("spec.gateway.trustedProxies[1]"));
  CHECK_FALSE(has_field("spec.gateway.trustedProxies[0]"));
  CHECK_FALSE(has_field("spec.gateway.trustedProxies[2]"));
  CHECK(has_field("spec.gateway.cors.allowedOrigins[1]"));
  CHECK(has_field("spec.gateway.cors.allowedOrigins[2]"));
  CHECK_FALSE(has_field("spec.gateway.cors.allowedOrigins[0]"));
}

TEST_CASE("gateway: disabled renders nothing") {
  Platform p = minimal();
  p.spec.gateway.enabled = false;
  CHECK(render_gateway(p).empty());
}
