#include "po/platform/reconciler.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <set>

#include "po/common/log.hpp"
#include "po/platform/child_status.hpp"
#include "po/platform/pod_diagnosis.hpp"
#include "po/platform/conditions.hpp"
#include "po/platform/platform_status.hpp"
#include "po/platform/render.hpp"
#include "po/platform/rollback.hpp"
#include "po/platform/spec.hpp"
#include "po/platform/stateful.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;
using runtime::ReconcileResult;

const kube::GroupVersionResource kPlatforms{"platform.a11y.dev", "v1alpha1", "platforms", true};

namespace {

struct KnownKind {
  ChildKind child;
  bool watched;  // an informer runs for it; optional CRD kinds are applied without one
};

const std::vector<KnownKind>& known_kinds() {
  static const std::vector<KnownKind> kinds = {
      {{{"apps", "v1", "deployments", true}, "apps/v1", "Deployment"}, true},
      {{{"apps", "v1", "statefulsets", true}, "apps/v1", "StatefulSet"}, true},
      {{{"", "v1", "services", true}, "v1", "Service"}, true},
      {{{"", "v1", "configmaps", true}, "v1", "ConfigMap"}, true},
      {{{"", "v1", "secrets", true}, "v1", "Secret"}, true},
      {{{"", "v1", "serviceaccounts", true}, "v1", "ServiceAccount"}, true},
      {{{"", "v1", "persistentvolumeclaims", true}, "v1", "PersistentVolumeClaim"}, true},
      {{{"autoscaling", "v2", "horizontalpodautoscalers", true}, "autoscaling/v2", "HorizontalPodAutoscaler"}, true},
      {{{"policy", "v1", "poddisruptionbudgets", true}, "policy/v1", "PodDisruptionBudget"}, true},
      {{{"networking.k8s.io", "v1", "networkpolicies", true}, "networking.k8s.io/v1", "NetworkPolicy"}, true},
      {{{"networking.k8s.io", "v1", "ingresses", true}, "networking.k8s.io/v1", "Ingress"}, true},
      {{{"batch", "v1", "cronjobs", true}, "batch/v1", "CronJob"}, true},
      {{{"rbac.authorization.k8s.io", "v1", "roles", true}, "rbac.authorization.k8s.io/v1", "Role"}, true},
      {{{"rbac.authorization.k8s.io", "v1", "rolebindings", true}, "rbac.authorization.k8s.io/v1", "RoleBinding"}, true},
      {{{"gateway.networking.k8s.io", "v1", "httproutes", true}, "gateway.networking.k8s.io/v1", "HTTPRoute"}, false},
      {{{"monitoring.coreos.com", "v1", "servicemonitors", true}, "monitoring.coreos.com/v1", "ServiceMonitor"}, false},
      {{{"monitoring.coreos.com", "v1", "prometheusrules", true}, "monitoring.coreos.com/v1", "PrometheusRule"}, false},
  };
  return kinds;
}

std::string str(const json& object, const char* ptr) {
  const auto p = json::json_pointer(ptr);
  return object.contains(p) && object.at(p).is_string() ? object.at(p).get<std::string>() : std::string{};
}

std::int64_t generation_of(const json& object) {
  const auto p = json::json_pointer("/metadata/generation");
  return object.contains(p) && object.at(p).is_number_integer() ? object.at(p).get<std::int64_t>() : 0;
}

bool has_finalizer(const json& object) {
  const auto p = json::json_pointer("/metadata/finalizers");
  if (!object.contains(p) || !object.at(p).is_array()) return false;
  const auto& list = object.at(p);
  return std::find(list.begin(), list.end(), json(std::string(kFinalizer))) != list.end();
}

// Finalizers with ours added or removed; resourceVersion makes the merge patch a compare-and-swap.
json finalizer_patch(const json& object, bool add) {
  json list = json::array();
  const auto p = json::json_pointer("/metadata/finalizers");
  if (object.contains(p) && object.at(p).is_array()) {
    for (const auto& f : object.at(p)) {
      if (f != json(std::string(kFinalizer))) list.push_back(f);
    }
  }
  if (add) list.push_back(std::string(kFinalizer));
  return {{"metadata", {{"finalizers", list}, {"resourceVersion", str(object, "/metadata/resourceVersion")}}}};
}

// 32 characters from [A-Za-z0-9], drawn from OpenSSL's CSPRNG (rejection sampling keeps it uniform).
std::string random_token() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  unsigned char buf[64];
  while (out.size() < 32) {
    if (RAND_bytes(buf, sizeof buf) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
    for (const unsigned char b : buf) {
      if (b < 248 && out.size() < 32) out.push_back(kAlphabet[b % kAlphabet.size()]);
    }
  }
  return out;
}

// A merge patch that adds (own) or removes (!own) the Platform's ownerReference, keeping any others;
// nullopt when the object is already so. resourceVersion makes it a compare-and-swap.
std::optional<json> owner_reference_patch(const json& object, const json& owner, bool own) {
  json refs = json::array();
  bool found = false;
  const auto p = json::json_pointer("/metadata/ownerReferences");
  if (object.contains(p) && object.at(p).is_array()) {
    for (const auto& ref : object.at(p)) {
      if (ref.is_object() && ref.value("uid", "") == owner.value("uid", "")) {
        found = true;
        continue;
      }
      refs.push_back(ref);
    }
  }
  if (found == own) return std::nullopt;
  if (own) refs.push_back(owner);
  return json{{"metadata", {{"ownerReferences", refs}, {"resourceVersion", str(object, "/metadata/resourceVersion")}}}};
}

// 403 (RBAC, ResourceQuota, PodSecurity) and admission webhook denials (any code) come from the cluster's
// policy, not from the spec: the same spec may go through once that is fixed. A 422 Invalid without a
// webhook is the object itself.
bool rejected_by_environment(const kube::ApiError& error) {
  if (error.code == 403) return true;
  return error.message.find("admission webhook") != std::string::npos ||
         error.message.find("exceeded quota") != std::string::npos;
}

std::string digest_of(const json& manifest) { return std::to_string(std::hash<std::string>{}(manifest.dump())); }

// A saved revision's objects with today's replica counts: a count is not part of a revision (kubectl
// scale, an HPA or spec.*.replicas own it), so restoring one must not restore the count saved with it.
// Where today's rendering sends no count (an HPA owns it), none is sent.
std::vector<json> with_current_replicas(std::vector<json> saved, const std::vector<DesiredObject>& current) {
  const auto replicas = json::json_pointer("/spec/replicas");
  for (auto& object : saved) {
    const auto kind = object.value("kind", "");
    if (kind != "Deployment" && kind != "StatefulSet") continue;
    const auto name = str(object, "/metadata/name");
    for (const auto& now : current) {
      if (now.manifest.value("kind", "") != kind || str(now.manifest, "/metadata/name") != name) continue;
      if (now.manifest.contains(replicas)) {
        object["spec"]["replicas"] = now.manifest.at(replicas);
      } else if (object.contains("spec")) {
        object["spec"].erase("replicas");
      }
      break;
    }
  }
  return saved;
}

std::string component_of(const json& manifest) {
  return str(manifest, "/metadata/labels/app.kubernetes.io~1component");
}

}  // namespace

