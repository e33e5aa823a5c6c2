// Phases 8-9 of a reconcile: server-side apply in tier order (skipping objects as we left them, handing
// spec.replicas over to an HPA), the rollback to the last good revision, and pruning.
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
using namespace reconcile;

kube::Status PlatformReconciler::apply_object(const std::string& platform_key, const std::string& ns, const json& manifest) {
  const auto* gvr = resource_for(manifest.value("apiVersion", ""), manifest.value("kind", ""));
  if (gvr == nullptr) return kube::ApiError{404, "NotFound", "no resource is known for " + manifest.value("kind", ""), false, std::nullopt};
  const auto obj_name = str(manifest, "/metadata/name");
  const auto memo_key = platform_key + "|" + gvr->resource + "/" + obj_name;
  const auto digest = digest_of(manifest);
  runtime::ObjectPtr hold;
  if (cache_.watches(*gvr) ? applied_.unchanged(memo_key, digest, cached_child(*gvr, ns + "/" + obj_name, hold))
                           : applied_.unchanged_unwatched(memo_key, digest)) {
    ++skipped_;
    return kube::Ok{};
  }
  if (auto handed = hand_over_replicas(*gvr, memo_key, ns, manifest); !handed.ok()) return handed;
  auto applied = writer_.apply(*gvr, ns, obj_name, manifest, {std::string(kFieldManager), true, false});
  ++applies_;
  if (!applied.ok()) return applied.error();
  applied_.remember(memo_key, digest, *applied);
  return kube::Ok{};
}

// Kubernetes' documented transfer of spec.replicas to an HPA: if our field manager, the only owner, just
// stopped sending it, the API server would reset it to the default of 1. So first a second manager applies
// the current count (sharing the field); then our apply drops it and the count stays until the HPA, which
// takes the field over when it scales, changes it.
kube::Status PlatformReconciler::hand_over_replicas(const kube::GroupVersionResource& gvr, const std::string& memo_key,
                                                    const std::string& ns, const json& manifest) {
  const auto kind = manifest.value("kind", "");
  if (kind != "Deployment" && kind != "StatefulSet") return kube::Ok{};
  const bool sends_replicas = manifest.contains(json::json_pointer("/spec/replicas"));
  {
    std::scoped_lock lock(handover_mu_);
    if (sends_replicas) {
      handed_over_.erase(memo_key);
      return kube::Ok{};
    }
    if (handed_over_.count(memo_key) != 0) return kube::Ok{};
  }
  const auto obj_name = str(manifest, "/metadata/name");
  auto live = api_.get(gvr, ns, obj_name);
  if (!live.ok() && !live.error().not_found()) {
    auto error = live.error();
    error.message = "reading replicas to hand over: " + error.message;
    error.retryable = true;
    return error;
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
      auto error = r.error();
      error.message = "handing spec.replicas over: " + error.message;
      return error;
    }
  }
  std::scoped_lock lock(handover_mu_);
  handed_over_.insert(memo_key);
  return kube::Ok{};
}

Step PlatformReconciler::prune_unwatched(const std::string& key, const std::string& ns, const std::string& name,
                                         const std::string& uid, const std::set<std::string>& desired_keys) {
  kube::ListOptions opts;
  opts.label_selector = "app.kubernetes.io/instance=" + name + "," + std::string(kManagedBySelector);
  for (const auto& known : known_kinds()) {
    const auto& gvr = known.child.gvr;
    if (cache_.watches(gvr)) continue;
    auto list = api_.list_all(gvr, ns, opts);
    if (!list.ok()) {
      if (list.error().not_found()) continue;  // the CRD is not installed: nothing of the kind exists
      return ReconcileResult::failed("listing " + gvr.resource + ": " + list.error().to_string());
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
      if (!r.ok() && !r.error().not_found()) {
        return ReconcileResult::failed("pruning " + gvr.resource + "/" + object_name + ": " + r.error().to_string());
      }
      spdlog::info("platform {}/{}: pruned {}/{}", ns, name, gvr.resource, object_name);
      applied_.forget_prefix(key + "|" + gvr.resource + "/" + object_name);
    }
  }
  return std::nullopt;
}

