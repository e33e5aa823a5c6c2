// Parsing a Platform from JSON with the CRD's defaults, and the semantic checks.
#include "po/platform/spec.hpp"

#include <cmath>
#include <set>
#include <sstream>

namespace po::platform {
namespace {

using nlohmann::json;

// Reads typed fields of one JSON object, recording a FieldError for each wrong type.
class Reader {
 public:
  Reader(const json* object, std::string path, std::vector<FieldError>& errors)
      : object_(object), path_(std::move(path)), errors_(&errors) {
    if (object_ != nullptr && !object_->is_null() && !object_->is_object()) {
      errors_->push_back({path_, "must be an object"});
      object_ = nullptr;
    }
  }

  std::string field(std::string_view key) const { return path_ + "." + std::string(key); }

  const json* find(std::string_view key) const {
    if (object_ == nullptr || object_->is_null()) return nullptr;
    auto it = object_->find(key);
    if (it == object_->end() || it->is_null()) return nullptr;
    return &*it;
  }
  bool has(std::string_view key) const { return find(key) != nullptr; }

  Reader child(std::string_view key) const { return Reader(find(key), field(key), *errors_); }

  // The items of a list field, each as a Reader; a non-list is an error.
  std::vector<Reader> items(std::string_view key) const {
    std::vector<Reader> out;
    const json* list = find(key);
    if (list == nullptr) return out;
    if (!list->is_array()) {
      error(key, "must be a list");
      return out;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& item = (*list)[i];
      std::string path = field(key) + "[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        errors_->push_back({path, "must be an object"});
        continue;
      }
      out.emplace_back(&item, path, *errors_);
    }
    return out;
  }

  void read(std::string_view key, std::string& out) const {
    if (const json* v = find(key)) {
      if (v->is_string()) out = v->get<std::string>();
      else error(key, "must be a string");
    }
  }
  void read(std::string_view key, bool& out) const {
    if (const json* v = find(key)) {
      if (v->is_boolean()) out = v->get<bool>();
      else error(key, "must be a boolean");
    }
  }
  void read(std::string_view key, std::int32_t& out) const {
    if (const json* v = find(key)) {
      if (v->is_number_integer() && v->get<std::int64_t>() >= INT32_MIN && v->get<std::int64_t>() <= INT32_MAX)
        out = static_cast<std::int32_t>(v->get<std::int64_t>());
      else error(key, "must be a 32-bit integer");
    }
  }
  void read(std::string_view key, std::int64_t& out) const {
    if (const json* v = find(key)) {
      if (v->is_number_integer()) out = v->get<std::int64_t>();
      else error(key, "must be an integer");
    }
  }
  void read(std::string_view key, double& out) const {
    if (const json* v = find(key)) {
      if (v->is_number()) out = v->get<double>();
      else error(key, "must be a number");
    }
  }
  void read(std::string_view key, std::optional<std::int32_t>& out) const {
    if (has(key)) {
      std::int32_t value = 0;
      read(key, value);
      out = value;
    }
  }
  // Quantities may be written as integers (cpu: 1) or strings (cpu: 500m).
  void read_quantity(std::string_view key, std::string& out) const {
    if (const json* v = find(key)) {
      if (v->is_string()) out = v->get<std::string>();
      else if (v->is_number_integer()) out = std::to_string(v->get<std::int64_t>());
      else error(key, "must be a quantity (an integer or a string such as 500m or 1Gi)");
    }
  }
  void read(std::string_view key, std::map<std::string, std::string>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_object()) {
        error(key, "must be a map of strings");
        return;
      }
      for (const auto& [k, value] : v->items()) {
        if (value.is_string()) out[k] = value.get<std::string>();
        else errors_->push_back({field(key) + "." + k, "must be a string"});
      }
    }
  }
  void read(std::string_view key, std::vector<std::string>& out) const {
    if (const json* v = find(key)) {
      if (!v->is_array()) {
        error(key, "must be a list of strings");
        return;
      }
      out.clear();
      for (std::size_t i = 0; i < v->size(); ++i) {
        if ((*v)[i].is_string()) out.push_back((*v)[i].get<std::string>());
        else errors_->push_back({field(key) + "[" + std::to_string(i) + "]", "must be a string"});
      }
    }
  }
  // A field passed through as JSON (affinity, topology spread constraints): only its type is checked here,
  // the API server checks the rest when the rendered pod template is applied.
  std::optional<json> read_raw(std::string_view key, json::value_t type) const {
    const json* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (v->type() != type) {
      error(key, type == json::value_t::object ? "must be an object" : "must be a list");
      return std::nullopt;
    }
    return *v;
  }
  void error(std::string_view key, std::string message) const { errors_->push_back({field(key), std::move(message)}); }

 private:
  const json* object_;
  std::string path_;
  std::vector<FieldError>* errors_;
};

