// The gateway component: nginx reverse proxy (rate limits, security headers, gzip, static caching,
// TLS), its ConfigMap, Deployment with a metrics exporter, Service, PDB and optional Ingress/HTTPRoute.
#include <algorithm>
#include <sstream>

#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {

constexpr const char* kHsts = "max-age=31536000; includeSubDomains";

// add_header in a location replaces the server's, so every block that adds headers repeats these.
// HSTS only where the answer went over HTTPS: browsers ignore it on plain HTTP, and it must not suggest
// that plain HTTP is served.
std::string security_headers(const std::string& indent, bool https) {
  std::ostringstream h;
  h << indent << "add_header X-Content-Type-Options \"nosniff\" always;\n"
    << indent << "add_header X-Frame-Options \"DENY\" always;\n"
    << indent << "add_header Referrer-Policy \"strict-origin-when-cross-origin\" always;\n"
    << indent << "add_header Permissions-Policy \"camera=(), microphone=(), geolocation=()\" always;\n"
    << indent
    << "add_header Content-Security-Policy \"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'\" always;\n";
  if (https) h << indent << "add_header Strict-Transport-Security \"" << kHsts << "\" always;\n";
  return h.str();
}

// What the api answers cross-origin requests from an allowed origin (an empty value sends no header).
std::string cors_headers(const std::string& indent) {
  return indent + "add_header Access-Control-Allow-Origin $cors_allowed_origin always;\n" + indent +
         "add_header Vary Origin always;\n";
}

std::string proxy_headers(const std::string& indent) {
  return indent + "proxy_http_version 1.1;\n" + indent + "proxy_set_header Connection \"\";\n" + indent +
         "proxy_set_header Host $http_host;\n" + indent + "proxy_set_header X-Real-IP $remote_addr;\n" + indent +
         "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n" + indent +
         "proxy_set_header X-Forwarded-Proto $scheme;\n" + indent + "proxy_set_header X-Request-ID $request_id;\n";
}

}  // namespace

RateBudget gateway_rate_budget(std::int32_t per_minute, std::int32_t replicas) {
  // nginx keeps its limit_req counters per process and replicas share nothing, so each replica gets an
  // equal share: N replicas together never let one client past the configured rate. A client whose
  // requests all reach one replica (one keep-alive connection) gets that replica's share.
  RateBudget b;
  b.perMinute = std::max<std::int32_t>(1, per_minute / std::max<std::int32_t>(1, replicas));
  b.burst = b.perMinute - 1;  // the whole share may be spent at once; then one more each 60/share s
  b.retryAfterSeconds = (60 + b.perMinute - 1) / b.perMinute;
  return b;
}

