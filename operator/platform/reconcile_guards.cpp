// Phases 1-3 of a reconcile: read the Platform, then the guards that can end it early: deletion (the
// finalizer path), the finalizer, the paused annotation, semantic validation and a refused downgrade.
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

Step PlatformReconciler::read_platform(Attempt& a) {
  const auto& key = a.key;
  const runtime::ObjectPtr cached = cache_.get(kPlatforms, key);
  if (!cached) {
    applied_.forget_prefix(key + "|");
    forget_written(key);
    return ReconcileResult::done();
  }
  auto& platform = a.platform;
  platform = *cached;
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
  a.ns = str(platform, "/metadata/namespace");
  a.name = str(platform, "/metadata/name");
  a.generation = generation_of(platform);
  a.now = rfc3339_now();
  return std::nullopt;
}

Step PlatformReconciler::check_guards(Attempt& a) {
  auto& platform = a.platform;
  const auto& ns = a.ns;
  const auto& name = a.name;
  const auto generation = a.generation;
  const auto& now = a.now;
  const auto& old_status = a.old_status;
  auto& status = a.status;
  // 1. Deletion.
  if (platform["metadata"].contains("deletionTimestamp")) return finalize(platform);

  // 2. Finalizer, then pause.
  if (!has_finalizer(platform)) {
    auto r = writer_.patch(kPlatforms, ns, name, kube::PatchType::Merge, finalizer_patch(platform, true));
    if (!r.ok()) return ReconcileResult::failed("adding finalizer: " + r.error().to_string());
    platform = std::move(*r);
  }
  a.old_status = platform.value("status", json::object()).get<PlatformStatus>();
  a.status = a.old_status;

  if (str(platform, "/metadata/annotations/platform.a11y.dev~1paused") == "true") {
    set_condition(status.conditions, {"ReconciliationPaused", "True", "PausedByAnnotation",
                                         "the platform.a11y.dev/paused annotation is \"true\""},
                  generation, now);
    PO_RETURN_IF_ERROR(write_status(a, status), "writing status");
    return ReconcileResult::done();
  }
  remove_condition(status.conditions, "ReconciliationPaused");

  // 3. Semantic validation.
  auto parsed = parse_and_validate(platform);
  if (!parsed.ok()) {
    const auto message = to_string(parsed.errors);
    const bool already = condition_is(old_status.conditions, "Stalled", "True") &&
                         old_status.observedGeneration == generation;
    stall(status, generation, "InvalidSpec", message, now);
    if (!already) events_.record(platform, "Warning", "InvalidSpec", "Validate", message);
    spdlog::warn("platform {}/{}: invalid spec: {}", ns, name, message);
    PO_RETURN_IF_ERROR(write_status(a, status), "writing status");
    return ReconcileResult::done();  // nothing to retry until the spec changes
  }
  a.spec = std::move(parsed.platform);
  const Platform& spec = a.spec;

  // A PostgreSQL major-version downgrade is refused before anything is applied: the data stays as it is.
  // What the data was written by: the label on the data claims (set once a major ran ready on them; the
  // claims outlive a deleted Platform), else the live StatefulSet's image for claims not labelled yet. A
  // major that never became ready is not on the label, so going back from it is not refused here.
  const auto& statefulsets = *resource_for("apps/v1", "StatefulSet");
  a.data_claims = postgres_data_claims(ns, name);
  const auto& data_claims = a.data_claims;
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
      const bool already = condition_is(old_status.conditions, "Stalled", "True") &&
                           old_status.observedGeneration == generation;
      stall(status, generation, "DowngradeRefused", *refused, now);
      if (!already) events_.record(platform, "Warning", "DowngradeRefused", "Validate", *refused);
      spdlog::warn("platform {}/{}: {}", ns, name, *refused);
      PO_RETURN_IF_ERROR(write_status(a, status), "writing status");
      return ReconcileResult::done();  // nothing to retry until the spec changes
    }
  }
  return std::nullopt;
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
    std::size_t deleted = 0;
    for (const auto& pvc : list->items) {
      // Already going (a claim stays until its pods are gone): a repeated finalize does not delete it again.
      if (pvc["metadata"].contains("deletionTimestamp")) continue;
      const auto pvc_name = str(pvc, "/metadata/name");
      auto r = writer_.remove(pvcs, ns, pvc_name, {"Background", {}, {}, {}});
      if (!r.ok() && !r.error().not_found()) {
        return ReconcileResult::failed("deleting PersistentVolumeClaim " + pvc_name + ": " + r.error().to_string());
      }
      ++deleted;
      spdlog::info("platform {}/{}: deleted PersistentVolumeClaim {} (storage.whenDeleted: Delete)", ns, name, pvc_name);
    }
    if (deleted > 0) {
      events_.record(platform, "Normal", "VolumesDeleted", "Delete",
                     std::to_string(deleted) + " PersistentVolumeClaims deleted as storage.whenDeleted says");
    }
  } else {
    spdlog::info("platform {}/{}: keeping PersistentVolumeClaims (storage.whenDeleted: Retain)", ns, name);
  }
  auto r = writer_.patch(kPlatforms, ns, name, kube::PatchType::Merge, finalizer_patch(platform, false));
  if (!r.ok() && !r.error().not_found()) return ReconcileResult::failed("removing finalizer: " + r.error().to_string());
  applied_.forget_prefix(ns + "/" + name + "|");
  return ReconcileResult::done();
}
}  // namespace po::platform