const std::vector<ChildKind>& watched_child_kinds() {
  static const std::vector<ChildKind> kinds = [] {
    std::vector<ChildKind> out;
    for (const auto& k : known_kinds()) {
      if (k.watched) out.push_back(k.child);
    }
    return out;
  }();
  return kinds;
}

const kube::GroupVersionResource* resource_for(std::string_view api_version, std::string_view kind) {
  for (const auto& k : known_kinds()) {
    if (k.child.api_version == api_version && k.child.kind == kind) return &k.child.gvr;
  }
  return nullptr;
}

PlatformReconciler::PlatformReconciler(runtime::ApiReader& api, runtime::Writer& writer, const runtime::Reader& cache,
                                       runtime::EventSink& events, ReconcilerOptions options)
    : api_(api), writer_(writer), cache_(cache), events_(events), options_(std::move(options)) {}

const json* PlatformReconciler::cached_child(const kube::GroupVersionResource& gvr, const std::string& key,
                                             runtime::ObjectPtr& hold) const {
  hold = cache_.get(gvr, key);
  return hold.get();
}

// A workload that is not Current says why in its pods' own words (CrashLoopBackOff, ImagePullBackOff, the
// scheduler's reason, a readiness probe that does not pass), when the pod informer runs.
void PlatformReconciler::explain_with_pods(const std::string& ns, const json& manifest, WorkloadStatus& workload) const {
  if (workload.state == RolloutState::Current || workload.state == RolloutState::Missing) return;
  static const kube::GroupVersionResource pods_resource{"", "v1", "pods", true};
  if (!cache_.watches(pods_resource)) return;
  const auto selector = json::json_pointer("/spec/selector/matchLabels");
  if (!manifest.contains(selector)) return;
  std::map<std::string, std::string> labels;
  for (const auto& [key, value] : manifest.at(selector).items())
    if (value.is_string()) labels[key] = value.get<std::string>();
  std::vector<json> pods;
  for (const auto& pod : cache_.by_labels(pods_resource, labels))
    if (pod && str(*pod, "/metadata/namespace") == ns) pods.push_back(*pod);
  std::vector<const json*> ptrs;
  for (const auto& pod : pods) ptrs.push_back(&pod);
  if (const auto problem = diagnose_pods(ptrs)) workload.message += (workload.message.empty() ? "" : "; ") + problem->message;
}

kube::Result<bool> PlatformReconciler::monitoring_crds_available() {
  std::scoped_lock lock(discovery_mu_);
  const auto now = std::chrono::steady_clock::now();
  const bool known = discovery_checked_ != std::chrono::steady_clock::time_point{};
  if (!known || now - discovery_checked_ > options_.discovery_ttl) {
    auto served = api_.has_resource("monitoring.coreos.com", "v1", "servicemonitors");
    if (served.ok()) {
      monitoring_crds_ = *served;
      discovery_checked_ = now;
    } else if (!known) {
      return served.error();
    } else {
      spdlog::warn("discovery of monitoring.coreos.com failed (keeping the last answer): {}", served.error().to_string());
    }
  }
  return monitoring_crds_;
}

ReconcileResult PlatformReconciler::finalize(const json& platform) {
  const auto ns = str(platform, "/metadata/namespace");
  const auto name = str(platform, "/metadata/name");
  if (!has_finalizer(platform)) return ReconcileResult::done();
  if (str(platform, "/spec/storage/whenDeleted") == "Delete") {
    kube::ListOptions opts;
    opts.label_selector = "app.kubernetes.io/instance=" + name + "," + std::string(kManagedBySelector);
    const auto& pvcs = *resource_for("v1", "PersistentVolumeClaim");
    auto list = api_.list_all(pvcs, ns, opts);
    if (!list.ok()) return ReconcileResult::failed("listing PersistentVolumeClaims: " + list.error().to_string());
    for (const auto& pvc : list->items) {
      const auto pvc_name = str(pvc, "/metadata/name");
      auto r = writer_.remove(pvcs, ns, pvc_name, {"Background", {}, {}, {}});
      if (!r.ok() && !r.error().not_found()) {
        return ReconcileResult::failed("deleting PersistentVolumeClaim " + pvc_name + ": " + r.error().to_string());
      }
      spdlog::info("platform {}/{}: deleted PersistentVolumeClaim {} (storage.whenDeleted: Delete)", ns, name, pvc_name);
    }
    events_.record(platform, "Normal", "VolumesDeleted", "Delete",
                   std::to_string(list->items.size()) + " PersistentVolumeClaims deleted as storage.whenDeleted says");
  } else {
    spdlog::info("platform {}/{}: keeping PersistentVolumeClaims (storage.whenDeleted: Retain)", ns, name);
  }
  auto r = writer_.patch(kPlatforms, ns, name, kube::PatchType::Merge, finalizer_patch(platform, false));
  if (!r.ok() && !r.error().not_found()) return ReconcileResult::failed("removing finalizer: " + r.error().to_string());
  applied_.forget_prefix(ns + "/" + name + "|");
  return ReconcileResult::done();
}