Resources read_resources(const Reader& r, const Resources& defaults) {
  if (!r.has("resources")) return defaults;
  // Setting resources replaces the defaults wholesale, like the CRD default of the whole object would.
  Resources out;
  Reader res = r.child("resources");
  Reader req = res.child("requests");
  req.read_quantity("cpu", out.requests.cpu);
  req.read_quantity("memory", out.requests.memory);
  Reader lim = res.child("limits");
  lim.read_quantity("cpu", out.limits.cpu);
  lim.read_quantity("memory", out.limits.memory);
  return out;
}

Autoscaling read_autoscaling(const Reader& r) {
  Autoscaling out;
  Reader a = r.child("autoscaling");
  a.read("enabled", out.enabled);
  a.read("minReplicas", out.minReplicas);
  a.read("maxReplicas", out.maxReplicas);
  a.read("targetCPUUtilizationPercentage", out.targetCPUUtilizationPercentage);
  a.read("targetMemoryUtilizationPercentage", out.targetMemoryUtilizationPercentage);
  if (const json* b = a.find("behavior")) {
    if (b->is_object()) out.behavior = *b;
    else a.error("behavior", "must be an object");
  }
  return out;
}

StorageSpec read_storage(const Reader& r, std::string_view key, StorageSpec defaults) {
  Reader s = r.child(key);
  s.read("size", defaults.size);
  s.read("storageClassName", defaults.storageClassName);
  return defaults;
}

std::optional<SecretKeyRef> read_external(const Reader& r) {
  if (!r.has("external")) return std::nullopt;
  Reader e = r.child("external");
  SecretKeyRef ref;
  if (!e.has("urlSecretRef")) {
    e.error("urlSecretRef", "is required");
    return ref;
  }
  Reader s = e.child("urlSecretRef");
  s.read("name", ref.name);
  s.read("key", ref.key);
  if (ref.name.empty()) s.error("name", "is required");
  return ref;
}

Resources resources_of(const char* req_cpu, const char* req_mem, const char* lim_cpu, const char* lim_mem) {
  return Resources{{req_cpu, req_mem}, {lim_cpu, lim_mem}};
}

json read_tolerations(const Reader& r) {
  json tolerations = json::array();
  for (const Reader& item : r.items("tolerations")) {
    json toleration = json::object();
    for (const char* key : {"key", "operator", "value", "effect"}) {
      std::string value;
      item.read(key, value);
      if (!value.empty()) toleration[key] = value;
    }
    std::int64_t seconds = -1;
    item.read("tolerationSeconds", seconds);
    if (seconds >= 0) toleration["tolerationSeconds"] = seconds;
    tolerations.push_back(std::move(toleration));
  }
  return tolerations;
}

