// Phases 10-13 of a reconcile: observe the workloads (from the cache, never older than our apply; a held
// failed revision confirmed by fresh reads before it recovers), roll back or complete, write status.
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

ReconcileResult PlatformReconciler::observe_and_report(Attempt& a) {
  const auto& statefulsets = *resource_for("apps/v1", "StatefulSet");
  // autoRollback off and a revision to go back to: a failed revision stays in place, the Platform Stalled.
  const bool keep_failed = !a.spec.spec.rollout.autoRollback && !a.last_good.empty() && a.last_good != a.revision;

  // 10. Observe the workloads.
  std::map<std::string, std::vector<std::pair<std::string, WorkloadStatus>>> workloads;
  std::set<std::string> stateful_components;
  Observed observed;
  observed.revision = a.effective_revision;
  observed.generation = a.generation;
  observed.selector = api_selector(a.spec);
  // The held objects are what runs of a failed revision: judged too, so that the status neither forgets
  // them nor calls the revision good without them. Their workloads stay Failed unless the revision is the
  // one that runs and fresh reads confirm that all of it became ready after all (a late image, say).
  const auto& history = a.old_status.history;
  const bool failed_revision_runs = a.plan.plan == Plan::HoldFailed && !history.empty() &&
                                    a.old_status.revision.lastAttempted == a.revision &&
                                    history.back().revision == a.revision &&
                                    history.back().result == RolloutResult::Failed;
  std::vector<const json*> held_workloads;  // held Deployments and StatefulSets the cache shows Current
  bool held_all_current = true;
  std::vector<std::pair<const json*, bool>> observed_manifests;  // manifest, held
  for (const auto& manifest : a.in_effect) observed_manifests.emplace_back(&manifest, false);
  for (const auto& manifest : a.held) observed_manifests.emplace_back(&manifest, true);
  for (const auto& [manifest_ptr, is_held] : observed_manifests) {
    const auto& manifest = *manifest_ptr;
    const auto kind = manifest.value("kind", "");
    const auto obj_name = str(manifest, "/metadata/name");
    runtime::ObjectPtr hold;
    // What our apply returned: a cache entry older than that is not judged (it shows the previous spec).
    const auto* gvr = resource_for(manifest.value("apiVersion", ""), kind);
    const auto applied_generation = gvr == nullptr ? 0 : applied_.applied_generation(a.key + "|" + gvr->resource + "/" + obj_name);
    if (is_held && (kind == "Deployment" || kind == "StatefulSet")) {
      const auto* live = cached_child(*gvr, a.ns + "/" + obj_name, hold);
      auto workload = kind == "Deployment" ? deployment_status(live, 0) : statefulset_status(live, 0);
      if (workload.state == RolloutState::Current) {
        held_workloads.push_back(&manifest);
        workload.message = "its pods are ready, but revision " + a.revision.substr(0, 12) + " is held";
      } else {
        held_all_current = false;
        explain_with_pods(a.ns, manifest, workload);
      }
      workload.state = RolloutState::Failed;
      workloads[component_of(manifest)].emplace_back(obj_name, std::move(workload));
    } else if (kind == "Deployment") {
      auto workload = deployment_status(cached_child(*gvr, a.ns + "/" + obj_name, hold), applied_generation);
      explain_with_pods(a.ns, manifest, workload);
      workloads[component_of(manifest)].emplace_back(obj_name, std::move(workload));
    } else if (kind == "StatefulSet") {
      const auto* live = cached_child(statefulsets, a.ns + "/" + obj_name, hold);
      auto workload = statefulset_status(live, applied_generation);
      if (live != nullptr && workload.state == RolloutState::InProgress &&
          generation_of(*live) >= applied_generation) {
        if (auto failure = tend_stateful_pods(a.platform, *live, manifest, a.spec.spec.rollout.progressDeadlineSeconds, a.now)) {
          workload.state = RolloutState::Failed;
          workload.message = *failure;
        }
      }
      explain_with_pods(a.ns, manifest, workload);
      stateful_components.insert(component_of(manifest));
      workloads[component_of(manifest)].emplace_back(obj_name, std::move(workload));
    } else if (kind == "Service") {
      const auto component = component_of(manifest);
      const auto& ports = manifest["spec"].value("ports", json::array());
      if (!ports.empty() && (component == "gateway" || component == "api" || component == "monitoring")) {
        const auto endpoint_name = component == "monitoring" ? obj_name.substr(obj_name.rfind('-') + 1) : component;
        observed.endpoints[endpoint_name] =
            "http://" + obj_name + "." + a.ns + ".svc:" + std::to_string(ports[0].value("port", 0));
      }
    }
  }
  // A failed revision that runs and now looks all Current in the cache: confirm from the API server
  // (a dry-run apply of each held workload answers with its fresh status, and with a new generation if
  // its spec is no longer the revision's own), then it recovers.
  bool recovered = false;
  if (failed_revision_runs && held_all_current && !held_workloads.empty()) {
    bool others_ready = true;
    for (const auto& [component, list] : workloads) {
      for (const auto& [workload_name, workload] : list) {
        const bool is_held = std::any_of(held_workloads.begin(), held_workloads.end(), [&](const json* m) {
          return str(*m, "/metadata/name") == workload_name;
        });
        others_ready = others_ready && (is_held || workload.state == RolloutState::Current);
      }
    }
    std::string unconfirmed;
    for (const json* manifest : others_ready ? held_workloads : std::vector<const json*>{}) {
      const auto kind = manifest->value("kind", "");
      const auto obj_name = str(*manifest, "/metadata/name");
      const auto* gvr = resource_for(manifest->value("apiVersion", ""), kind);
      auto fresh = writer_.apply(*gvr, a.ns, obj_name, *manifest, {std::string(kFieldManager), true, true});
      if (!fresh.ok()) {
        unconfirmed = kind + " " + obj_name + ": " + fresh.error().to_string();
        break;
      }
      const auto state = (kind == "Deployment" ? deployment_status(&*fresh, 0) : statefulset_status(&*fresh, 0)).state;
      if (state != RolloutState::Current) {
        unconfirmed = kind + " " + obj_name + " does not run revision " + a.revision.substr(0, 12) + " ready";
        break;
      }
    }
    if (others_ready && unconfirmed.empty()) {
      recovered = true;
      for (auto& [component, list] : workloads) {
        for (auto& [workload_name, workload] : list) {
          if (workload.state == RolloutState::Failed) {
            workload.state = RolloutState::Current;
            workload.message.clear();
          }
        }
      }
    } else if (!unconfirmed.empty()) {
      spdlog::info("platform {}/{}: held revision {} not recovered: {}", a.ns, a.name, a.revision.substr(0, 12), unconfirmed);
    }
  }
  for (const auto& [component, list] : workloads) {
    observed.components[component] = combine(list);
    observed.components[component].stateful = stateful_components.count(component) != 0;
  }
  std::string recovered_message;
  if (recovered) {
    const auto& failed_at = history.back().finishedAt;
    recovered_message = "revision " + a.revision.substr(0, 12) + " recovered: all its workloads became ready after its rollout was marked failed" +
                        (failed_at.empty() ? std::string{} : " at " + failed_at);
    recover_attempt(a.status, a.revision, a.now, recovered_message);
    remove_condition(a.status.conditions, "RolledBack");
    remove_condition(a.status.conditions, "Stalled");
  }
  if (const auto it = observed.components.find("api"); it != observed.components.end()) {
    observed.api_replicas = it->second.replicas;
  }

  const bool was_ready = condition_is(a.old_status.conditions, "Ready", "True") &&
                         a.old_status.revision.current == a.effective_revision;
  const bool was_failed = condition_is(a.old_status.conditions, "Degraded", "True");
  auto outcome = observe(a.status, observed, a.now);
  // The database runs: record its major version on the data claims (see refuse_postgres_downgrade).
  if (const auto db = observed.components.find("database");
      a.spec.spec.database.managed && db != observed.components.end() && db->second.ready) {
    runtime::ObjectPtr hold;
    if (const auto running = running_postgres_major(cached_child(statefulsets, a.ns + "/" + a.name + "-postgres", hold))) {
      const auto& pvcs = *resource_for("v1", "PersistentVolumeClaim");
      for (const auto& claim : a.data_claims) {
        if (recorded_postgres_major(*claim) == running) continue;
        const json patch = {{"metadata", {{"labels", {{std::string(kPostgresMajorLabel), std::to_string(*running)}}}}}};
        auto r = writer_.patch(pvcs, a.ns, str(*claim, "/metadata/name"), kube::PatchType::Merge, patch);
        if (!r.ok() && !r.error().not_found()) {
          spdlog::warn("platform {}/{}: labelling {}: {}", a.ns, a.name, str(*claim, "/metadata/name"), r.error().to_string());
        }
      }
    }
  }
  if ((!a.holding || recovered) && outcome == Outcome::Ready) {
    // 12. Rolled out: keep its stateless objects as the revision a later failure returns to.
    if (a.last_good != a.revision) {
      std::vector<json> stateless;
      for (const auto& object : a.objects) {
        if (object.stateless) stateless.push_back(object.manifest);
      }
      PO_RETURN_IF_DONE(save_revision(a.spec, a.revision, stateless, a.spec.spec.rollout.historyLimit));
    }
    remove_condition(a.status.conditions, "RolledBack");
  }
  if (recovered && outcome == Outcome::Ready) {
    spdlog::info("platform {}/{}: {}", a.ns, a.name, recovered_message);
    events_.record(a.platform, "Normal", "RolloutRecovered", "Rollout", recovered_message);
  } else if (outcome == Outcome::Ready && !was_ready) {
    events_.record(a.platform, "Normal", "RolloutComplete", "Rollout",
                   "revision " + a.effective_revision.substr(0, 12) + " is ready (version " + a.spec.spec.version + ")");
  } else if (outcome == Outcome::Failed && !a.holding) {
    // 11. A failed rollout of a stateless component: back to the last good revision.
    const auto action = on_rollout_failure(true, a.spec.spec.rollout.autoRollback, a.last_good, a.revision);
    const auto failed = failed_components(observed);
    if (action == FailureAction::RollBack) {
      roll_back(a, "failed to roll out" + (failed.empty() ? std::string{} : ": " + failed));
      set_condition(a.status.conditions, {"Ready", "False", "RollingBack", "restoring revision " + a.last_good.substr(0, 12)},
                    a.generation, a.now);
      outcome = Outcome::Progressing;
    } else {
      if (keep_failed) {
        set_condition(a.status.conditions,
                      {"Stalled", "True", std::string(kAutoRollbackDisabled), kept_in_place_message(a.revision, a.last_good)},
                      a.generation, a.now);
      }
      if (!was_failed) {
        events_.record(a.platform, "Warning", "RolloutFailed", "Rollout",
                       "revision " + a.revision.substr(0, 12) + " failed to roll out" +
                           (failed.empty() ? std::string{} : ": " + failed) +
                           (a.last_good.empty() ? " (no earlier revision succeeded, so nothing to roll back to)"
                            : keep_failed     ? "; spec.rollout.autoRollback is false, so revision " +
                                                    a.last_good.substr(0, 12) + " is not restored"
                                              : ""));
      }
    }
  } else if (outcome == Outcome::Degraded && !was_failed) {
    events_.record(a.platform, "Warning", "StatefulUpdateFailed", "Rollout",
                   find_condition(a.status.conditions, "Degraded")->message);
  }

  // What the hold means for the summary conditions; observe() described only the running revision.
  if (recovered) {
    // Nothing is held any more.
  } else if (a.plan.reason == HoldReason::BackingOff) {
    set_condition(a.status.conditions, {"Reconciling", "True", "BackingOff", a.plan.message}, a.generation, a.now);
  } else if (a.plan.reason == HoldReason::RetriesExceeded) {
    if (!condition_is(a.old_status.conditions, "Stalled", "True")) {
      spdlog::warn("platform {}/{}: {}", a.ns, a.name, a.plan.message);
      events_.record(a.platform, "Warning", "RetriesExceeded", "Apply", a.plan.message);
    }
    set_condition(a.status.conditions, {"Stalled", "True", "RetriesExceeded", a.plan.message}, a.generation, a.now);
    set_condition(a.status.conditions, {"Reconciling", "False", "RetriesExceeded", a.plan.message}, a.generation, a.now);
  } else if (a.plan.reason == HoldReason::FailedBefore && keep_failed) {
    set_condition(a.status.conditions,
                  {"Stalled", "True", std::string(kAutoRollbackDisabled), kept_in_place_message(a.revision, a.last_good)},
                  a.generation, a.now);
  }

  // 13. Status only when it changed; poll while progressing (child watches also wake us).
  PO_RETURN_IF_ERROR(write_status(a, a.status), "writing status");
  if (outcome == Outcome::Progressing) return ReconcileResult::requeue_after(options_.progressing_requeue);
  if (outcome == Outcome::Degraded) return ReconcileResult::requeue_after(options_.degraded_requeue);
  if (a.plan.reason == HoldReason::BackingOff) return ReconcileResult::requeue_after(std::chrono::seconds(a.plan.retry_in_seconds + 1));
  return ReconcileResult::done();
}
}  // namespace po::platform