// Rolls the stateless objects back to the last good revision; true when that apply went through.
bool PlatformReconciler::roll_back(Attempt& a, const std::string& why) {
  auto loaded = load_revision(a.ns, a.name, a.last_good);
  bool ok = loaded.ok() && !loaded->empty();
  std::string failure = loaded.ok() ? "its ControllerRevision is missing" : loaded.error().to_string();
  if (ok) {
    for (const auto& manifest : with_current_replicas(std::move(*loaded), a.objects)) {
      if (auto r = apply_object(a.key, a.ns, manifest); !r.ok()) {
        ok = false;
        failure = object_ref(manifest) + ": " + r.error().to_string();
        break;
      }
    }
  }
  finish_attempt(a.status, a.revision, RolloutResult::Failed, a.now, why);
  const auto what = "revision " + a.revision.substr(0, 12) + " " + why;
  if (ok) {
    a.status.revision.current = a.last_good;
    a.status.lastRollbackTime = a.now;
    set_condition(a.status.conditions,
                  {"RolledBack", "True", "RollbackSucceeded", what + "; rolled back to " + a.last_good.substr(0, 12)},
                  a.generation, a.now);
    events_.record(a.platform, "Warning", "RolledBack", "Rollback",
                   what + "; rolled back to revision " + a.last_good.substr(0, 12));
  } else {
    set_condition(a.status.conditions,
                  {"RolledBack", "False", "RollbackFailed", what + "; rollback to " + a.last_good.substr(0, 12) +
                                                                 " failed: " + failure},
                  a.generation, a.now);
    events_.record(a.platform, "Warning", "RollbackFailed", "Rollback", what + "; rollback failed: " + failure);
  }
  return ok;
}