json read_string_map(const Reader& r, std::string_view key) {
  std::map<std::string, std::string> map;
  r.read(key, map);
  json out = json::object();
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

PodSettings read_pod(const Reader& parent) {
  PodSettings pod;
  const Reader r = parent.child("pod");
  if (r.has("nodeSelector")) pod.nodeSelector = read_string_map(r, "nodeSelector");
  if (r.has("tolerations")) pod.tolerations = read_tolerations(r);
  pod.affinity = r.read_raw("affinity", json::value_t::object);
  pod.topologySpreadConstraints = r.read_raw("topologySpreadConstraints", json::value_t::array);
  if (r.has("priorityClassName")) {
    std::string name;
    r.read("priorityClassName", name);
    pod.priorityClassName = name;
  }
  if (r.has("imagePullSecrets")) {
    std::vector<std::string> secrets;
    for (const Reader& item : r.items("imagePullSecrets")) {
      std::string name;
      item.read("name", name);
      if (name.empty()) item.error("name", "is required");
      secrets.push_back(name);
    }
    pod.imagePullSecrets = std::move(secrets);
  }
  r.read("annotations", pod.annotations);
  r.read("labels", pod.labels);
  return pod;
}

// A secretKeyRef or configMapKeyRef: {name, key, optional}.
json read_key_ref(const Reader& r) {
  json ref = json::object();
  std::string name, key;
  r.read("name", name);
  r.read("key", key);
  if (name.empty()) r.error("name", "is required");
  if (key.empty()) r.error("key", "is required");
  ref["name"] = name;
  ref["key"] = key;
  if (r.has("optional")) {
    bool optional = false;
    r.read("optional", optional);
    ref["optional"] = optional;
  }
  return ref;
}

std::vector<EnvVar> read_env(const Reader& r) {
  std::vector<EnvVar> env;
  for (const Reader& item : r.items("env")) {
    EnvVar var;
    item.read("name", var.name);
    item.read("value", var.value);
    if (item.has("valueFrom")) {
      const Reader from = item.child("valueFrom");
      var.valueFrom = json::object();
      for (const char* kind : {"secretKeyRef", "configMapKeyRef"})
        if (from.has(kind)) var.valueFrom[kind] = read_key_ref(from.child(kind));
      if (var.valueFrom.size() != 1) item.error("valueFrom", "needs exactly one of secretKeyRef and configMapKeyRef");
      if (!var.value.empty()) item.error("value", "may not be set together with valueFrom");
    }
    env.push_back(std::move(var));
  }
  return env;
}

json read_env_from(const Reader& r) {
  json out = json::array();
  for (const Reader& item : r.items("envFrom")) {
    json source = json::object();
    for (const char* kind : {"secretRef", "configMapRef"}) {
      if (!item.has(kind)) continue;
      const Reader ref = item.child(kind);
      std::string name;
      ref.read("name", name);
      if (name.empty()) ref.error("name", "is required");
      source[kind] = {{"name", name}};
      if (ref.has("optional")) {
        bool optional = false;
        ref.read("optional", optional);
        source[kind]["optional"] = optional;
      }
    }
    if (source.size() != 1) item.error("secretRef", "needs exactly one of secretRef and configMapRef");
    std::string prefix;
    item.read("prefix", prefix);
    if (!prefix.empty()) source["prefix"] = prefix;
    out.push_back(std::move(source));
  }
  return out;
}

ApiSpec read_api(const Reader& r) {
  ApiSpec api;
  r.read("image", api.image);
  r.read("replicas", api.replicas);
  api.autoscaling = read_autoscaling(r);
  api.resources = read_resources(r, resources_of("250m", "256Mi", "1", "512Mi"));
  api.env = read_env(r);
  api.envFrom = read_env_from(r);
  if (r.has("aiProviderSecretRef")) {
    std::string name;
    Reader ref = r.child("aiProviderSecretRef");
    ref.read("name", name);
    if (name.empty()) ref.error("name", "is required");
    api.aiProviderSecretName = name;
  }
  Reader pdb = r.child("podDisruptionBudget");
  pdb.read("enabled", api.podDisruptionBudget.enabled);
  pdb.read("maxUnavailable", api.podDisruptionBudget.maxUnavailable);
  api.pod = read_pod(r);
  return api;
}

FrontendSpec read_frontend(const Reader& r) {
  FrontendSpec fe;
  r.read("enabled", fe.enabled);
  r.read("image", fe.image);
  r.read("replicas", fe.replicas);
  fe.autoscaling = read_autoscaling(r);
  fe.resources = read_resources(r, resources_of("100m", "128Mi", "500m", "256Mi"));
  fe.env = read_env(r);
  fe.envFrom = read_env_from(r);
  fe.pod = read_pod(r);
  return fe;
}

GatewaySpec read_gateway(const Reader& r) {
  GatewaySpec gw;
  r.read("enabled", gw.enabled);
  r.read("replicas", gw.replicas);
  Reader limits = r.child("rateLimits");
  limits.read("apiPerMinute", gw.apiPerMinute);
  limits.read("authPerMinute", gw.authPerMinute);
  r.read("host", gw.host);
  if (r.has("tls")) {
    std::string secret;
    Reader tls = r.child("tls");
    tls.read("secretName", secret);
    if (secret.empty()) tls.error("secretName", "is required");
    gw.tlsSecretName = secret;
  }
  gw.resources = read_resources(r, resources_of("100m", "64Mi", "500m", "128Mi"));
  r.read("trustedProxies", gw.trustedProxies);
  r.child("cors").read("allowedOrigins", gw.corsAllowedOrigins);
  if (r.has("ingress")) {
    IngressSpec ingress;
    Reader in = r.child("ingress");
    in.read("className", ingress.className);
    in.read("annotations", ingress.annotations);
    gw.ingress = std::move(ingress);
  }
  if (r.has("httpRoute")) {
    Reader route = r.child("httpRoute");
    json refs = json::array();
    for (const Reader& ref : route.items("parentRefs")) {
      json out = json::object();
      for (const char* key : {"group", "kind", "name", "namespace", "sectionName"}) {
        std::string value;
        ref.read(key, value);
        if (!value.empty()) out[key] = value;
      }
      std::optional<std::int32_t> port;
      ref.read("port", port);
      if (port) out["port"] = *port;
      if (!out.contains("name")) ref.error("name", "is required");
      refs.push_back(std::move(out));
    }
    if (refs.empty()) route.error("parentRefs", "needs at least one parent reference");
    gw.httpRouteParentRefs = std::move(refs);
  }
  const Reader service = r.child("service");
  service.read("type", gw.serviceType);
  if (gw.serviceType != "ClusterIP" && gw.serviceType != "NodePort" && gw.serviceType != "LoadBalancer")
    service.error("type", "must be one of ClusterIP, NodePort, LoadBalancer (got \"" + gw.serviceType + "\")");
  service.read("annotations", gw.serviceAnnotations);
  gw.pod = read_pod(r);
  return gw;
}

ImagesSpec read_images(const Reader& r) {
  ImagesSpec images;
  r.read("registry", images.registry);
  r.read("pullPolicy", images.pullPolicy);
  r.read("postgres", images.postgres);
  r.read("postgresExporter", images.postgresExporter);
  r.read("redis", images.redis);
  r.read("redisExporter", images.redisExporter);
  r.read("nginx", images.nginx);
  r.read("nginxExporter", images.nginxExporter);
  r.read("prometheus", images.prometheus);
  r.read("grafana", images.grafana);
  r.read("alertmanager", images.alertmanager);
  for (const Reader& item : r.items("pullSecrets")) {
    std::string name;
    item.read("name", name);
    if (name.empty()) item.error("name", "is required");
    images.pullSecrets.push_back(name);
  }
  return images;
}

SchedulingSpec read_scheduling(const Reader& r) {
  SchedulingSpec scheduling;
  std::map<std::string, std::string> selector;
  r.read("nodeSelector", selector);
  for (const auto& [key, value] : selector) scheduling.nodeSelector[key] = value;
  scheduling.tolerations = read_tolerations(r);
  if (auto affinity = r.read_raw("affinity", json::value_t::object)) scheduling.affinity = std::move(*affinity);
  r.read("priorityClassName", scheduling.priorityClassName);
  return scheduling;
}

// `present`: the field was written. Only an absent database/cache defaults to managed, as in the CRD.
DatabaseSpec read_database(const Reader& r, bool present) {
  DatabaseSpec db;
  db.external = read_external(r);
  if (r.has("managed") || !present) {
    ManagedDatabase m;
    m.resources = resources_of("250m", "256Mi", "1", "1Gi");
    Reader mr = r.child("managed");
    mr.read("version", m.version);
    m.storage = read_storage(mr, "storage", m.storage);
    m.resources = read_resources(mr, m.resources);
    Reader b = mr.child("backup");
    b.read("enabled", m.backup.enabled);
    b.read("schedule", m.backup.schedule);
    b.read("retain", m.backup.retain);
    m.backup.storage = read_storage(b, "storage", m.backup.storage);
    m.pod = read_pod(mr);
    db.managed = std::move(m);
  }
  return db;
}

CacheSpec read_cache(const Reader& r, bool present) {
  CacheSpec cache;
  cache.external = read_external(r);
  if (r.has("managed") || !present) {
    ManagedCache m;
    m.resources = resources_of("100m", "128Mi", "500m", "512Mi");
    Reader mr = r.child("managed");
    m.storage = read_storage(mr, "storage", m.storage);
    Reader p = mr.child("persistence");
    p.read("aof", m.aof);
    p.read("rdb", m.rdb);
    mr.read("maxMemory", m.maxMemory);
    m.resources = read_resources(mr, m.resources);
    m.pod = read_pod(mr);
    cache.managed = std::move(m);
  }
  return cache;
}

MonitoringSpec read_monitoring(const Reader& r) {
  MonitoringSpec m;
  m.prometheusResources = resources_of("200m", "512Mi", "1", "1Gi");
  m.grafanaResources = resources_of("100m", "128Mi", "500m", "256Mi");
  r.read("enabled", m.enabled);
  Reader p = r.child("prometheus");
  p.read("retention", m.retention);
  p.read("scrapeInterval", m.scrapeInterval);
  m.prometheusStorage = read_storage(p, "storage", m.prometheusStorage);
  m.prometheusResources = read_resources(p, m.prometheusResources);
  Reader g = r.child("grafana");
  g.read("enabled", m.grafanaEnabled);
  m.grafanaResources = read_resources(g, m.grafanaResources);
  m.alertmanagerResources = resources_of("50m", "64Mi", "200m", "128Mi");
  Reader am = r.child("alertmanager");
  am.read("enabled", m.alertmanagerEnabled);
  am.read("url", m.alertmanagerUrl);
  m.alertmanagerResources = read_resources(am, m.alertmanagerResources);
  Reader a = r.child("alerts");
  a.read("errorRatePercent", m.errorRatePercent);
  a.read("latencySeconds", m.latencySeconds);
  a.read("resourcePercent", m.resourcePercent);
  a.read("forSeconds", m.alertForSeconds);
  std::string mode = "Auto";
  r.read("serviceMonitors", mode);
  if (mode == "Auto") m.serviceMonitors = ServiceMonitorMode::Auto;
  else if (mode == "Enabled") m.serviceMonitors = ServiceMonitorMode::Enabled;
  else if (mode == "Disabled") m.serviceMonitors = ServiceMonitorMode::Disabled;
  else r.error("serviceMonitors", "must be one of Auto, Enabled, Disabled (got \"" + mode + "\")");
  r.child("prometheusOperator").read("labels", m.prometheusOperatorLabels);
  r.read("externalPrometheusUrl", m.externalPrometheusUrl);
  const Reader d = g.child("dashboardConfigMap");
  d.read("enabled", m.dashboardConfigMap);
  if (d.has("labels")) {
    m.dashboardLabels.clear();
    d.read("labels", m.dashboardLabels);
  }
  d.read("annotations", m.dashboardAnnotations);
  m.pod = read_pod(r);
  return m;
}

}  // namespace

