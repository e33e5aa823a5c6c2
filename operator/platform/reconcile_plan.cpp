// Phases 5-7 of a reconcile: render, the revision digest, the rollout plan (apply, or hold a failed
// revision), and the attempt recorded in status before anything is applied; the ControllerRevisions
// that keep rolled-out revisions (render_controller_revision).
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
#include "reconcile_attempt.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;
using runtime::ReconcileResult;
using namespace reconcile;

Step PlatformReconciler::plan_revision(Attempt& a) {
  const auto& platform = a.platform;
  const auto& ns = a.ns;
  const auto& name = a.name;
  const auto generation = a.generation;
  const auto& now = a.now;
  const auto& old_status = a.old_status;
  auto& status = a.status;
  const Platform& spec = a.spec;

  // 5. Render; the revision is the digest of the stateless objects.
  RenderOptions render_options;
  if (spec.spec.monitoring.enabled) {
    auto served = monitoring_crds_available();
    if (!served.ok()) return ReconcileResult::failed("discovery of monitoring.coreos.com: " + served.error().to_string());
    render_options.monitoringCrdsAvailable = *served;
  }
  a.objects = render(spec, render_options);
  a.revision = revision_digest(a.objects);
  po::log::set_field("revision", a.revision.substr(0, 12));  // on every later log line of this reconcile
  const auto& objects = a.objects;
  const auto& revision = a.revision;

  // 6. A revision that failed before is not applied again (unless retry-at asks), and failures in a row
  // back off and then stall: hold the last good one.
  a.plan = plan_rollout({revision, old_status, str(platform, "/metadata/annotations/platform.a11y.dev~1retry-at"),
                                  parse_rfc3339_utc(now).value_or(0), spec.spec.rollout.maxConsecutiveFailures,
                                  options_.failure_backoff.count(), spec.spec.rollout.autoRollback});
  const auto& plan = a.plan;
  a.last_good = old_status.revision.lastGood;
  const auto& last_good = a.last_good;
  auto& in_effect = a.in_effect;
  auto& held = a.held;
  auto& desired_keys = a.desired_keys;
  a.effective_revision = revision;
  std::optional<std::vector<json>> last_good_objects;
  if (plan.plan == Plan::HoldLastGood) {
    auto loaded = load_revision(ns, name, last_good);
    if (!loaded.ok()) return ReconcileResult::failed("reading the last good revision: " + loaded.error().to_string());
    last_good_objects = with_current_replicas(std::move(*loaded), objects);
  }
  a.holding = plan.plan != Plan::ApplyRevision;
  const bool holding = a.holding;
  a.restore = plan.plan == Plan::HoldLastGood && last_good_objects && !last_good_objects->empty();
  const bool restore = a.restore;
  for (const auto& object : objects) {
    if (!holding || !object.stateless) {
      in_effect.push_back(object.manifest);
    } else if (!restore) {
      // Failed before any success: the failed stateless objects stay as they are, untouched.
      held.push_back(object.manifest);
      const auto* gvr = resource_for(object.manifest.value("apiVersion", ""), object.manifest.value("kind", ""));
      if (gvr != nullptr) desired_keys.insert(gvr->resource + "/" + str(object.manifest, "/metadata/name"));
    }
  }
  if (restore) {
    in_effect.insert(in_effect.end(), last_good_objects->begin(), last_good_objects->end());
    a.effective_revision = last_good;
  }

  // 7. Record the attempt before applying anything.
  if (!holding) {
    const bool new_revision = old_status.revision.lastAttempted != revision;
    if (begin_attempt(status, revision, generation, spec.spec.version, spec.spec.rollout.historyLimit, now)) {
      a.attempt_begun = true;
      PO_RETURN_IF_ERROR(write_status(a, status), "recording the attempt");
      if (new_revision || !plan.message.empty()) {
        events_.record(platform, "Normal", "RolloutStarted", "Apply",
                       (plan.message.empty() ? "applying revision " + revision.substr(0, 12) : plan.message) +
                           " (version " + spec.spec.version + ")");
      }
    }
  } else if (plan.reason == HoldReason::BackingOff) {
    if (!condition_is(old_status.conditions, "Reconciling", "True")) {
      spdlog::info("platform {}/{}: {}", ns, name, plan.message);
      events_.record(platform, "Normal", "BackingOff", "Apply", plan.message);
    }
  } else if (!spec.spec.rollout.autoRollback && !last_good.empty()) {
    // autoRollback off: the failed revision stays in place, nothing is rolled back (observe_and_report
    // keeps the Platform Stalled).
  } else if (!condition_is(old_status.conditions, "RolledBack", "True")) {
    // The spec went back to a revision that failed before: say why it is not applied.
    spdlog::info("platform {}/{}: {}", ns, name, plan.message);
    set_condition(status.conditions,
                  {"RolledBack", "True", restore ? "HoldingLastGood" : "HoldingFailed", plan.message}, generation, now);
    events_.record(platform, "Warning", "RevisionHeld", "Apply", plan.message);
  }

  return std::nullopt;
}

Step PlatformReconciler::save_revision(const Platform& spec, const std::string& revision, const std::vector<json>& stateless,
                                       int history_limit) {
  const auto& ns = spec.metadata.namespace_;
  const auto& name = spec.metadata.name;
  const auto cr_name = controller_revision_name(name, revision);
  const auto sequence =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto created = writer_.create(kControllerRevisions, ns, render_controller_revision(spec, revision, stateless, sequence));
  if (!created.ok() && !created.error().already_exists()) {
    return ReconcileResult::failed("saving ControllerRevision: " + created.error().to_string());
  }

  // Keep at most historyLimit revisions (the newest), never the one just saved.
  kube::ListOptions opts;
  opts.label_selector = "app.kubernetes.io/instance=" + name + ",app.kubernetes.io/managed-by=platform-operator";
  auto list = api_.list_all(kControllerRevisions, ns, opts);
  PO_RETURN_IF_ERROR(list, "listing ControllerRevisions");
  auto items = std::move(list->items);
  std::sort(items.begin(), items.end(), [](const json& a, const json& b) {
    return a.value("revision", std::int64_t{0}) > b.value("revision", std::int64_t{0});
  });
  const auto keep = static_cast<std::size_t>(std::max(1, history_limit));
  for (std::size_t i = keep; i < items.size(); ++i) {
    const auto old = str(items[i], "/metadata/name");
    if (old == cr_name) continue;
    auto r = writer_.remove(kControllerRevisions, ns, old);
    if (!r.ok() && !r.error().not_found()) return ReconcileResult::failed("trimming ControllerRevision " + old + ": " + r.error().to_string());
  }
  return std::nullopt;
}

kube::Result<std::vector<json>> PlatformReconciler::load_revision(const std::string& ns, const std::string& name,
                                                                  const std::string& revision) {
  if (revision.empty()) return std::vector<json>{};
  auto got = api_.get(kControllerRevisions, ns, controller_revision_name(name, revision));
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
}  // namespace po::platform
