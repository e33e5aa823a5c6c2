#include "po/platform/platform_status.hpp"

#include "po/platform/conditions.hpp"

namespace po::platform {

using nlohmann::json;

// Closes the newest history entry of `revision` if it is still open.
void finish_attempt(json& status, const std::string& revision, std::string_view result, const std::string& now,
                    const std::string& message) {
  auto& history = status["history"];
  if (!history.is_array()) return;
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->value("revision", "") != revision) continue;
    if (it->value("result", "") == kProgressing) {
      (*it)["result"] = std::string(result);
      (*it)["finishedAt"] = now;
      if (!message.empty()) (*it)["message"] = message;
    }
    return;
  }
}

bool recover_attempt(json& status, const std::string& revision, const std::string& now, const std::string& message) {
  if (!status.is_object() || !status.contains("history") || !status["history"].is_array()) return false;
  auto& history = status["history"];
  if (history.empty()) return false;
  auto& head = history.back();
  if (head.value("revision", "") != revision || head.value("result", "") != kFailed) return false;
  head["result"] = std::string(kSucceeded);
  head["finishedAt"] = now;
  head["message"] = message;
  return true;
}

json status_for_apply(const json& status) {
  if (status.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : status.items()) {
      json kept = status_for_apply(value);
      if (kept.is_null() || ((kept.is_object() || kept.is_array()) && kept.empty())) continue;
      out[key] = std::move(kept);
    }
    return out;
  }
  if (status.is_array()) {
    json out = json::array();
    for (const auto& item : status) out.push_back(status_for_apply(item));
    return out;
  }
  return status;
}

bool begin_attempt(json& status, const std::string& revision, std::int64_t generation, const std::string& version,
                   int history_limit, const std::string& now) {
  if (!status.is_object()) status = json::object();
  auto& rev = status["revision"];
  if (!rev.is_object()) rev = json::object();
  auto& history = status["history"];
  if (!history.is_array()) history = json::array();
  // A Failed head entry of the same revision is a retry (retry-at): that gets an entry of its own.
  const bool at_head = !history.empty() && history.back().value("revision", "") == revision &&
                       history.back().value("result", "") != kFailed;
  if (rev.value("lastAttempted", "") == revision && at_head) return false;  // this attempt is recorded already

  rev["lastAttempted"] = revision;
  if (!at_head) {
    // Any attempt still open was superseded by this one.
    for (auto& entry : history) {
      if (entry.value("result", "") == kProgressing) {
        entry["result"] = "Superseded";
        entry["finishedAt"] = now;
      }
    }
    history.push_back({{"revision", revision},
                       {"generation", generation},
                       {"version", version},
                       {"result", std::string(kProgressing)},
                       {"startedAt", now}});
    const auto limit = static_cast<std::size_t>(std::max(1, history_limit));
    if (history.size() > limit) history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(limit));
  }
  set_condition(status["conditions"],
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

Outcome observe(json& status, const Observed& o, const std::string& now) {
  if (!status.is_object()) status = json::object();
  status["observedGeneration"] = o.generation;
  status["replicas"] = o.api_replicas;
  status["selector"] = o.selector;
  status["endpoints"] = o.endpoints;
  status["revision"]["current"] = o.revision;

  json components = json::object();
  bool all_ready = true, any_failed = false, stateful_failed = false;
  std::string waiting, failed, failed_stateful;
  for (const auto& [name, c] : o.components) {
    json entry = {{"ready", c.ready},
                  {"replicas", c.replicas},
                  {"readyReplicas", c.ready_replicas},
                  {"updatedReplicas", c.updated_replicas},
                  {"revision", o.revision}};
    if (!c.message.empty()) entry["message"] = c.message;
    components[name] = std::move(entry);
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
  status["componentsReady"] = std::to_string(ready) + "/" + std::to_string(o.components.size());
  status["components"] = std::move(components);
  auto& conds = status["conditions"];
  remove_condition(conds, "Stalled");

  if (all_ready) {
    status["revision"]["lastGood"] = o.revision;
    finish_attempt(status, o.revision, kSucceeded, now);
    // A revision that recovered after it was marked failed says so while it runs (recover_attempt).
    std::string ready_message = "all components are ready";
    const json history = status.value("history", json::array());
    for (auto it = history.rbegin(); history.is_array() && it != history.rend(); ++it) {
      if (it->value("revision", "") != o.revision) continue;
      if (it->value("result", "") == kSucceeded && !it->value("message", "").empty()) {
        ready_message += "; " + it->value("message", "");
      }
      break;
    }
    set_condition(conds, {"Ready", "True", "Available", ready_message}, o.generation, now);
    set_condition(conds, {"Reconciling", "False", "RolloutComplete", "revision " + o.revision.substr(0, 12) + " is rolled out"},
                  o.generation, now);
    remove_condition(conds, "Degraded");
    return Outcome::Ready;
  }
  if (any_failed) {
    finish_attempt(status, o.revision, kFailed, now, "components failed to roll out: " + failed);
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

void stall(json& status, std::int64_t generation, const std::string& reason, const std::string& message,
           const std::string& now) {
  if (!status.is_object()) status = json::object();
  status["observedGeneration"] = generation;
  auto& conds = status["conditions"];
  set_condition(conds, {"Stalled", "True", reason, message}, generation, now);
  set_condition(conds, {"Ready", "False", reason, message}, generation, now);
  set_condition(conds, {"Reconciling", "False", reason, "reconciliation is stalled until the spec changes"}, generation,
                now);
}

}  // namespace po::platform