std::optional<PlatformReconciler::ApplyFailure> PlatformReconciler::apply_object(const std::string& platform_key,
                                                                                const std::string& ns,
                                                                                const json& manifest) {
  const auto* gvr = resource_for(manifest.value("apiVersion", ""), manifest.value("kind", ""));
  const auto obj_name = str(manifest, "/metadata/name");
  if (gvr == nullptr) return ApplyFailure{"no resource is known for " + manifest.value("kind", "") + " " + obj_name, false};
  const auto memo_key = platform_key + "|" + gvr->resource + "/" + obj_name;
  const auto digest = digest_of(manifest);
  runtime::ObjectPtr hold;
  if (cache_.watches(*gvr) ? applied_.unchanged(memo_key, digest, cached_child(*gvr, ns + "/" + obj_name, hold))
                           : applied_.unchanged_unwatched(memo_key, digest)) {
    ++skipped_;
    return std::nullopt;
  }
  if (auto failed = hand_over_replicas(*gvr, memo_key, ns, manifest)) return failed;
  auto applied = writer_.apply(*gvr, ns, obj_name, manifest, {std::string(kFieldManager), true, false});
  ++applies_;
  if (!applied.ok()) {
    return ApplyFailure{manifest.value("kind", "") + " " + obj_name + ": " + applied.error().to_string(),
                        applied.error().retryable, rejected_by_environment(applied.error())};
  }
  applied_.remember(memo_key, digest, *applied);
  return std::nullopt;
}

// Kubernetes' documented transfer of spec.replicas to an HPA: if our field manager, the only owner, just
// stopped sending it, the API server would reset it to the default of 1. So first a second manager applies
// the current count (sharing the field); then our apply drops it and the count stays until the HPA, which
// takes the field over when it scales, changes it.
std::optional<PlatformReconciler::ApplyFailure> PlatformReconciler::hand_over_replicas(
    const kube::GroupVersionResource& gvr, const std::string& memo_key, const std::string& ns, const json& manifest) {
  const auto kind = manifest.value("kind", "");
  if (kind != "Deployment" && kind != "StatefulSet") return std::nullopt;
  const bool sends_replicas = manifest.contains(json::json_pointer("/spec/replicas"));
  {
    std::scoped_lock lock(handover_mu_);
    if (sends_replicas) {
      handed_over_.erase(memo_key);
      return std::nullopt;
    }
    if (handed_over_.count(memo_key) != 0) return std::nullopt;
  }
  const auto obj_name = str(manifest, "/metadata/name");
  auto live = api_.get(gvr, ns, obj_name);
  if (!live.ok() && !live.error().not_found()) {
    return ApplyFailure{kind + " " + obj_name + ": reading replicas to hand over: " + live.error().to_string(), true};
  }
  const auto replicas = json::json_pointer("/spec/replicas");
  if (live.ok() && live->contains(replicas)) {
    const json handover = {{"apiVersion", manifest.value("apiVersion", "")},
                           {"kind", kind},
                           {"metadata", {{"name", obj_name}, {"namespace", ns}}},
                           {"spec", {{"replicas", live->at(replicas)}}}};
    auto r = writer_.apply(gvr, ns, obj_name, handover, {std::string(kReplicasHandoverFieldManager), false, false});
    ++applies_;
    // A conflict: another manager (the HPA) already owns the field with another value; it keeps it.
    if (!r.ok() && !r.error().conflict()) {
      return ApplyFailure{kind + " " + obj_name + ": handing spec.replicas over: " + r.error().to_string(),
                          r.error().retryable};
    }
  }
  std::scoped_lock lock(handover_mu_);
  handed_over_.insert(memo_key);
  return std::nullopt;
}

std::string PlatformReconciler::prune_unwatched(const std::string& key, const std::string& ns, const std::string& name,
                                                const std::string& uid, const std::set<std::string>& desired_keys) {
  kube::ListOptions opts;
  opts.label_selector = "app.kubernetes.io/instance=" + name + "," + std::string(kManagedBySelector);
  for (const auto& known : known_kinds()) {
    const auto& gvr = known.child.gvr;
    if (cache_.watches(gvr)) continue;
    auto list = api_.list_all(gvr, ns, opts);
    if (!list.ok()) {
      if (list.error().not_found()) continue;  // the CRD is not installed: nothing of the kind exists
      return "listing " + gvr.resource + ": " + list.error().to_string();
    }
    for (const auto& object : list->items) {
      const auto object_name = str(object, "/metadata/name");
      if (desired_keys.count(gvr.resource + "/" + object_name) != 0) continue;
      const auto owner = runtime::controller_owner_index(object);
      if (!owner || *owner != runtime::owner_index_value("Platform", ns, name)) continue;
      bool ours = false;
      for (const auto& ref : object["metadata"].value("ownerReferences", json::array())) {
        ours = ours || ref.value("uid", "") == uid;
      }
      if (!ours) continue;
      auto r = writer_.remove(gvr, ns, object_name, {"Background", str(object, "/metadata/uid"), {}, {}});
      if (!r.ok() && !r.error().not_found()) return "pruning " + gvr.resource + "/" + object_name + ": " + r.error().to_string();
      spdlog::info("platform {}/{}: pruned {}/{}", ns, name, gvr.resource, object_name);
      applied_.forget_prefix(key + "|" + gvr.resource + "/" + object_name);
    }
  }
  return {};
}

std::vector<runtime::ObjectPtr> PlatformReconciler::postgres_data_claims(const std::string& ns,
                                                                        const std::string& name) const {
  std::vector<runtime::ObjectPtr> out;
  const auto prefix = "data-" + name + "-postgres-";
  for (auto& claim : cache_.by_labels(*resource_for("v1", "PersistentVolumeClaim"), {{"app.kubernetes.io/instance", name}})) {
    if (str(*claim, "/metadata/namespace") == ns && str(*claim, "/metadata/name").starts_with(prefix)) {
      out.push_back(std::move(claim));
    }
  }
  return out;
}

