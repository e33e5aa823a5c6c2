#include "po/platform/reconciler.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <set>

#include "po/platform/child_status.hpp"
#include "po/platform/pod_diagnosis.hpp"
#include "po/platform/conditions.hpp"
#include "po/platform/platform_status.hpp"
#include "po/platform/render.hpp"
#include "po/platform/rollback.hpp"
#include "po/platform/spec.hpp"
#include "po/platform/stateful.hpp"
#include "reconcile_attempt.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;
using runtime::ReconcileResult;

const kube::GroupVersionResource kPlatforms{"platform.a11y.dev", "v1alpha1", "platforms", true};

namespace reconcile {

const kube::GroupVersionResource kControllerRevisions{"apps", "v1", "controllerrevisions", true};

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

std::string object_ref(const json& manifest) { return manifest.value("kind", "") + " " + str(manifest, "/metadata/name"); }

std::string component_of(const json& manifest) {
  return str(manifest, "/metadata/labels/app.kubernetes.io~1component");
}

}  // namespace reconcile

using namespace reconcile;

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

// The top-level reconcile: a list of phases sharing one Attempt (reconcile_attempt.hpp), each in its file.
namespace {
// The result, or a requeue at `due` when that is sooner (a step of a credential rotation).
ReconcileResult sooner(ReconcileResult result, std::optional<std::chrono::milliseconds> due) {
  if (!due) return result;
  if (result.kind == ReconcileResult::Kind::Done) return ReconcileResult::requeue_after(*due);
  if (result.kind == ReconcileResult::Kind::RequeueAfter && *due < result.after) return ReconcileResult::requeue_after(*due);
  return result;
}
}  // namespace

ReconcileResult PlatformReconciler::reconcile(const std::string& key, std::stop_token stop) {
  Attempt a;
  a.key = key;
  a.stop = std::move(stop);
  PO_RETURN_IF_DONE(read_platform(a));    // the Platform, fresh where the cache lags our own status write
  PO_RETURN_IF_DONE(check_guards(a));     // 1-3. deletion (finalize), finalizer, pause, validation, downgrade
  PO_RETURN_IF_DONE(ensure_secrets(a));   // 4. generated Secrets
  PO_RETURN_IF_DONE(plan_revision(a));    // 5-7. render, revision, rollout plan, the attempt recorded
  PO_RETURN_IF_DONE(apply_and_prune(a));  // 8-9. server-side apply in tier order, prune
  return sooner(observe_and_report(a), a.credentials_requeue);  // 10-13. observe, roll back or complete, status
}

// Status only when it changed (what is sent leaves out empty fields: to_json of PlatformStatus).
kube::Status PlatformReconciler::write_status(Attempt& a, PlatformStatus st) {
  keep_transition_times(st.conditions, a.written_status.conditions);
  json sent = st;
  if (sent == json(a.written_status)) return kube::Ok{};
  json body = {{"apiVersion", kPlatforms.api_version()},
               {"kind", "Platform"},
               {"metadata", {{"name", a.name}, {"namespace", a.ns}}},
               {"status", std::move(sent)}};
  auto r = writer_.apply(kPlatforms, a.ns, a.name, body, {std::string(kFieldManager), true, false}, "status");
  if (!r.ok()) return r.error();
  remember_written(a.key, str(*r, "/metadata/resourceVersion"));
  a.written_status = std::move(st);
  return kube::Ok{};
}

}  // namespace po::platform
