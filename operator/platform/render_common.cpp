// Building blocks shared by the per-component renderers.
#include "render_common.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace po::platform::detail {

json labels(const Platform& p, Component c) {
  json l = {{"app.kubernetes.io/name", c.name},
            {"app.kubernetes.io/instance", p.metadata.name},
            {"app.kubernetes.io/component", c.role},
            {"app.kubernetes.io/part-of", "a11y-platform"},
            {"app.kubernetes.io/managed-by", "platform-operator"}};
  if (c.role == "api" || c.role == "frontend") l["app.kubernetes.io/version"] = p.spec.version;
  return l;
}

json selector_labels(const Platform& p, Component c) {
  return {{"app.kubernetes.io/name", c.name}, {"app.kubernetes.io/instance", p.metadata.name}};
}

json owner_reference(const Platform& p) {
  return {{"apiVersion", kApiVersion}, {"kind", kKind},          {"name", p.metadata.name},
          {"uid", p.metadata.uid},     {"controller", true},     {"blockOwnerDeletion", true}};
}

json object_meta(const Platform& p, std::string name, Component c, bool owned) {
  json meta = {{"name", std::move(name)}, {"namespace", p.metadata.namespace_}, {"labels", labels(p, c)}};
  if (owned && !p.metadata.uid.empty()) meta["ownerReferences"] = json::array({owner_reference(p)});
  return meta;
}

