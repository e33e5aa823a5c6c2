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

ApiSpec read_api(const Reader& r) {
  ApiSpec api;
  r.read("image", api.image);
  r.read("replicas", api.replicas);
  api.autoscaling = read_autoscaling(r);
  api.resources = read_resources(r, resources_of("250m", "256Mi", "1", "512Mi"));
  for (const Reader& item : r.items("env")) {
    EnvVar var;
    item.read("name", var.name);
    item.read("value", var.value);
    api.env.push_back(std::move(var));
  }
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
  return api;
}

FrontendSpec read_frontend(const Reader& r) {
  FrontendSpec fe;
  r.read("enabled", fe.enabled);
  r.read("image", fe.image);
  r.read("replicas", fe.replicas);
  fe.autoscaling = read_autoscaling(r);
  fe.resources = read_resources(r, resources_of("100m", "128Mi", "500m", "256Mi"));
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
  return images;
}

SchedulingSpec read_scheduling(const Reader& r) {
  SchedulingSpec scheduling;
  std::map<std::string, std::string> selector;
  r.read("nodeSelector", selector);
  for (const auto& [key, value] : selector) scheduling.nodeSelector[key] = value;
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
    scheduling.tolerations.push_back(std::move(toleration));
  }
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