Step PlatformReconciler::apply_and_prune(Attempt& a) {

  // 8. Server-side apply in tier order, skipping objects that are as we left them.
  for (const auto& manifest : a.in_effect) {
    if (a.stop.stop_requested()) return ReconcileResult::requeue();
    const auto* gvr = resource_for(manifest.value("apiVersion", ""), manifest.value("kind", ""));
    if (gvr != nullptr) a.desired_keys.insert(gvr->resource + "/" + str(manifest, "/metadata/name"));
    // A StatefulSet whose claim sizes changed: its claims grow, then it is re-created (or, where they
    // cannot grow, it is applied with the sizes it has).
    auto grown = grow_volumes(a, manifest);
    if (!grown.ok()) return ReconcileResult::failed("growing the volumes of " + str(manifest, "/metadata/name") + ": " + grown.error().to_string());
    if (!grown->has_value()) continue;
    const auto applied = apply_object(a.key, a.ns, **grown);
    if (applied.ok() && a.attempt_begun && !options_.failpoint_kill_after_apply.empty() &&
        options_.failpoint_kill_after_apply == manifest.value("kind", "") + "/" + str(manifest, "/metadata/name")) {
      spdlog::critical("failpoint: killing the operator after applying {} of revision {}",
                       options_.failpoint_kill_after_apply, a.revision.substr(0, 12));
      spdlog::default_logger()->flush();
      std::raise(SIGKILL);
    }
    if (applied.ok()) continue;
    const auto failure = object_ref(manifest) + ": " + applied.error().to_string();
    if (applied.error().retryable) return ReconcileResult::failed("applying " + failure);  // 5xx, timeouts, 409
    if (rejected_by_environment(applied.error())) {
      // Not the revision's fault: keep its attempt open, say what the cluster refused, retry with backoff.
      const auto* ready = find_condition(a.old_status.conditions, "Ready");
      const bool already = ready != nullptr && ready->message == "applying " + failure;
      set_condition(a.status.conditions, {"Ready", "False", "ApplyRejected", "applying " + failure}, a.generation, a.now);
      set_condition(a.status.conditions,
                    {"Reconciling", "True", "ApplyRejected", "retrying: the cluster refused an object (quota, RBAC or admission)"},
                    a.generation, a.now);
      if (!already) {
        spdlog::warn("platform {}/{}: applying {}", a.ns, a.name, failure);
        events_.record(a.platform, "Warning", "ApplyRejected", "Apply", failure);
      }
      PO_RETURN_IF_ERROR(write_status(a, a.status), "writing status");
      return ReconcileResult::failed("applying " + failure);
    }
    // Permanent (the object is invalid): undo what was applied of the new revision, and stall.
    if (!a.holding && on_rollout_failure(true, a.spec.spec.rollout.autoRollback, a.last_good, a.revision) ==
                        FailureAction::RollBack) {
      roll_back(a, "could not be applied (" + failure + ")");
    } else {
      finish_attempt(a.status, a.revision, RolloutResult::Failed, a.now, "could not be applied (" + failure + ")");
    }
    stall(a.status, a.generation, "ApplyFailed", "applying " + failure, a.now);
    events_.record(a.platform, "Warning", "ApplyFailed", "Apply", failure);
    PO_RETURN_IF_ERROR(write_status(a, a.status), "writing status");
    // Retried rarely, in case the object was refused for a reason outside the spec after all.
    return ReconcileResult::requeue_after(std::chrono::minutes(5));
  }

  // Storage sizes the volumes cannot follow: said in a condition (and once in an Event) while the spec asks.
  if (a.volume_refusals.empty()) {
    remove_condition(a.status.conditions, "VolumeExpansionRefused");
  } else {
    std::string why;
    for (const auto& r : a.volume_refusals) why += (why.empty() ? "" : "; ") + r;
    const auto* before = find_condition(a.old_status.conditions, "VolumeExpansionRefused");
    if (before == nullptr || before->message != why) {
      spdlog::warn("platform {}/{}: {}", a.ns, a.name, why);
      events_.record(a.platform, "Warning", "VolumeExpansionRefused", "Resize", why);
    }
    set_condition(a.status.conditions, {"VolumeExpansionRefused", "True", "CannotResize", why}, a.generation, a.now);
  }

  // 9. Prune owned objects that are no longer desired (never claims: volumes are kept).
  for (const auto& watched : cache_.watched()) {
    const auto& resource = watched.resource;
    if (resource == "persistentvolumeclaims" || watched == kPlatforms) continue;
    for (const auto& child : cache_.by_owner(watched, "Platform", a.ns, a.name)) {
      const auto child_name = str(*child, "/metadata/name");
      if (a.desired_keys.count(resource + "/" + child_name) != 0) continue;
      if (resource == "secrets" && a.generated_names.count(child_name) != 0) continue;
      if (resource == "secrets" && a.retain_data && child_name == a.retained_credentials) continue;
      auto r = writer_.remove(watched, a.ns, child_name, {"Background", str(*child, "/metadata/uid"), {}, {}});
      if (!r.ok() && !r.error().not_found()) {
        return ReconcileResult::failed("pruning " + resource + "/" + child_name + ": " + r.error().to_string());
      }
      spdlog::info("platform {}/{}: pruned {}/{}", a.ns, a.name, resource, child_name);
      applied_.forget_prefix(a.key + "|" + resource + "/" + child_name);
    }
  }

  // Kinds without an informer (HTTPRoute, ServiceMonitor, PrometheusRule: their CRDs may be absent) are
  // listed, which costs requests: once after start-up and whenever a new revision is applied (disabling
  // one changes the revision).
  bool sweep = a.attempt_begun;
  {
    std::scoped_lock lock(swept_mu_);
    sweep = swept_.insert(a.key).second || sweep;
  }
  if (sweep) {
    if (auto failed = prune_unwatched(a.key, a.ns, a.name, str(a.platform, "/metadata/uid"), a.desired_keys)) {
      std::scoped_lock lock(swept_mu_);
      swept_.erase(a.key);
      return failed;
    }
  }

  return std::nullopt;
}
}  // namespace po::platform
