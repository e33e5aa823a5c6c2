// The gateway component: nginx reverse proxy (rate limits, security headers, gzip, static caching,
// TLS), its ConfigMap, Deployment with a metrics exporter, Service, PDB and optional Ingress/HTTPRoute.
#include <sstream>

#include "render_common.hpp"

namespace po::platform {

using namespace detail;

namespace {

// add_header in a location replaces the server's, so every block that adds headers repeats these.
std::string security_headers(const Platform& p, const std::string& indent) {
  std::ostringstream h;
  h << indent << "add_header X-Content-Type-Options \"nosniff\" always;\n"
    << indent << "add_header X-Frame-Options \"DENY\" always;\n"
    << indent << "add_header Referrer-Policy \"strict-origin-when-cross-origin\" always;\n"
    << indent << "add_header Permissions-Policy \"camera=(), microphone=(), geolocation=()\" always;\n"
    << indent
    << "add_header Content-Security-Policy \"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'\" always;\n";
  if (p.spec.gateway.tlsSecretName) h << indent << "add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n";
  return h.str();
}

std::string proxy_headers(const std::string& indent) {
  return indent + "proxy_http_version 1.1;\n" + indent + "proxy_set_header Connection \"\";\n" + indent +
         "proxy_set_header Host $http_host;\n" + indent + "proxy_set_header X-Real-IP $remote_addr;\n" + indent +
         "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n" + indent +
         "proxy_set_header X-Forwarded-Proto $scheme;\n" + indent + "proxy_set_header X-Request-ID $request_id;\n";
}

std::string locations(const Platform& p) {
  const bool frontend = p.spec.frontend.enabled;
  const std::string site = frontend ? "frontend" : "api";
  const std::string in = "        ";
  std::ostringstream s;
  s << "    location = /healthz {\n" << in << "access_log off;\n" << in << "default_type text/plain;\n" << in << "return 200 \"ok\\n\";\n    }\n\n";
  s << "    # Metrics stay inside the cluster (Prometheus scrapes the pods directly).\n"
    << "    location = /metrics {\n" << in << "return 404;\n    }\n\n";
  s << "    location /api/v1/auth/ {\n" << in << "limit_req zone=auth burst=5 nodelay;\n" << in << "proxy_pass http://api;\n    }\n\n";
  s << "    location /api/ {\n" << in << "limit_req zone=api burst=20 nodelay;\n" << in << "proxy_pass http://api;\n    }\n\n";
  s << "    location /health {\n" << in << "proxy_pass http://api;\n    }\n\n";
  s << "    location ~* \\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf)$ {\n"
    << in << "proxy_cache static;\n" << in << "proxy_cache_valid 200 301 302 10m;\n" << in << "proxy_cache_use_stale error timeout updating;\n"
    << in << "expires 7d;\n" << in << "add_header Cache-Control \"public, max-age=604800, immutable\" always;\n"
    << in << "add_header X-Cache-Status $upstream_cache_status always;\n" << security_headers(p, in)
    << in << "proxy_pass http://" << site << ";\n    }\n\n";
  s << "    location / {\n" << in << "proxy_pass http://" << site << ";\n    }\n";
  return s.str();
}

}  // namespace

std::string render_nginx_conf(const Platform& p) {
  const GatewaySpec& g = p.spec.gateway;
  const std::string server_name = g.host.empty() ? "_" : g.host;
  std::ostringstream c;
  c << "# nginx.conf rendered by platform-operator for Platform " << p.metadata.namespace_ << "/" << p.metadata.name << ".\n"
    << "# Runs unprivileged (nginx-unprivileged image): high ports, pid and temp files under /tmp.\n"
    << "worker_processes auto;\n"
    << "pid /tmp/nginx.pid;\n"
    << "error_log /dev/stderr warn;\n\n"
    << "events {\n    worker_connections 1024;\n}\n\n"
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
    << "    gzip_types text/plain text/css text/xml application/json application/javascript application/xml image/svg+xml;\n\n"
    << "    # Per-client request limits; over the limit nginx answers 429 Too Many Requests.\n"
    << "    limit_req_zone $binary_remote_addr zone=api:10m rate=" << g.apiPerMinute << "r/m;\n"
    << "    limit_req_zone $binary_remote_addr zone=auth:10m rate=" << g.authPerMinute << "r/m;\n"
    << "    limit_req_status 429;\n    limit_req_log_level warn;\n\n"
    << "    # Upstream keepalive needs HTTP/1.1 and an empty Connection header; no location overrides these.\n"
    << proxy_headers("    ") << "\n"
    << "    proxy_cache_path /tmp/static_cache levels=1:2 keys_zone=static:10m max_size=256m inactive=60m use_temp_path=off;\n\n"
    << "    upstream api {\n        server " << service_host(p, names::api(p)) << ":" << kApiPort << ";\n        keepalive 32;\n    }\n\n";
  if (p.spec.frontend.enabled)
    c << "    upstream frontend {\n        server " << service_host(p, names::frontend(p)) << ":" << kFrontendPort << ";\n        keepalive 16;\n    }\n\n";
  const std::string common = "        server_name " + server_name + ";\n\n" + security_headers(p, "        ") + "\n";
  std::string body;
  {
    std::istringstream in(locations(p));
    for (std::string line; std::getline(in, line);) body += (line.empty() ? "" : "    ") + line + "\n";
  }
  if (g.tlsSecretName) {
    // Plain HTTP redirects to HTTPS, except health checks and requests an Ingress already received over TLS.
    c << "    map $http_x_forwarded_proto$uri $redirect_to_https {\n        default 1;\n        \"~^https\" 0;\n        /healthz 0;\n    }\n\n";
    c << "    server {\n        listen " << kGatewayHttpPort << " default_server;\n" << common
      << "        if ($redirect_to_https) {\n            return 301 https://$host$request_uri;\n        }\n\n"
      << body << "    }\n\n";
    c << "    server {\n        listen " << kGatewayHttpsPort << " ssl default_server;\n"
      << "        ssl_certificate /etc/nginx/tls/tls.crt;\n        ssl_certificate_key /etc/nginx/tls/tls.key;\n"
      << "        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_prefer_server_ciphers off;\n"
      << "        ssl_session_cache shared:SSL:10m;\n        ssl_session_timeout 1h;\n"
      << common << body << "    }\n\n";
  } else {
    c << "    server {\n        listen " << kGatewayHttpPort << " default_server;\n" << common << body << "    }\n\n";
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
  service_ports.push_back({{"name", "metrics"}, {"port", kNginxExporterPort}, {"targetPort", "metrics"}, {"protocol", "TCP"}});

  std::vector<DesiredObject> out;
  out.push_back(desired(Tier::Gateway, true, cm));
  out.push_back(desired(Tier::Gateway, true, service(p, name, kGateway, service_ports)));
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
