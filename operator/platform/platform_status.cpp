#include "po/platform/platform_status.hpp"

#include <algorithm>

#include "po/platform/conditions.hpp"

namespace po::platform {

void finish_attempt(PlatformStatus& status, const std::string& revision, RolloutResult result, const std::string& now,
                    const std::string& message) {
  for (auto it = status.history.rbegin(); it != status.history.rend(); ++it) {
    if (it->revision != revision) continue;
    if (it->result == RolloutResult::Progressing) {
      it->result = result;
      it->finishedAt = now;
      if (!message.empty()) it->message = message;
    }
    return;
  }
}

bool recover_attempt(PlatformStatus& status, const std::string& revision, const std::string& now,
                     const std::string& message) {
  if (status.history.empty()) return false;
  auto& head = status.history.back();
  if (head.revision != revision || head.result != RolloutResult::Failed) return false;
  head.result = RolloutResult::Succeeded;
  head.finishedAt = now;
  head.message = message;
  return true;
}

bool begin_attempt(PlatformStatus& status, const std::string& revision, std::int64_t generation,
                   const std::string& version, int history_limit, const std::string& now) {
  auto& history = status.history;
  // A Failed head entry of the same revision is a retry (retry-at): that gets an entry of its own.
  const bool at_head = !history.empty() && history.back().revision == revision &&
                       history.back().result != RolloutResult::Failed;
  if (status.revision.lastAttempted == revision && at_head) return false;  // this attempt is recorded already

  status.revision.lastAttempted = revision;
  if (!at_head) {
    // Any attempt still open was superseded by this one.
    for (auto& entry : history) {
      if (entry.result == RolloutResult::Progressing) {
        entry.result = RolloutResult::Superseded;
        entry.finishedAt = now;
      }
    }
    history.push_back({revision, generation, version, RolloutResult::Progressing, now, {}, {}});
    const auto limit = static_cast<std::size_t>(std::max(1, history_limit));
    if (history.size() > limit) history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(limit));
  }
  set_condition(status.conditions,
                {"Reconciling", "True", "RolloutStarted", "applying revision " + revision.substr(0, 12)}, generation,
                now);
  return true;
}

std::string failed_components(const Observed& o) {
  std::string out;
  for (const auto& [name, c] : o.components) {
    if (c.ready || !c.failed || c.stateful) continue;
    if (!out.empty()) out += ", ";
    out += name;
    if (!c.message.empty()) out += " (" + c.message + ")";
  }
  return out;
}

Outcome observe(PlatformStatus& status, const Observed& o, const std::string& now) {
  status.observedGeneration = o.generation;
  status.replicas = o.api_replicas;
  status.selector = o.selector;
  status.endpoints = o.endpoints;
  status.revision.current = o.revision;

  std::map<std::string, ComponentState> components;
  bool all_ready = true, any_failed = false, stateful_failed = false;
  std::string waiting, failed, failed_stateful;
  for (const auto& [name, c] : o.components) {
    components[name] = {c.ready, c.replicas, c.ready_replicas, c.updated_replicas, o.revision, c.message};
    if (!c.ready) {
      all_ready = false;
      auto& list = !c.failed ? waiting : c.stateful ? failed_stateful : failed;
      if (!list.empty()) list += ", ";
      list += name;
      // What failed in its own words (a progress deadline, a pod's CrashLoopBackOff or probe).
      if (c.failed && !c.message.empty()) list += " (" + c.message + ")";
    }
    any_failed |= c.failed && !c.stateful;
    stateful_failed |= c.failed && c.stateful;
  }
  std::size_t ready = 0;
  for (const auto& [name, c] : o.components) ready += c.ready ? 1 : 0;
  status.componentsReady = std::to_string(ready) + "/" + std::to_string(o.components.size());
  status.components = std::move(components);
  auto& conds = status.conditions;
  remove_condition(conds, "Stalled");

  if (all_ready) {
    status.revision.lastGood = o.revision;
    finish_attempt(status, o.revision, RolloutResult::Succeeded, now);
    // A revision that recovered after it was marked failed says so while it runs (recover_attempt).
    std::string ready_message = "all components are ready";
    for (auto it = status.history.rbegin(); it != status.history.rend(); ++it) {
      if (it->revision != o.revision) continue;
      if (it->result == RolloutResult::Succeeded && !it->message.empty()) ready_message += "; " + it->message;
      break;
    }
    set_condition(conds, {"Ready", "True", "Available", ready_message}, o.generation, now);
    set_condition(conds, {"Reconciling", "False", "RolloutComplete", "revision " + o.revision.substr(0, 12) + " is rolled out"},
                  o.generation, now);
    remove_condition(conds, "Degraded");
    return Outcome::Ready;
  }
  if (any_failed) {
    finish_attempt(status, o.revision, RolloutResult::Failed, now, "components failed to roll out: " + failed);
    set_condition(conds, {"Ready", "False", "RolloutFailed", "rollout failed: " + failed}, o.generation, now);
    set_condition(conds, {"Degraded", "True", "RolloutFailed", "components failed to roll out: " + failed},
                  o.generation, now);
    set_condition(conds, {"Reconciling", "False", "RolloutFailed", "the rollout stopped making progress"},
                  o.generation, now);
    return Outcome::Failed;
  }
  if (stateful_failed) {
    // The revision (stateless objects) is not to blame: its history entry stays open.
    set_condition(conds, {"Ready", "False", "StatefulUpdateFailed", "update failed: " + failed_stateful}, o.generation, now);
    set_condition(conds, {"Degraded", "True", "StatefulUpdateFailed", "update failed: " + failed_stateful},
                  o.generation, now);
    set_condition(conds, {"Reconciling", "True", "StatefulUpdateFailed",
                          "waiting for a person: stateful components are not rolled back automatically"},
                  o.generation, now);
    return Outcome::Degraded;
  }
  set_condition(conds, {"Ready", "False", "Progressing", "waiting for: " + waiting}, o.generation, now);
  set_condition(conds, {"Reconciling", "True", "Progressing", "waiting for: " + waiting}, o.generation, now);
  remove_condition(conds, "Degraded");
  return Outcome::Progressing;
}

void stall(PlatformStatus& status, std::int64_t generation, const std::string& reason, const std::string& message,
           const std::string& now) {
  status.observedGeneration = generation;
  auto& conds = status.conditions;
  set_condition(conds, {"Stalled", "True", reason, message}, generation, now);
  set_condition(conds, {"Ready", "False", reason, message}, generation, now);
  set_condition(conds, {"Reconciling", "False", reason, "reconciliation is stalled until the spec changes"}, generation,
                now);
}

}  // namespace po::platform