namespace {

// A limited location: its zone, the JSON 429 (error_page to a named location) and the CORS preflight.
std::string limited_location(const Platform& p, const std::string& path, const std::string& zone, bool https) {
  const std::string in = "        ";
  std::ostringstream s;
  s << "    location " << path << " {\n"
    << in << "limit_req zone=" << zone << " burst=" << (zone == "auth" ? gateway_rate_budget(p.spec.gateway.authPerMinute, p.spec.gateway.replicas)
                                                                    : gateway_rate_budget(p.spec.gateway.apiPerMinute, p.spec.gateway.replicas)).burst
    << " nodelay;\n"
    << in << "error_page 429 = @" << zone << "_rate_limited;\n"
    << in << "error_page 418 = @cors_preflight;\n"
    << in << "if ($cors_preflight) {\n" << in << "    return 418;\n" << in << "}\n"
    << cors_headers(in) << security_headers(in, https)
    << in << "proxy_pass http://api;\n    }\n\n";
  return s.str();
}

std::string rate_limited_location(const Platform& p, const std::string& zone, bool https) {
  const GatewaySpec& g = p.spec.gateway;
  const RateBudget b = gateway_rate_budget(zone == "auth" ? g.authPerMinute : g.apiPerMinute, g.replicas);
  const std::string in = "        ";
  std::ostringstream s;
  s << "    location @" << zone << "_rate_limited {\n"
    << in << "default_type application/json;\n"
    << in << "add_header Retry-After " << b.retryAfterSeconds << " always;\n"
    << cors_headers(in) << security_headers(in, https)
    << in << "return 429 '{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many " << (zone == "auth" ? "authentication " : "")
    << "requests from this client; retry after " << b.retryAfterSeconds << " s\",\"requestId\":\"$request_id\"}}';\n    }\n\n";
  return s.str();
}

// Preflights (OPTIONS with Access-Control-Request-Method) are answered here and never reach the api:
// 204 with the CORS headers for an origin in gateway.cors.allowedOrigins, 403 with a JSON body otherwise.
std::string cors_preflight_location(bool https) {
  const std::string in = "        ";
  std::ostringstream s;
  s << "    location @cors_preflight {\n"
    << in << "default_type application/json;\n"
    << in << "if ($cors_allowed_origin = \"\") {\n"
    << in << "    add_header Vary Origin always;\n" << security_headers(in + "    ", https)
    << in << "    return 403 '{\"error\":{\"code\":\"cors_origin_not_allowed\",\"message\":\"this origin may not call the API\",\"requestId\":\"$request_id\"}}';\n"
    << in << "}\n"
    << cors_headers(in)
    << in << "add_header Access-Control-Allow-Methods \"GET, POST, OPTIONS\" always;\n"
    << in << "add_header Access-Control-Allow-Headers \"Authorization, Content-Type, X-Request-ID\" always;\n"
    << in << "add_header Access-Control-Max-Age 600 always;\n"
    << security_headers(in, https)
    << in << "return 204;\n    }\n\n";
  return s.str();
}

std::string locations(const Platform& p, bool https) {
  const bool frontend = p.spec.frontend.enabled;
  const std::string site = frontend ? "frontend" : "api";
  const std::string in = "        ";
  std::ostringstream s;
  s << "    location = /healthz {\n" << in << "access_log off;\n" << in << "default_type text/plain;\n" << in << "return 200 \"ok\\n\";\n    }\n\n";
  s << "    # Metrics stay inside the cluster (Prometheus scrapes the pods directly).\n"
    << "    location = /metrics {\n" << in << "return 404;\n    }\n\n";
  s << limited_location(p, "/api/v1/auth/", "auth", https) << limited_location(p, "/api/", "api", https);
  s << rate_limited_location(p, "auth", https) << rate_limited_location(p, "api", https) << cors_preflight_location(https);
  s << "    location /health {\n" << in << "proxy_pass http://api;\n    }\n\n";
  s << "    location ~* \\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf)$ {\n"
    << in << "proxy_cache static;\n" << in << "proxy_cache_valid 200 301 302 10m;\n" << in << "proxy_cache_use_stale error timeout updating;\n"
    << in << "expires 7d;\n" << in << "add_header Cache-Control \"public, max-age=604800, immutable\" always;\n"
    << in << "add_header X-Cache-Status $upstream_cache_status always;\n" << security_headers(in, https)
    << in << "proxy_pass http://" << site << ";\n    }\n\n";
  s << "    location / {\n" << in << "proxy_pass http://" << site << ";\n    }\n";
  return s.str();
}

std::string indented(const std::string& text) {
  std::string body;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) body += (line.empty() ? "" : "    ") + line + "\n";
  return body;
}

}  // namespace

