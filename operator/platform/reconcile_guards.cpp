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
  const runtime::ObjectPtr cached = cache_.get(kPlatforms, a.key);
  if (!cached) {
    applied_.forget_prefix(a.key + "|");
    forget_written(a.key);
    return ReconcileResult::done();
  }
  a.platform = *cached;
  // After our own status write the watch may not have delivered it yet; reconciling from that stale copy
  // would compute status from an older history and write it back. Read the object itself until the cache
  // has caught up with what we wrote.
  if (const auto written = last_written_version(a.key);
      !written.empty() && written != str(a.platform, "/metadata/resourceVersion")) {
    auto fresh = api_.get(kPlatforms, str(a.platform, "/metadata/namespace"), str(a.platform, "/metadata/name"));
    if (fresh.ok()) {
      if (str(*fresh, "/metadata/resourceVersion") == str(a.platform, "/metadata/resourceVersion")) forget_written(a.key);
      a.platform = std::move(*fresh);
    } else if (fresh.error().not_found()) {
      forget_written(a.key);
      return ReconcileResult::done();
    } else {
      return ReconcileResult::failed("reading the Platform: " + fresh.error().to_string());
    }
  }
  a.ns = str(a.platform, "/metadata/namespace");
  a.name = str(a.platform, "/metadata/name");
  a.generation = generation_of(a.platform);
  a.now = rfc3339_now();
  return std::nullopt;
}

Step PlatformReconciler::check_guards(Attempt& a) {
  // 1. Deletion.
  if (a.platform["metadata"].contains("deletionTimestamp")) return finalize(a.platform);

  // 2. Finalizer, then pause.
  if (!has_finalizer(a.platform)) {
    auto r = writer_.patch(kPlatforms, a.ns, a.name, kube::PatchType::Merge, finalizer_patch(a.platform, true));
    if (!r.ok()) return ReconcileResult::failed("adding finalizer: " + r.error().to_string());
    a.platform = std::move(*r);
  }
  a.old_status = a.platform.value("status", json::object()).get<PlatformStatus>();
  a.status = a.old_status;
  a.written_status = a.old_status;

  if (str(a.platform, "/metadata/annotations/platform.a11y.dev~1paused") == "true") {
    set_condition(a.status.conditions, {"ReconciliationPaused", "True", "PausedByAnnotation",
                                         "the platform.a11y.dev/paused annotation is \"true\""},
                  a.generation, a.now);
    PO_RETURN_IF_ERROR(write_status(a, a.status), "writing status");
    return ReconcileResult::done();
  }
  remove_condition(a.status.conditions, "ReconciliationPaused");

  // 3. Semantic validation.
  auto parsed = parse_and_validate(a.platform);
  if (!parsed.ok()) {
    const auto message = to_string(parsed.errors);
    const bool already = condition_is(a.old_status.conditions, "Stalled", "True") &&
                         a.old_status.observedGeneration == a.generation;
    stall(a.status, a.generation, "InvalidSpec", message, a.now);
    if (!already) events_.record(a.platform, "Warning", "InvalidSpec", "Validate", message);
    spdlog::warn("platform {}/{}: invalid spec: {}", a.ns, a.name, message);
    PO_RETURN_IF_ERROR(write_status(a, a.status), "writing status");
    return ReconcileResult::done();  // nothing to retry until the spec changes
  }
  a.spec = std::move(parsed.platform);

  // A PostgreSQL major-version downgrade is refused before anything is applied: the data stays as it is.
  // What the data was written by: the label on the data claims (set once a major ran ready on them; the
  // claims outlive a deleted Platform), else the live StatefulSet's image for claims not labelled yet. A
  // major that never became ready is not on the label, so going back from it is not refused here.
  const auto& statefulsets = *resource_for("apps/v1", "StatefulSet");
  a.data_claims = postgres_data_claims(a.ns, a.name);
  if (a.spec.spec.database.managed) {
    std::optional<int> running;
    for (const auto& claim : a.data_claims) {
      const auto recorded = recorded_postgres_major(*claim);
      if (recorded && (!running || *recorded > *running)) running = recorded;
    }
    if (!running) {
      runtime::ObjectPtr hold;
      running = running_postgres_major(cached_child(statefulsets, a.ns + "/" + a.name + "-postgres", hold));
    }
    if (const auto refused = refuse_postgres_downgrade(running, a.spec.spec.database.managed->version)) {
      const bool already = condition_is(a.old_status.conditions, "Stalled", "True") &&
                           a.old_status.observedGeneration == a.generation;
      stall(a.status, a.generation, "DowngradeRefused", *refused, a.now);
      if (!already) events_.record(a.platform, "Warning", "DowngradeRefused", "Validate", *refused);
      spdlog::warn("platform {}/{}: {}", a.ns, a.name, *refused);
      PO_RETURN_IF_ERROR(write_status(a, a.status), "writing status");
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
