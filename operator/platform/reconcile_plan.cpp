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

  // 5. Render; the revision is the digest of the stateless objects.
  RenderOptions render_options;
  if (a.spec.spec.monitoring.enabled) {
    auto served = monitoring_crds_available();
    if (!served.ok()) return ReconcileResult::failed("discovery of monitoring.coreos.com: " + served.error().to_string());
    render_options.monitoringCrdsAvailable = *served;
  }
  a.objects = render(a.spec, render_options);
  a.revision = revision_digest(a.objects);
  po::log::set_field("revision", a.revision.substr(0, 12));  // on every later log line of this reconcile

  // 6. A revision that failed before is not applied again (unless retry-at asks), and failures in a row
  // back off and then stall: hold the last good one.
  a.plan = plan_rollout({a.revision, a.old_status, str(a.platform, "/metadata/annotations/platform.a11y.dev~1retry-at"),
                                  parse_rfc3339_utc(a.now).value_or(0), a.spec.spec.rollout.maxConsecutiveFailures,
                                  options_.failure_backoff.count(), a.spec.spec.rollout.autoRollback});
  a.last_good = a.old_status.revision.lastGood;
  a.effective_revision = a.revision;
  std::optional<std::vector<json>> last_good_objects;
  if (a.plan.plan == Plan::HoldLastGood) {
    auto loaded = load_revision(a.ns, a.name, a.last_good);
    if (!loaded.ok()) return ReconcileResult::failed("reading the last good revision: " + loaded.error().to_string());
    last_good_objects = with_current_replicas(std::move(*loaded), a.objects);
  }
  a.holding = a.plan.plan != Plan::ApplyRevision;
  a.restore = a.plan.plan == Plan::HoldLastGood && last_good_objects && !last_good_objects->empty();
  for (const auto& object : a.objects) {
    if (!a.holding || !object.stateless) {
      a.in_effect.push_back(object.manifest);
    } else if (!a.restore) {
      // Failed before any success: the failed stateless objects stay as they are, untouched.
      a.held.push_back(object.manifest);
      const auto* gvr = resource_for(object.manifest.value("apiVersion", ""), object.manifest.value("kind", ""));
      if (gvr != nullptr) a.desired_keys.insert(gvr->resource + "/" + str(object.manifest, "/metadata/name"));
    }
  }
  if (a.restore) {
    a.in_effect.insert(a.in_effect.end(), last_good_objects->begin(), last_good_objects->end());
    a.effective_revision = a.last_good;
  }

  // 7. Record the attempt before applying anything.
  if (!a.holding) {
    const bool new_revision = a.old_status.revision.lastAttempted != a.revision;
    if (begin_attempt(a.status, a.revision, a.generation, a.spec.spec.version, a.spec.spec.rollout.historyLimit, a.now)) {
      a.attempt_begun = true;
      PO_RETURN_IF_ERROR(write_status(a, a.status), "recording the attempt");
      if (new_revision || !a.plan.message.empty()) {
        events_.record(a.platform, "Normal", "RolloutStarted", "Apply",
                       (a.plan.message.empty() ? "applying revision " + a.revision.substr(0, 12) : a.plan.message) +
                           " (version " + a.spec.spec.version + ")");
      }
    }
  } else if (a.plan.reason == HoldReason::BackingOff) {
    if (!condition_is(a.old_status.conditions, "Reconciling", "True")) {
      spdlog::info("platform {}/{}: {}", a.ns, a.name, a.plan.message);
      events_.record(a.platform, "Normal", "BackingOff", "Apply", a.plan.message);
    }
  } else if (!a.spec.spec.rollout.autoRollback && !a.last_good.empty()) {
    // autoRollback off: the failed revision stays in place, nothing is rolled back (observe_and_report
    // keeps the Platform Stalled).
  } else if (!condition_is(a.old_status.conditions, "RolledBack", "True")) {
    // The spec went back to a revision that failed before: say why it is not applied.
    spdlog::info("platform {}/{}: {}", a.ns, a.name, a.plan.message);
    set_condition(a.status.conditions,
                  {"RolledBack", "True", a.restore ? "HoldingLastGood" : "HoldingFailed", a.plan.message}, a.generation, a.now);
    events_.record(a.platform, "Warning", "RevisionHeld", "Apply", a.plan.message);
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