json pod_security_context(int user) {
  return {{"runAsNonRoot", true},
          {"runAsUser", user},
          {"runAsGroup", user},
          {"fsGroup", user},
          {"fsGroupChangePolicy", "OnRootMismatch"},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json container_security_context(int user, bool read_only_root) {
  return {{"allowPrivilegeEscalation", false},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"privileged", false},
          {"readOnlyRootFilesystem", read_only_root},
          {"runAsNonRoot", true},
          {"runAsUser", user},
          {"runAsGroup", user},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json resources_json(const Resources& r) {
  json out = json::object();
  auto list = [](const ResourceList& l) {
    json j = json::object();
    if (!l.cpu.empty()) j["cpu"] = l.cpu;
    if (!l.memory.empty()) j["memory"] = l.memory;
    return j;
  };
  if (json req = list(r.requests); !req.empty()) out["requests"] = req;
  if (json lim = list(r.limits); !lim.empty()) out["limits"] = lim;
  return out;
}

json topology_spread(const Platform& p, Component c) {
  // ScheduleAnyway: spreading is a preference, so small clusters (and one-node dev clusters) still schedule.
  auto constraint = [&](std::string_view key) {
    return json{{"maxSkew", 1},
                {"topologyKey", key},
                {"whenUnsatisfiable", "ScheduleAnyway"},
                {"labelSelector", {{"matchLabels", selector_labels(p, c)}}}};
  };
  return json::array({constraint("kubernetes.io/hostname"), constraint("topology.kubernetes.io/zone")});
}

json env_from_secret(std::string_view name, std::string_view secret, std::string_view key, bool optional) {
  json ref = {{"name", secret}, {"key", key}};
  if (optional) ref["optional"] = true;
  return {{"name", name}, {"valueFrom", {{"secretKeyRef", ref}}}};
}

namespace {
json probe_timing(json probe, int period, int failures, int initial_delay) {
  probe["periodSeconds"] = period;
  probe["failureThreshold"] = failures;
  probe["timeoutSeconds"] = 3;
  if (initial_delay > 0) probe["initialDelaySeconds"] = initial_delay;
  return probe;
}
}  // namespace

json http_probe(std::string_view path, std::string_view port, int period, int failures, int initial_delay) {
  return probe_timing({{"httpGet", {{"path", path}, {"port", port}}}}, period, failures, initial_delay);
}
json tcp_probe(std::string_view port, int period, int failures, int initial_delay) {
  return probe_timing({{"tcpSocket", {{"port", port}}}}, period, failures, initial_delay);
}
json exec_probe(std::string command, int period, int failures, int initial_delay) {
  return probe_timing({{"exec", {{"command", json::array({"sh", "-c", std::move(command)})}}}}, period, failures, initial_delay);
}

json service(const Platform& p, std::string name, Component c, json ports, bool headless) {
  json spec = {{"type", "ClusterIP"}, {"selector", selector_labels(p, c)}, {"ports", std::move(ports)}};
  if (headless) spec["clusterIP"] = "None";
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", object_meta(p, std::move(name), c)}, {"spec", spec}};
}

json hpa(const Platform& p, const std::string& target, Component c, const Autoscaling& a) {
  json metrics = json::array();
  auto resource_metric = [](std::string_view resource, std::int32_t percent) {
    return json{{"type", "Resource"},
                {"resource", {{"name", resource}, {"target", {{"type", "Utilization"}, {"averageUtilization", percent}}}}}};
  };
  if (a.targetCPUUtilizationPercentage) metrics.push_back(resource_metric("cpu", *a.targetCPUUtilizationPercentage));
  if (a.targetMemoryUtilizationPercentage) metrics.push_back(resource_metric("memory", *a.targetMemoryUtilizationPercentage));
  json spec = {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", target}}},
               {"minReplicas", a.minReplicas},
               {"maxReplicas", a.maxReplicas},
               {"metrics", metrics}};
  if (a.behavior.is_object()) spec["behavior"] = a.behavior;
  return {{"apiVersion", "autoscaling/v2"}, {"kind", "HorizontalPodAutoscaler"}, {"metadata", object_meta(p, target, c)}, {"spec", spec}};
}

json pdb(const Platform& p, const std::string& target, Component c, std::int32_t max_unavailable) {
  return {{"apiVersion", "policy/v1"},
          {"kind", "PodDisruptionBudget"},
          {"metadata", object_meta(p, target, c)},
          {"spec", {{"maxUnavailable", max_unavailable}, {"selector", {{"matchLabels", selector_labels(p, c)}}}}}};
}

json config_map(const Platform& p, std::string name, Component c, json data) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", object_meta(p, std::move(name), c)}, {"data", std::move(data)}};
}

json persistent_volume_claim(const Platform& p, std::string name, Component c, const StorageSpec& storage) {
  json spec = {{"accessModes", json::array({"ReadWriteOnce"})}, {"resources", {{"requests", {{"storage", storage.size}}}}}};
  if (!storage.storageClassName.empty()) spec["storageClassName"] = storage.storageClassName;
  // Under Retain the claim carries no owner reference, so garbage collection never deletes it.
  const bool owned = p.spec.whenDeleted == WhenDeleted::Delete;
  return {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", object_meta(p, std::move(name), c, owned)}, {"spec", spec}};
}

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string config_hash(const json& config_map) { return sha256_hex(config_map.at("data").dump()).substr(0, 16); }

std::string service_host(const Platform& p, const std::string& service) {
  return service + "." + p.metadata.namespace_ + ".svc.cluster.local";
}

std::string with_registry(std::string_view reference, std::string_view registry) {
  if (registry.empty()) return std::string(reference);
  // The first path component is a registry host when it has a '.' or ':' or is "localhost" (the
  // reference grammar's rule); a reference without one is Docker Hub's and gets the mirror in front.
  const auto slash = reference.find('/');
  std::string_view rest = reference;
  if (slash != std::string_view::npos) {
    const std::string_view first = reference.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") rest = reference.substr(slash + 1);
  }
  std::string out(registry);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + "/" + std::string(rest);
}

std::string image_ref(const Platform& p, const std::string& override_ref, std::string_view default_ref) {
  return override_ref.empty() ? with_registry(default_ref, p.spec.images.registry) : override_ref;
}

std::string image_or(const Platform& p, const std::string& image, std::string_view repo, const std::string& tag) {
  return image.empty() ? with_registry(std::string(repo) + ":" + tag, p.spec.images.registry) : image;
}

std::string postgres_image(const Platform& p, const std::string& version) {
  const std::string& repo = p.spec.images.postgres;
  return (repo.empty() ? with_registry(kPostgresImageRepo, p.spec.images.registry) : repo) + ":" + version;
}

namespace {
// The pod template of a rendered workload (Deployment, StatefulSet, Job, CronJob), or nullptr.
json* pod_template_of(json& manifest) {
  const std::string kind = manifest.value("kind", "");
  json* spec = manifest.contains("spec") ? &manifest["spec"] : nullptr;
  if (spec == nullptr) return nullptr;
  if (kind == "CronJob") spec = spec->contains("jobTemplate") ? &(*spec)["jobTemplate"]["spec"] : nullptr;
  if (spec == nullptr || !spec->contains("template")) return nullptr;
  json& pod = (*spec)["template"];
  return pod.contains("spec") ? &pod : nullptr;
}

// Sets `key` to `value`, or removes it when the value is empty (an empty list or map clears a default).
void set_or_erase(json& object, const char* key, const json& value) {
  if (value.is_null() || value.empty() || (value.is_string() && value.get_ref<const std::string&>().empty())) object.erase(key);
  else object[key] = value;
}
}  // namespace

const PodSettings* pod_settings(const Platform& p, std::string_view role) {
  const PlatformSpec& s = p.spec;
  if (role == kApi.role) return &s.api.pod;
  if (role == kFrontend.role) return &s.frontend.pod;
  if (role == kGateway.role) return &s.gateway.pod;
  if (role == kPostgres.role) return s.database.managed ? &s.database.managed->pod : nullptr;
  if (role == kRedis.role) return s.cache.managed ? &s.cache.managed->pod : nullptr;
  if (role == kPrometheus.role) return &s.monitoring.pod;
  return nullptr;
}

void apply_pod_policy(const Platform& p, json& manifest) {
  json* tmpl = pod_template_of(manifest);
  if (tmpl == nullptr) return;
  json& pod = (*tmpl)["spec"];
  json& meta = (*tmpl)["metadata"];
  for (const char* list : {"initContainers", "containers"}) {
    if (!pod.contains(list)) continue;
    for (json& container : pod[list]) container["imagePullPolicy"] = p.spec.images.pullPolicy;
  }
  const std::string role = meta.contains("labels") ? meta["labels"].value("app.kubernetes.io/component", "") : "";
  static const PodSettings kNone{};
  const PodSettings* found = pod_settings(p, role);
  const PodSettings& own = found != nullptr ? *found : kNone;
  const SchedulingSpec& platform_wide = p.spec.scheduling;

  // A field the component sets replaces the Platform-wide one as a whole.
  set_or_erase(pod, "nodeSelector", own.nodeSelector.value_or(platform_wide.nodeSelector));
  set_or_erase(pod, "tolerations", own.tolerations.value_or(platform_wide.tolerations));
  set_or_erase(pod, "affinity", own.affinity.value_or(platform_wide.affinity));
  set_or_erase(pod, "priorityClassName", own.priorityClassName.value_or(platform_wide.priorityClassName));
  json pull_secrets = json::array();
  for (const std::string& name : own.imagePullSecrets.value_or(p.spec.images.pullSecrets)) pull_secrets.push_back({{"name", name}});
  set_or_erase(pod, "imagePullSecrets", pull_secrets);
  if (own.topologySpreadConstraints) {
    // A constraint without a labelSelector counts this component's pods, as the operator's own do.
    json constraints = *own.topologySpreadConstraints;
    const json& labels = meta["labels"];
    for (json& constraint : constraints)
      if (constraint.is_object() && !constraint.contains("labelSelector"))
        constraint["labelSelector"] = {{"matchLabels",
                                        {{"app.kubernetes.io/name", labels.value("app.kubernetes.io/name", "")},
                                         {"app.kubernetes.io/instance", labels.value("app.kubernetes.io/instance", "")}}}};
    set_or_erase(pod, "topologySpreadConstraints", constraints);
  }
  // Extra labels and annotations never replace the operator's own keys: the selector labels must keep
  // matching, and the config hash must keep rolling the pods.
  for (const auto& [key, value] : own.labels)
    if (!meta["labels"].contains(key)) meta["labels"][key] = value;
  for (const auto& [key, value] : own.annotations)
    if (!meta.contains("annotations") || !meta["annotations"].contains(key)) meta["annotations"][key] = value;
}

void add_user_env(json& container, const std::vector<EnvVar>& env, const json& env_from) {
  for (const EnvVar& var : env) {
    if (var.valueFrom.is_object()) container["env"].push_back({{"name", var.name}, {"valueFrom", var.valueFrom}});
    else container["env"].push_back({{"name", var.name}, {"value", var.value}});
  }
  // Kubernetes lets `env` win over `envFrom`, so a Secret's key cannot replace what the operator sets.
  if (!env_from.empty()) container["envFrom"] = env_from;
}

std::int32_t min_pods(std::int32_t replicas, const Autoscaling& a) { return a.enabled ? a.minReplicas : replicas; }

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

DesiredObject desired(Tier tier, bool stateless, json manifest) { return DesiredObject{tier, stateless, std::move(manifest)}; }

}  // namespace po::platform::detail