std::string render_nginx_conf(const Platform& p) {
  const GatewaySpec& g = p.spec.gateway;
  const std::string server_name = g.host.empty() ? "_" : g.host;
  const RateBudget api = gateway_rate_budget(g.apiPerMinute, g.replicas);
  const RateBudget auth = gateway_rate_budget(g.authPerMinute, g.replicas);
  std::ostringstream c;
  c << "# nginx.conf rendered by platform-operator for Platform " << p.metadata.namespace_ << "/" << p.metadata.name << ".\n"
    << "# Runs unprivileged (nginx-unprivileged image): high ports, pid and temp files under /tmp.\n"
    << "worker_processes auto;\n"
    << "pid /tmp/nginx.pid;\n"
    << "error_log /dev/stderr warn;\n\n"
    // A proxied request holds two connections (client and upstream): 1,000 concurrent clients need about
    // 2,000 in one worker; at nginx's default of 1024 it reuses (closes) clients' keep-alive connections
    // and answers 500 when no connection is left for the upstream.
    << "worker_rlimit_nofile 10240;\n\n"
    << "events {\n    worker_connections 4096;\n}\n\n"
    << "http {\n"
    << "    include /etc/nginx/mime.types;\n"
    << "    default_type application/octet-stream;\n"
    << "    client_body_temp_path /tmp/client_temp;\n"
    << "    proxy_temp_path /tmp/proxy_temp;\n"
    << "    fastcgi_temp_path /tmp/fastcgi_temp;\n"
    << "    uwsgi_temp_path /tmp/uwsgi_temp;\n"
    << "    scgi_temp_path /tmp/scgi_temp;\n\n"
    << "    log_format main '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent '\n"
    << "                    '\"$http_referer\" \"$http_user_agent\" rt=$request_time id=$request_id';\n"
    << "    access_log /dev/stdout main;\n\n"
    << "    sendfile on;\n    tcp_nopush on;\n    keepalive_timeout 65;\n    server_tokens off;\n"
    << "    client_max_body_size 10m;\n    client_header_timeout 10s;\n    client_body_timeout 30s;\n\n"
    << "    gzip on;\n    gzip_comp_level 5;\n    gzip_min_length 1024;\n    gzip_proxied any;\n    gzip_vary on;\n"
    << "    gzip_types text/plain text/css text/xml application/json application/javascript application/xml image/svg+xml;\n\n";
  if (!g.trustedProxies.empty()) {
    c << "    # The client is the rightmost X-Forwarded-For address not sent by a trusted proxy (gateway.trustedProxies);\n"
      << "    # the rate limits below key on it.\n";
    for (const std::string& cidr : g.trustedProxies) c << "    set_real_ip_from " << cidr << ";\n";
    c << "    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n\n";
  }
  c << "    # Per-client request limits, over the limit a JSON 429 with Retry-After. Each of the " << g.replicas
    << " replica(s) counts alone,\n"
    << "    # so each allows its share: api " << g.apiPerMinute << "/min -> " << api.perMinute << "/min, auth " << g.authPerMinute
    << "/min -> " << auth.perMinute << "/min.\n"
    << "    limit_req_zone $binary_remote_addr zone=api:10m rate=" << api.perMinute << "r/m;\n"
    << "    limit_req_zone $binary_remote_addr zone=auth:10m rate=" << auth.perMinute << "r/m;\n"
    << "    limit_req_status 429;\n    limit_req_log_level warn;\n\n"
    << "    # CORS: origins in gateway.cors.allowedOrigins get Access-Control-Allow-Origin; preflights from others 403.\n"
    << "    map $http_origin $cors_allowed_origin {\n        default \"\";\n";
  for (const std::string& origin : g.corsAllowedOrigins) c << "        \"" << origin << "\" $http_origin;\n";
  c << "    }\n"
    << "    map \"$request_method:$http_access_control_request_method\" $cors_preflight {\n        default 0;\n        \"~^OPTIONS:.\" 1;\n    }\n\n"
    << "    # Upstream keepalive needs HTTP/1.1 and an empty Connection header; no location overrides these.\n"
    << proxy_headers("    ") << "\n"
    << "    proxy_cache_path /tmp/static_cache levels=1:2 keys_zone=static:10m max_size=256m inactive=60m use_temp_path=off;\n\n"
    << "    upstream api {\n        server " << service_host(p, names::api(p)) << ":" << kApiPort << ";\n        keepalive 32;\n    }\n\n";
  if (p.spec.frontend.enabled)
    c << "    upstream frontend {\n        server " << service_host(p, names::frontend(p)) << ":" << kFrontendPort << ";\n        keepalive 16;\n    }\n\n";
  const auto common = [&](bool https) { return "        server_name " + server_name + ";\n\n" + security_headers("        ", https) + "\n"; };
  if (g.tlsSecretName) {
    // Plain HTTP redirects to HTTPS, except health checks and requests an Ingress already received over TLS.
    c << "    map $http_x_forwarded_proto$uri $redirect_to_https {\n        default 1;\n        \"~^https\" 0;\n        /healthz 0;\n    }\n\n";
    c << "    server {\n        listen " << kGatewayHttpPort << " default_server;\n" << common(false)
      << "        if ($redirect_to_https) {\n            return 301 https://$host$request_uri;\n        }\n\n"
      << indented(locations(p, false)) << "    }\n\n";
    c << "    server {\n        listen " << kGatewayHttpsPort << " ssl default_server;\n"
      << "        ssl_certificate /etc/nginx/tls/tls.crt;\n        ssl_certificate_key /etc/nginx/tls/tls.key;\n"
      << "        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_prefer_server_ciphers off;\n"
      << "        ssl_session_cache shared:SSL:10m;\n        ssl_session_timeout 1h;\n"
      << common(true) << indented(locations(p, true)) << "    }\n\n";
  } else {
    c << "    server {\n        listen " << kGatewayHttpPort << " default_server;\n" << common(false) << indented(locations(p, false)) << "    }\n\n";
  }
  c << "    # nginx-prometheus-exporter reads this over loopback.\n"
    << "    server {\n        listen 127.0.0.1:" << kGatewayStatusPort << ";\n"
    << "        location = /stub_status {\n            stub_status;\n        }\n    }\n"
    << "}\n";
  return c.str();
}