std::optional<std::string> PlatformReconciler::tend_stateful_pods(const json& platform, const json& live,
                                                                  const json& manifest, int deadline_seconds,
                                                                  const std::string& now) {
  static const kube::GroupVersionResource pods{"", "v1", "pods", true};
  const auto ns = str(platform, "/metadata/namespace");
  const auto sts_name = str(manifest, "/metadata/name");
  std::string selector;
  const auto match = json::json_pointer("/spec/selector/matchLabels");
  if (!manifest.contains(match) || !manifest.at(match).is_object()) return std::nullopt;
  for (const auto& [k, v] : manifest.at(match).items()) {
    if (!selector.empty()) selector += ",";
    selector += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  kube::ListOptions opts;
  opts.label_selector = selector;
  auto list = api_.list_all(pods, ns, opts);
  if (!list.ok()) {
    spdlog::warn("platform {}/{}: listing the pods of StatefulSet {}: {}", ns, str(platform, "/metadata/name"), sts_name,
                 list.error().to_string());
    return std::nullopt;
  }
  const auto verdict = judge_stateful_pods(live, list->items, parse_rfc3339_utc(now).value_or(0), deadline_seconds);
  for (const auto& pod : verdict.abandoned) {
    // Kubernetes' documented StatefulSet "forced rollback": once the template is reverted, the pods that
    // tried the bad one must be deleted, or the controller waits for them forever.
    auto r = writer_.remove(pods, ns, pod.name, {"Background", pod.uid, {}, {}});
    if (!r.ok() && !r.error().not_found()) {
      spdlog::warn("platform {}/{}: deleting pod {}: {}", ns, str(platform, "/metadata/name"), pod.name,
                   r.error().to_string());
      continue;
    }
    const auto message = "deleted pod " + pod.name + " of StatefulSet " + sts_name + ": it runs revision " +
                         pod.revision + ", which the StatefulSet no longer wants, and never became ready";
    spdlog::info("platform {}/{}: {}", ns, str(platform, "/metadata/name"), message);
    events_.record(platform, "Normal", "AbandonedPodDeleted", "Delete", message);
  }
  if (verdict.failed) return verdict.message;
  return std::nullopt;
}

namespace {
const kube::GroupVersionResource kControllerRevisions{"apps", "v1", "controllerrevisions", true};
std::string revision_object_name(const std::string& platform, const std::string& revision) {
  return platform + "-" + revision.substr(0, 10);
}
}  // namespace

std::string PlatformReconciler::save_revision(const Platform& spec, const std::string& revision,
                                              const std::vector<json>& stateless, int history_limit) {
  const auto& ns = spec.metadata.namespace_;
  const auto& name = spec.metadata.name;
  const auto cr_name = revision_object_name(name, revision);
  json cr = {{"apiVersion", "apps/v1"},
             {"kind", "ControllerRevision"},
             {"metadata",
              {{"name", cr_name},
               {"namespace", ns},
               {"labels",
                {{"app.kubernetes.io/instance", name},
                 {"app.kubernetes.io/managed-by", "platform-operator"},
                 {"platform.a11y.dev/revision", revision.substr(0, 63)}}},
               {"ownerReferences", json::array({detail::owner_reference(spec)})}}},
             {"data", {{"revision", revision}, {"objects", stateless}}},
             {"revision", std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count()}};
  auto created = writer_.create(kControllerRevisions, ns, cr);
  if (!created.ok() && !created.error().already_exists()) return created.error().to_string();

  // Keep at most historyLimit revisions (the newest), never the one just saved.
  kube::ListOptions opts;
  opts.label_selector = "app.kubernetes.io/instance=" + name + ",app.kubernetes.io/managed-by=platform-operator";
  auto list = api_.list_all(kControllerRevisions, ns, opts);
  if (!list.ok()) return list.error().to_string();
  auto items = std::move(list->items);
  std::sort(items.begin(), items.end(), [](const json& a, const json& b) {
    return a.value("revision", std::int64_t{0}) > b.value("revision", std::int64_t{0});
  });
  const auto keep = static_cast<std::size_t>(std::max(1, history_limit));
  for (std::size_t i = keep; i < items.size(); ++i) {
    const auto old = str(items[i], "/metadata/name");
    if (old == cr_name) continue;
    auto r = writer_.remove(kControllerRevisions, ns, old);
    if (!r.ok() && !r.error().not_found()) return r.error().to_string();
  }
  return {};
}

kube::Result<std::vector<json>> PlatformReconciler::load_revision(const std::string& ns, const std::string& name,
                                                                  const std::string& revision) {
  if (revision.empty()) return std::vector<json>{};
  auto got = api_.get(kControllerRevisions, ns, revision_object_name(name, revision));
  if (!got.ok()) {
    if (got.error().not_found()) return std::vector<json>{};
    return got.error();
  }
  std::vector<json> objects;
  const auto ptr = json::json_pointer("/data/objects");
  if (got->contains(ptr) && got->at(ptr).is_array()) {
    for (const auto& o : got->at(ptr)) objects.push_back(o);
  }
  return objects;
}

std::string PlatformReconciler::last_written_version(const std::string& key) const {
  std::scoped_lock lock(written_mu_);
  const auto it = written_.find(key);
  return it == written_.end() ? std::string{} : it->second;
}

void PlatformReconciler::remember_written(const std::string& key, std::string resource_version) {
  std::scoped_lock lock(written_mu_);
  written_[key] = std::move(resource_version);
}

void PlatformReconciler::forget_written(const std::string& key) {
  std::scoped_lock lock(written_mu_);
  written_.erase(key);
}

ReconcileResult PlatformReconciler::reconcile(const std::string& key, std::stop_token stop) {
  const runtime::ObjectPtr cached = cache_.get(kPlatforms, key);
  if (!cached) {
    applied_.forget_prefix(key + "|");
    forget_written(key);
    return ReconcileResult::done();
  }
  json platform = *cached;
  // After our own status write the watch may not have delivered it yet; reconciling from that stale copy
  // would compute status from an older history and write it back. Read the object itself until the cache
  // has caught up with what we wrote.
  if (const auto written = last_written_version(key);
      !written.empty() && written != str(platform, "/metadata/resourceVersion")) {
    auto fresh = api_.get(kPlatforms, str(platform, "/metadata/namespace"), str(platform, "/metadata/name"));
    if (fresh.ok()) {
      if (str(*fresh, "/metadata/resourceVersion") == str(platform, "/metadata/resourceVersion")) forget_written(key);
      platform = std::move(*fresh);
    } else if (fresh.error().not_found()) {
      forget_written(key);
      return ReconcileResult::done();
    } else {
      return ReconcileResult::failed("reading the Platform: " + fresh.error().to_string());
    }
  }
  const auto ns = str(platform, "/metadata/namespace");
  const auto name = str(platform, "/metadata/name");
  const auto generation = generation_of(platform);
  const auto now = rfc3339_now();

  // 1. Deletion.
  if (platform["metadata"].contains("deletionTimestamp")) return finalize(platform);

  // 2. Finalizer, then pause.
  if (!has_finalizer(platform)) {
    auto r = writer_.patch(kPlatforms, ns, name, kube::PatchType::Merge, finalizer_patch(platform, true));
    if (!r.ok()) return ReconcileResult::failed("adding finalizer: " + r.error().to_string());
    platform = std::move(*r);
  }
  const json old_status = platform.value("status", json::object());
  json status = old_status;

  auto write_status = [&](const json& st) -> kube::Status {
    if (st == old_status) return kube::Ok{};
    json body = {{"apiVersion", kPlatforms.api_version()},
                 {"kind", "Platform"},
                 {"metadata", {{"name", name}, {"namespace", ns}}},
                 {"status", st}};
    auto r = writer_.apply(kPlatforms, ns, name, body, {std::string(kFieldManager), true, false}, "status");
    if (!r.ok()) return r.error();
    remember_written(key, str(*r, "/metadata/resourceVersion"));
    return kube::Ok{};
  };

  if (str(platform, "/metadata/annotations/platform.a11y.dev~1paused") == "true") {
    set_condition(status["conditions"], {"ReconciliationPaused", "True", "PausedByAnnotation",
                                         "the platform.a11y.dev/paused annotation is \"true\""},
                  generation, now);
    auto w = write_status(status);
    if (!w.ok()) return ReconcileResult::failed("writing status: " + w.error().to_string());
    return ReconcileResult::done();
  }
  remove_condition(status["conditions"], "ReconciliationPaused");

  // 3. Semantic validation.
  auto parsed = parse_and_validate(platform);
  if (!parsed.ok()) {
    const auto message = to_string(parsed.errors);
    const bool already = condition_is(old_status.value("conditions", json::array()), "Stalled", "True") &&
                         old_status.value("observedGeneration", std::int64_t{-1}) == generation;
    stall(status, generation, "InvalidSpec", message, now);
    if (!already) events_.record(platform, "Warning", "InvalidSpec", "Validate", message);
    spdlog::warn("platform {}/{}: invalid spec: {}", ns, name, message);
    auto w = write_status(status);
    if (!w.ok()) return ReconcileResult::failed("writing status: " + w.error().to_string());
    return ReconcileResult::done();  // nothing to retry until the spec changes
  }
  const Platform& spec = parsed.platform;

  // A PostgreSQL major-version downgrade is refused before anything is applied: the data stays as it is.
  // What the data was written by: the label on the data claims (set once a major ran ready on them; the
  // claims outlive a deleted Platform), else the live StatefulSet's image for claims not labelled yet. A
  // major that never became ready is not on the label, so going back from it is not refused here.
  const auto& statefulsets = *resource_for("apps/v1", "StatefulSet");
  const auto data_claims = postgres_data_claims(ns, name);
  if (spec.spec.database.managed) {
    std::optional<int> running;
    for (const auto& claim : data_claims) {
      const auto recorded = recorded_postgres_major(*claim);
      if (recorded && (!running || *recorded > *running)) running = recorded;
    }
    if (!running) {
      runtime::ObjectPtr hold;
      running = running_postgres_major(cached_child(statefulsets, ns + "/" + name + "-postgres", hold));
    }
    if (const auto refused = refuse_postgres_downgrade(running, spec.spec.database.managed->version)) {
      const bool already = condition_is(old_status.value("conditions", json::array()), "Stalled", "True") &&
                           old_status.value("observedGeneration", std::int64_t{-1}) == generation;
      stall(status, generation, "DowngradeRefused", *refused, now);
      if (!already) events_.record(platform, "Warning", "DowngradeRefused", "Validate", *refused);
      spdlog::warn("platform {}/{}: {}", ns, name, *refused);
      auto w = write_status(status);
      if (!w.ok()) return ReconcileResult::failed("writing status: " + w.error().to_string());
      return ReconcileResult::done();  // nothing to retry until the spec changes
    }
  }

  // 4. Generated Secrets: created once, never rewritten, never logged. The PostgreSQL credentials belong
  // with the data: under whenDeleted: Retain they have no owner (the garbage collector and pruning leave
  // them, so retained data keeps its password); under Delete the Platform owns them.
  const auto& secrets = *resource_for("v1", "Secret");
  const bool retain_data = spec.spec.whenDeleted == WhenDeleted::Retain;
  const auto retained_credentials = names::postgres(spec);
  std::set<std::string> generated_names;
  for (const auto& gen : generated_secrets(spec)) {
    generated_names.insert(gen.name);
    const bool owned = !(retain_data && gen.name == retained_credentials);
    runtime::ObjectPtr hold;
    const json* cached_secret = cached_child(secrets, ns + "/" + gen.name, hold);
    std::optional<json> existing_secret;
    if (cached_secret == nullptr) {
      auto existing = api_.get(secrets, ns, gen.name);
      if (existing.ok()) {
        existing_secret = std::move(*existing);
        cached_secret = &*existing_secret;
      } else if (!existing.error().not_found()) {
        return ReconcileResult::failed("reading Secret " + gen.name + ": " + existing.error().to_string());
      }
    }
    if (cached_secret != nullptr) {
      if (auto patch = owner_reference_patch(*cached_secret, detail::owner_reference(spec), owned)) {
        auto r = writer_.patch(secrets, ns, gen.name, kube::PatchType::Merge, *patch);
        if (!r.ok() && !r.error().not_found()) {
          return ReconcileResult::failed("setting the owner of Secret " + gen.name + ": " + r.error().to_string());
        }
      }
      continue;
    }
    std::map<std::string, std::string> random;
    for (const auto& k : gen.randomKeys) random[k] = random_token();
    json secret = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"type", "Opaque"},
                   {"metadata",
                    {{"name", gen.name},
                     {"namespace", ns},
                     {"labels",
                      {{"app.kubernetes.io/instance", name},
                       {"app.kubernetes.io/part-of", "a11y-platform"},
                       {"app.kubernetes.io/managed-by", "platform-operator"}}}}},
                   {"stringData", secret_data(gen, random)}};
    if (owned) secret["metadata"]["ownerReferences"] = json::array({detail::owner_reference(spec)});
    auto created = writer_.create(secrets, ns, secret);
    if (!created.ok() && !created.error().already_exists()) {
      return ReconcileResult::failed("creating Secret " + gen.name + ": " + created.error().to_string());
    }
    if (created.ok()) events_.record(platform, "Normal", "SecretGenerated", "Create", "generated Secret " + gen.name);
  }

  // 5. Render; the revision is the digest of the stateless objects.
  RenderOptions render_options;
  if (spec.spec.monitoring.enabled) {
    auto served = monitoring_crds_available();
    if (!served.ok()) return ReconcileResult::failed("discovery of monitoring.coreos.com: " + served.error().to_string());
    render_options.monitoringCrdsAvailable = *served;
  }
  const auto objects = render(spec, render_options);
  const auto revision = revision_digest(objects);
  po::log::set_field("revision", revision.substr(0, 12));  // on every later log line of this reconcile

  // 6. A revision that failed before is not applied again (unless retry-at asks), and failures in a row
  // back off and then stall: hold the last good one.
  const auto plan = plan_rollout({revision, old_status, str(platform, "/metadata/annotations/platform.a11y.dev~1retry-at"),
                                  parse_rfc3339_utc(now).value_or(0), spec.spec.rollout.maxConsecutiveFailures,
                                  options_.failure_backoff.count()});
  const auto last_good = str(old_status, "/revision/lastGood");
  std::vector<json> in_effect;          // the manifests this reconcile applies, in tier order
  std::set<std::string> desired_keys;   // "<resource>/<name>" of everything that must not be pruned
  std::string effective_revision = revision;
  std::optional<std::vector<json>> last_good_objects;
  if (plan.plan == Plan::HoldLastGood) {
    auto loaded = load_revision(ns, name, last_good);
    if (!loaded.ok()) return ReconcileResult::failed("reading the last good revision: " + loaded.error().to_string());
    last_good_objects = with_current_replicas(std::move(*loaded), objects);
  }
  const bool holding = plan.plan != Plan::ApplyRevision;
  const bool restore = plan.plan == Plan::HoldLastGood && last_good_objects && !last_good_objects->empty();
  for (const auto& object : objects) {
    if (!holding || !object.stateless) {
      in_effect.push_back(object.manifest);
    } else if (!restore) {
      // Failed before any success: the failed stateless objects stay as they are, untouched.
      const auto* gvr = resource_for(object.manifest.value("apiVersion", ""), object.manifest.value("kind", ""));
      if (gvr != nullptr) desired_keys.insert(gvr->resource + "/" + str(object.manifest, "/metadata/name"));
    }
  }
  if (restore) {
    in_effect.insert(in_effect.end(), last_good_objects->begin(), last_good_objects->end());
    effective_revision = last_good;
  }

  // 7. Record the attempt before applying anything.
  bool attempt_begun = false;
  if (!holding) {
    const bool new_revision = str(old_status, "/revision/lastAttempted") != revision;
    if (begin_attempt(status, revision, generation, spec.spec.version, spec.spec.rollout.historyLimit, now)) {
      attempt_begun = true;
      auto w = write_status(status);
      if (!w.ok()) return ReconcileResult::failed("recording the attempt: " + w.error().to_string());
      if (new_revision || !plan.message.empty()) {
        events_.record(platform, "Normal", "RolloutStarted", "Apply",
                       (plan.message.empty() ? "applying revision " + revision.substr(0, 12) : plan.message) +
                           " (version " + spec.spec.version + ")");
      }
    }
  } else if (plan.reason == HoldReason::BackingOff) {
    if (!condition_is(old_status.value("conditions", json::array()), "Reconciling", "True")) {
      spdlog::info("platform {}/{}: {}", ns, name, plan.message);
      events_.record(platform, "Normal", "BackingOff", "Apply", plan.message);
    }
  } else if (!condition_is(old_status.value("conditions", json::array()), "RolledBack", "True")) {
    // The spec went back to a revision that failed before: say why it is not applied.
    spdlog::info("platform {}/{}: {}", ns, name, plan.message);
    set_condition(status["conditions"],
                  {"RolledBack", "True", restore ? "HoldingLastGood" : "HoldingFailed", plan.message}, generation, now);
    events_.record(platform, "Warning", "RevisionHeld", "Apply", plan.message);
  }

  // Rolls the stateless objects back to the last good revision; true when that apply went through.
  auto roll_back = [&](const std::string& why) -> bool {
    auto loaded = load_revision(ns, name, last_good);
    bool ok = loaded.ok() && !loaded->empty();
    std::string failure = loaded.ok() ? "its ControllerRevision is missing" : loaded.error().to_string();
    if (ok) {
      for (const auto& manifest : with_current_replicas(std::move(*loaded), objects)) {
        if (auto f = apply_object(key, ns, manifest)) {
          ok = false;
          failure = f->what;
          break;
        }
      }
    }
    finish_attempt(status, revision, kFailed, now, why);
    const auto what = "revision " + revision.substr(0, 12) + " " + why;
    if (ok) {
      status["revision"]["current"] = last_good;
      status["lastRollbackTime"] = now;
      set_condition(status["conditions"],
                    {"RolledBack", "True", "RollbackSucceeded", what + "; rolled back to " + last_good.substr(0, 12)},
                    generation, now);
      events_.record(platform, "Warning", "RolledBack", "Rollback",
                     what + "; rolled back to revision " + last_good.substr(0, 12));
    } else {
      set_condition(status["conditions"],
                    {"RolledBack", "False", "RollbackFailed", what + "; rollback to " + last_good.substr(0, 12) +
                                                                   " failed: " + failure},
                    generation, now);
      events_.record(platform, "Warning", "RollbackFailed", "Rollback", what + "; rollback failed: " + failure);
    }
    return ok;
  };

  // 8. Server-side apply in tier order, skipping objects that are as we left them.
  for (const auto& manifest : in_effect) {
    if (stop.stop_requested()) return ReconcileResult::requeue();
    const auto* gvr = resource_for(manifest.value("apiVersion", ""), manifest.value("kind", ""));
    if (gvr != nullptr) desired_keys.insert(gvr->resource + "/" + str(manifest, "/metadata/name"));
    const auto failed_apply = apply_object(key, ns, manifest);
    if (!failed_apply && attempt_begun && !options_.failpoint_kill_after_apply.empty() &&
        options_.failpoint_kill_after_apply == manifest.value("kind", "") + "/" + str(manifest, "/metadata/name")) {
      spdlog::critical("failpoint: killing the operator after applying {} of revision {}",
                       options_.failpoint_kill_after_apply, revision.substr(0, 12));
      spdlog::default_logger()->flush();
      std::raise(SIGKILL);
    }
    if (!failed_apply) continue;
    const auto& failure = failed_apply->what;
    if (failed_apply->transient) return ReconcileResult::failed("applying " + failure);
    if (failed_apply->environment) {
      // Not the revision's fault: keep its attempt open, say what the cluster refused, retry with backoff.
      const bool already = find_condition(old_status.value("conditions", json::array()), "Ready") != nullptr &&
                           find_condition(old_status.value("conditions", json::array()), "Ready")->value("message", "") ==
                               "applying " + failure;
      set_condition(status["conditions"], {"Ready", "False", "ApplyRejected", "applying " + failure}, generation, now);
      set_condition(status["conditions"],
                    {"Reconciling", "True", "ApplyRejected", "retrying: the cluster refused an object (quota, RBAC or admission)"},
                    generation, now);
      if (!already) {
        spdlog::warn("platform {}/{}: applying {}", ns, name, failure);
        events_.record(platform, "Warning", "ApplyRejected", "Apply", failure);
      }
      auto w = write_status(status);
      if (!w.ok()) return ReconcileResult::failed("writing status: " + w.error().to_string());
      return ReconcileResult::failed("applying " + failure);
    }
    // Permanent (the object is invalid): undo what was applied of the new revision, and stall.
    if (!holding && on_rollout_failure(true, spec.spec.rollout.autoRollback, last_good, revision) ==
                        FailureAction::RollBack) {
      roll_back("could not be applied (" + failure + ")");
    } else {
      finish_attempt(status, revision, kFailed, now, "could not be applied (" + failure + ")");
    }
    stall(status, generation, "ApplyFailed", "applying " + failure, now);
    events_.record(platform, "Warning", "ApplyFailed", "Apply", failure);
    auto w = write_status(status);
    if (!w.ok()) return ReconcileResult::failed("writing status: " + w.error().to_string());
    // Retried rarely, in case the object was refused for a reason outside the spec after all.
    return ReconcileResult::requeue_after(std::chrono::minutes(5));
  }

  // 9. Prune owned objects that are no longer desired (never claims: volumes are kept).
  for (const auto& watched : cache_.watched()) {
    const auto& resource = watched.resource;
    if (resource == "persistentvolumeclaims" || watched == kPlatforms) continue;
    for (const auto& child : cache_.by_owner(watched, "Platform", ns, name)) {
      const auto child_name = str(*child, "/metadata/name");
      if (desired_keys.count(resource + "/" + child_name) != 0) continue;
      if (resource == "secrets" && generated_names.count(child_name) != 0) continue;
      if (resource == "secrets" && retain_data && child_name == retained_credentials) continue;
      auto r = writer_.remove(watched, ns, child_name, {"Background", str(*child, "/metadata/uid"), {}, {}});
      if (!r.ok() && !r.error().not_found()) {
        return ReconcileResult::failed("pruning " + resource + "/" + child_name + ": " + r.error().to_string());
      }
      spdlog::info("platform {}/{}: pruned {}/{}", ns, name, resource, child_name);
      applied_.forget_prefix(key + "|" + resource + "/" + child_name);
    }
  }

  // Kinds without an informer (HTTPRoute, ServiceMonitor, PrometheusRule: their CRDs may be absent) are
  // listed, which costs requests: once after start-up and whenever a new revision is applied (disabling
  // one changes the revision).
  bool sweep = attempt_begun;
  {
    std::scoped_lock lock(swept_mu_);
    sweep = swept_.insert(key).second || sweep;
  }
  if (sweep) {
    if (auto failed = prune_unwatched(key, ns, name, str(platform, "/metadata/uid"), desired_keys); !failed.empty()) {
      std::scoped_lock lock(swept_mu_);
      swept_.erase(key);
      return ReconcileResult::failed(failed);
    }
  }

  // 10. Observe the workloads.
  std::map<std::string, std::vector<std::pair<std::string, WorkloadStatus>>> workloads;
  std::set<std::string> stateful_components;
  Observed observed;
  observed.revision = effective_revision;
  observed.generation = generation;
  observed.selector = api_selector(spec);
  for (const auto& manifest : in_effect) {
    const auto kind = manifest.value("kind", "");
    const auto obj_name = str(manifest, "/metadata/name");
    runtime::ObjectPtr hold;
    // What our apply returned: a cache entry older than that is not judged (it shows the previous spec).
    const auto* gvr = resource_for(manifest.value("apiVersion", ""), kind);
    const auto applied_generation = gvr == nullptr ? 0 : applied_.applied_generation(key + "|" + gvr->resource + "/" + obj_name);
    if (kind == "Deployment") {
      auto workload = deployment_status(cached_child(*gvr, ns + "/" + obj_name, hold), applied_generation);
      explain_with_pods(ns, manifest, workload);
      workloads[component_of(manifest)].emplace_back(obj_name, std::move(workload));
    } else if (kind == "StatefulSet") {
      const auto* live = cached_child(statefulsets, ns + "/" + obj_name, hold);
      auto workload = statefulset_status(live, applied_generation);
      if (live != nullptr && workload.state == RolloutState::InProgress &&
          generation_of(*live) >= applied_generation) {
        if (auto failure = tend_stateful_pods(platform, *live, manifest, spec.spec.rollout.progressDeadlineSeconds, now)) {
          workload.state = RolloutState::Failed;
          workload.message = *failure;
        }
      }
      explain_with_pods(ns, manifest, workload);
      stateful_components.insert(component_of(manifest));
      workloads[component_of(manifest)].emplace_back(obj_name, std::move(workload));
    } else if (kind == "Service") {
      const auto component = component_of(manifest);
      const auto& ports = manifest["spec"].value("ports", json::array());
      if (!ports.empty() && (component == "gateway" || component == "api" || component == "monitoring")) {
        const auto endpoint_name = component == "monitoring" ? obj_name.substr(obj_name.rfind('-') + 1) : component;
        observed.endpoints[endpoint_name] =
            "http://" + obj_name + "." + ns + ".svc:" + std::to_string(ports[0].value("port", 0));
      }
    }
  }
  for (const auto& [component, list] : workloads) {
    observed.components[component] = combine(list);
    observed.components[component].stateful = stateful_components.count(component) != 0;
  }
  if (const auto it = observed.components.find("api"); it != observed.components.end()) {
    observed.api_replicas = it->second.replicas;
  }

  const bool was_ready = condition_is(old_status.value("conditions", json::array()), "Ready", "True") &&
                         str(old_status, "/revision/current") == effective_revision;
  const bool was_failed = condition_is(old_status.value("conditions", json::array()), "Degraded", "True");
  auto outcome = observe(status, observed, now);
  // The database runs: record its major version on the data claims (see refuse_postgres_downgrade).
  if (const auto db = observed.components.find("database");
      spec.spec.database.managed && db != observed.components.end() && db->second.ready) {
    runtime::ObjectPtr hold;
    if (const auto running = running_postgres_major(cached_child(statefulsets, ns + "/" + name + "-postgres", hold))) {
      const auto& pvcs = *resource_for("v1", "PersistentVolumeClaim");
      for (const auto& claim : data_claims) {
        if (recorded_postgres_major(*claim) == running) continue;
        const json patch = {{"metadata", {{"labels", {{std::string(kPostgresMajorLabel), std::to_string(*running)}}}}}};
        auto r = writer_.patch(pvcs, ns, str(*claim, "/metadata/name"), kube::PatchType::Merge, patch);
        if (!r.ok() && !r.error().not_found()) {
          spdlog::warn("platform {}/{}: labelling {}: {}", ns, name, str(*claim, "/metadata/name"), r.error().to_string());
        }
      }
    }
  }
  if (!holding && outcome == Outcome::Ready) {
    // 12. Rolled out: keep its stateless objects as the revision a later failure returns to.
    if (last_good != revision) {
      std::vector<json> stateless;
      for (const auto& object : objects) {
        if (object.stateless) stateless.push_back(object.manifest);
      }
      if (auto saved = save_revision(spec, revision, stateless, spec.spec.rollout.historyLimit); !saved.empty()) {
        return ReconcileResult::failed("saving ControllerRevision: " + saved);
      }
    }
    remove_condition(status["conditions"], "RolledBack");
  }
  if (outcome == Outcome::Ready && !was_ready) {
    events_.record(platform, "Normal", "RolloutComplete", "Rollout",
                   "revision " + effective_revision.substr(0, 12) + " is ready (version " + spec.spec.version + ")");
  } else if (outcome == Outcome::Failed && !holding) {
    // 11. A failed rollout of a stateless component: back to the last good revision.
    const auto action = on_rollout_failure(true, spec.spec.rollout.autoRollback, last_good, revision);
    if (action == FailureAction::RollBack) {
      roll_back("failed to roll out");
      set_condition(status["conditions"], {"Ready", "False", "RollingBack", "restoring revision " + last_good.substr(0, 12)},
                    generation, now);
      outcome = Outcome::Progressing;
    } else if (!was_failed) {
      events_.record(platform, "Warning", "RolloutFailed", "Rollout",
                     "revision " + revision.substr(0, 12) + " failed to roll out" +
                         (last_good.empty() ? " (no earlier revision succeeded, so nothing to roll back to)" : ""));
    }
  } else if (outcome == Outcome::Degraded && !was_failed) {
    events_.record(platform, "Warning", "StatefulUpdateFailed", "Rollout",
                   find_condition(status["conditions"], "Degraded")->value("message", ""));
  }

  // What the hold means for the summary conditions; observe() described only the running revision.
  if (plan.reason == HoldReason::BackingOff) {
    set_condition(status["conditions"], {"Reconciling", "True", "BackingOff", plan.message}, generation, now);
  } else if (plan.reason == HoldReason::RetriesExceeded) {
    if (!condition_is(old_status.value("conditions", json::array()), "Stalled", "True")) {
      spdlog::warn("platform {}/{}: {}", ns, name, plan.message);
      events_.record(platform, "Warning", "RetriesExceeded", "Apply", plan.message);
    }
    set_condition(status["conditions"], {"Stalled", "True", "RetriesExceeded", plan.message}, generation, now);
    set_condition(status["conditions"], {"Reconciling", "False", "RetriesExceeded", plan.message}, generation, now);
  }

  // 13. Status only when it changed; poll while progressing (child watches also wake us).
  auto w = write_status(status);
  if (!w.ok()) return ReconcileResult::failed("writing status: " + w.error().to_string());
  if (outcome == Outcome::Progressing) return ReconcileResult::requeue_after(options_.progressing_requeue);
  if (outcome == Outcome::Degraded) return ReconcileResult::requeue_after(options_.degraded_requeue);
  if (plan.reason == HoldReason::BackingOff) return ReconcileResult::requeue_after(std::chrono::seconds(plan.retry_in_seconds + 1));
  return ReconcileResult::done();
}

}  // namespace po::platform