std::string to_string(const FieldError& error) { return error.field + ": " + error.message; }

std::string to_string(const std::vector<FieldError>& errors) {
  std::string out;
  for (const FieldError& e : errors) {
    if (!out.empty()) out += "; ";
    out += to_string(e);
  }
  return out;
}

ParseResult parse_platform(const json& object) {
  ParseResult result;
  auto& errors = result.errors;
  if (!object.is_object()) {
    errors.push_back({"", "a Platform must be a YAML/JSON object"});
    return result;
  }
  const std::string api_version = object.value("apiVersion", "");
  const std::string kind = object.value("kind", "");
  if (api_version != kApiVersion) errors.push_back({"apiVersion", "must be " + std::string(kApiVersion) + " (got \"" + api_version + "\")"});
  if (kind != kKind) errors.push_back({"kind", "must be Platform (got \"" + kind + "\")"});

  Platform& p = result.platform;
  Reader root(&object, "", errors);
  Reader meta(root.find("metadata"), "metadata", errors);
  meta.read("name", p.metadata.name);
  meta.read("namespace", p.metadata.namespace_);
  if (p.metadata.namespace_.empty()) p.metadata.namespace_ = "default";
  meta.read("uid", p.metadata.uid);
  meta.read("generation", p.metadata.generation);
  meta.read("labels", p.metadata.labels);
  meta.read("annotations", p.metadata.annotations);
  if (p.metadata.name.empty()) errors.push_back({"metadata.name", "is required"});

  if (!root.has("spec")) {
    errors.push_back({"spec", "is required"});
    return result;
  }
  Reader spec(root.find("spec"), "spec", errors);
  spec.read("version", p.spec.version);
  if (!spec.has("version")) errors.push_back({"spec.version", "is required"});
  p.spec.api = read_api(spec.child("api"));
  p.spec.frontend = read_frontend(spec.child("frontend"));
  p.spec.gateway = read_gateway(spec.child("gateway"));
  p.spec.database = read_database(spec.child("database"), spec.has("database"));
  p.spec.cache = read_cache(spec.child("cache"), spec.has("cache"));
  p.spec.monitoring = read_monitoring(spec.child("monitoring"));
  Reader rollout = spec.child("rollout");
  rollout.read("progressDeadlineSeconds", p.spec.rollout.progressDeadlineSeconds);
  rollout.read("autoRollback", p.spec.rollout.autoRollback);
  rollout.read("historyLimit", p.spec.rollout.historyLimit);
  rollout.read("maxConsecutiveFailures", p.spec.rollout.maxConsecutiveFailures);
  Reader storage = spec.child("storage");
  std::string when_deleted = "Retain";
  storage.read("whenDeleted", when_deleted);
  if (when_deleted == "Retain") p.spec.whenDeleted = WhenDeleted::Retain;
  else if (when_deleted == "Delete") p.spec.whenDeleted = WhenDeleted::Delete;
  else storage.error("whenDeleted", "must be Retain or Delete (got \"" + when_deleted + "\")");
  p.spec.images = read_images(spec.child("images"));
  p.spec.scheduling = read_scheduling(spec.child("scheduling"));
  return result;
}

ParseResult parse_and_validate(const json& object) {
  ParseResult result = parse_platform(object);
  if (result.ok()) result.errors = validate(result.platform);
  return result;
}

}  // namespace po::platform