std::vector<DesiredObject> render_gateway(const Platform& p) {
  const GatewaySpec& g = p.spec.gateway;
  if (!g.enabled) return {};
  const std::string name = names::gateway(p);
  constexpr int kUser = 101;  // nginx in nginx-unprivileged

  json cm = config_map(p, name, kGateway, {{"nginx.conf", render_nginx_conf(p)}});
  json ports = json::array({{{"name", "http"}, {"containerPort", kGatewayHttpPort}, {"protocol", "TCP"}}});
  if (g.tlsSecretName) ports.push_back({{"name", "https"}, {"containerPort", kGatewayHttpsPort}, {"protocol", "TCP"}});
  json mounts = json::array({{{"name", "config"}, {"mountPath", "/etc/nginx/nginx.conf"}, {"subPath", "nginx.conf"}, {"readOnly", true}},
                             {{"name", "tmp"}, {"mountPath", "/tmp"}}});
  json volumes = json::array({{{"name", "config"}, {"configMap", {{"name", name}}}}, {{"name", "tmp"}, {"emptyDir", {{"sizeLimit", "512Mi"}}}}});
  if (g.tlsSecretName) {
    mounts.push_back({{"name", "tls"}, {"mountPath", "/etc/nginx/tls"}, {"readOnly", true}});
    volumes.push_back({{"name", "tls"}, {"secret", {{"secretName", *g.tlsSecretName}}}});
  }
  json nginx = {
      {"name", "nginx"},
      {"image", image_ref(p, p.spec.images.nginx, kNginxImage)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", ports},
      {"resources", resources_json(g.resources)},
      {"livenessProbe", http_probe("/healthz", "http", 10, 3)},
      {"readinessProbe", http_probe("/healthz", "http", 5, 3)},
      {"securityContext", container_security_context(kUser)},
      {"volumeMounts", mounts},
  };
  json exporter = {
      {"name", "exporter"},
      {"image", image_ref(p, p.spec.images.nginxExporter, kNginxExporterImage)},
      {"imagePullPolicy", "IfNotPresent"},
      {"args", json::array({"--nginx.scrape-uri=http://127.0.0.1:" + std::to_string(kGatewayStatusPort) + "/stub_status"})},
      {"ports", json::array({{{"name", "metrics"}, {"containerPort", kNginxExporterPort}, {"protocol", "TCP"}}})},
      {"resources", resources_json({{"10m", "16Mi"}, {"100m", "64Mi"}})},
      {"livenessProbe", http_probe("/metrics", "metrics", 20, 3)},
      {"securityContext", container_security_context(65534)},
  };
  json pod_spec = {
      {"automountServiceAccountToken", false},
      {"securityContext", pod_security_context(kUser)},
      {"topologySpreadConstraints", topology_spread(p, kGateway)},
      {"containers", json::array({nginx, exporter})},
      {"volumes", volumes},
  };
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", object_meta(p, name, kGateway)},
      {"spec",
       {{"replicas", g.replicas},
        {"selector", {{"matchLabels", selector_labels(p, kGateway)}}},
        {"progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds},
        {"revisionHistoryLimit", 3},
        {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", 0}}}}},
        {"template",
         {{"metadata", {{"labels", labels(p, kGateway)}, {"annotations", {{kConfigHashAnnotation, config_hash(cm)}}}}}, {"spec", pod_spec}}}}},
  };
  json service_ports = json::array({{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"protocol", "TCP"}}});
  if (g.tlsSecretName) service_ports.push_back({{"name", "https"}, {"port", 443}, {"targetPort", "https"}, {"protocol", "TCP"}});
  const json metrics_port = {{"name", "metrics"}, {"port", kNginxExporterPort}, {"targetPort", "metrics"}, {"protocol", "TCP"}};
  // A NodePort or LoadBalancer Service is reachable from outside the cluster: the exporter's port then
  // gets a ClusterIP Service of its own, which the ServiceMonitor finds by the same labels and port name.
  const bool exposed = g.serviceType != "ClusterIP";
  if (!exposed) service_ports.push_back(metrics_port);

  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::Gateway, true, cm));
  json gateway_service = service(p, name, kGateway, service_ports);
  gateway_service["spec"]["type"] = g.serviceType;
  if (!g.serviceAnnotations.empty()) gateway_service["metadata"]["annotations"] = g.serviceAnnotations;
  // Before the public Service: status.endpoints.gateway names the last gateway Service seen.
  if (exposed) out.push_back(desired(Tier::Gateway, true, service(p, name + "-metrics", kGateway, json::array({metrics_port}))));
  out.push_back(desired(Tier::Gateway, true, gateway_service));
  out.push_back(desired(Tier::Gateway, true, deployment));
  if (g.replicas >= 2) out.push_back(desired(Tier::Gateway, true, pdb(p, name, kGateway, 1)));

  if (g.ingress) {
    json rule = {{"http", {{"paths", json::array({{{"path", "/"}, {"pathType", "Prefix"},
                                                    {"backend", {{"service", {{"name", name}, {"port", {{"name", "http"}}}}}}}}})}}}};
    if (!g.host.empty()) rule["host"] = g.host;
    json spec = {{"rules", json::array({rule})}};
    if (!g.ingress->className.empty()) spec["ingressClassName"] = g.ingress->className;
    if (g.tlsSecretName && !g.host.empty()) spec["tls"] = json::array({{{"hosts", json::array({g.host})}, {"secretName", *g.tlsSecretName}}});
    json meta = object_meta(p, name, kGateway);
    if (!g.ingress->annotations.empty()) meta["annotations"] = g.ingress->annotations;
    out.push_back(desired(Tier::Gateway, true, {{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"metadata", meta}, {"spec", spec}}));
  }
  if (g.httpRouteParentRefs) {
    json spec = {{"parentRefs", *g.httpRouteParentRefs},
                 {"rules", json::array({{{"matches", json::array({{{"path", {{"type", "PathPrefix"}, {"value", "/"}}}}})},
                                         {"backendRefs", json::array({{{"name", name}, {"port", 80}}})}}})}};
    if (!g.host.empty()) spec["hostnames"] = json::array({g.host});
    out.push_back(desired(Tier::Gateway, true,
                          {{"apiVersion", "gateway.networking.k8s.io/v1"}, {"kind", "HTTPRoute"}, {"metadata", object_meta(p, name, kGateway)}, {"spec", spec}}));
  }
  return out;
}

}  // namespace po::platform
