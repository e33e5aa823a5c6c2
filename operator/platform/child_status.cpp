#include "po/platform/child_status.hpp"

#include <fmt/format.h>

namespace po::platform {
namespace {

using nlohmann::json;

std::int64_t int_at(const json& object, const json::json_pointer& ptr, std::int64_t fallback = 0) {
  if (!object.contains(ptr)) return fallback;
  const auto& v = object.at(ptr);
  return v.is_number_integer() ? v.get<std::int64_t>() : fallback;
}

std::string string_at(const json& object, const json::json_pointer& ptr) {
  if (!object.contains(ptr)) return {};
  const auto& v = object.at(ptr);
  return v.is_string() ? v.get<std::string>() : std::string{};
}

const json* condition(const json& object, std::string_view type) {
  const auto ptr = json::json_pointer("/status/conditions");
  if (!object.contains(ptr) || !object.at(ptr).is_array()) return nullptr;
  for (const auto& c : object.at(ptr)) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

// Common start: missing object, or a generation the workload controller has not observed yet.
bool not_observed(const json* live, std::int64_t applied_generation, WorkloadStatus& out) {
  if (live == nullptr || !live->is_object()) {
    out.state = RolloutState::Missing;
    out.message = "not created yet";
    return true;
  }
  out.desired_replicas = int_at(*live, json::json_pointer("/spec/replicas"), 1);
  out.replicas = int_at(*live, json::json_pointer("/status/replicas"));
  out.ready_replicas = int_at(*live, json::json_pointer("/status/readyReplicas"));
  out.updated_replicas = int_at(*live, json::json_pointer("/status/updatedReplicas"));
  const auto cached_generation = int_at(*live, json::json_pointer("/metadata/generation"));
  if (cached_generation < applied_generation) {
    out.state = RolloutState::InProgress;
    out.message = fmt::format("waiting for the cache to show generation {}", applied_generation);
    return true;
  }
  const auto generation = cached_generation;
  const auto observed = int_at(*live, json::json_pointer("/status/observedGeneration"));
  if (observed < generation) {
    out.state = RolloutState::InProgress;
    out.message = fmt::format("waiting for the controller to observe generation {}", generation);
    return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(RolloutState state) {
  switch (state) {
    case RolloutState::Current: return "Current";
    case RolloutState::InProgress: return "InProgress";
    case RolloutState::Failed: return "Failed";
    case RolloutState::Missing: return "Missing";
  }
  return "Unknown";
}

WorkloadStatus deployment_status(const json* live, std::int64_t applied_generation) {
  WorkloadStatus out;
  if (not_observed(live, applied_generation, out)) return out;
  const auto available = int_at(*live, json::json_pointer("/status/availableReplicas"));
  // A complete rollout is Current even while a Progressing=False condition from an earlier, abandoned
  // rollout lingers (after a rollback the controller may take a resync to clear it).
  const bool complete = out.updated_replicas >= out.desired_replicas && out.replicas <= out.updated_replicas &&
                        available >= out.desired_replicas;
  if (complete) {
    out.state = RolloutState::Current;
    return out;
  }
  if (const auto* progressing = condition(*live, "Progressing");
      progressing != nullptr && progressing->value("status", "") == "False" &&
      progressing->value("reason", "") == "ProgressDeadlineExceeded") {
    out.state = RolloutState::Failed;
    out.message = fmt::format("rollout exceeded its progress deadline: {}", progressing->value("message", ""));
    return out;
  }
  out.state = RolloutState::InProgress;
  if (out.updated_replicas < out.desired_replicas) {
    out.message = fmt::format("{} of {} pods updated", out.updated_replicas, out.desired_replicas);
  } else if (out.replicas > out.updated_replicas) {
    out.message = fmt::format("{} old pods pending termination", out.replicas - out.updated_replicas);
  } else {
    out.message = fmt::format("{} of {} updated pods available", available, out.desired_replicas);
  }
  return out;
}

WorkloadStatus statefulset_status(const json* live, std::int64_t applied_generation) {
  WorkloadStatus out;
  if (not_observed(live, applied_generation, out)) return out;
  const bool rolling = string_at(*live, json::json_pointer("/spec/updateStrategy/type")) != "OnDelete";
  const auto current = string_at(*live, json::json_pointer("/status/currentRevision"));
  const auto update = string_at(*live, json::json_pointer("/status/updateRevision"));
  if (out.ready_replicas < out.desired_replicas) {
    out.state = RolloutState::InProgress;
    out.message = fmt::format("{} of {} pods ready", out.ready_replicas, out.desired_replicas);
  } else if (rolling && out.updated_replicas < out.desired_replicas) {
    out.state = RolloutState::InProgress;
    out.message = fmt::format("{} of {} pods updated", out.updated_replicas, out.desired_replicas);
  } else if (rolling && !update.empty() && current != update) {
    out.state = RolloutState::InProgress;
    out.message = fmt::format("rolling out revision {}", update);
  } else {
    out.state = RolloutState::Current;
  }
  return out;
}

ComponentStatus combine(const std::vector<std::pair<std::string, WorkloadStatus>>& named_workloads) {
  ComponentStatus out;
  out.ready = true;
  for (const auto& [name, w] : named_workloads) {
    out.replicas += w.replicas;
    out.ready_replicas += w.ready_replicas;
    out.updated_replicas += w.updated_replicas;
    if (w.state == RolloutState::Current) continue;
    out.ready = false;
    if (w.state == RolloutState::Failed) out.failed = true;
    if (!out.message.empty()) out.message += "; ";
    out.message += name + ": " + w.message;
  }
  return out;
}

void slim_child(json& object) {
  if (!object.is_object()) return;
  json slim = json::object();
  for (const char* field : {"apiVersion", "kind", "status"}) {
    if (auto it = object.find(field); it != object.end()) slim[field] = std::move(*it);
  }
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    json& kept = slim["metadata"] = json::object();
    for (const char* field : {"name", "namespace", "uid", "resourceVersion", "generation", "labels", "ownerReferences",
                              "deletionTimestamp"}) {
      if (auto it = meta->find(field); it != meta->end()) kept[field] = std::move(*it);
    }
    // A generated Secret's rotation state is in its annotations (credential_rotation.hpp); its values are not kept.
    if (slim.value("kind", "") == "Secret") {
      for (const char* field : {"annotations", "creationTimestamp"}) {
        if (auto it = meta->find(field); it != meta->end()) kept[field] = std::move(*it);
      }
    }
  }
  const auto kind = slim.value("kind", "");
  if (auto spec = object.find("spec"); spec != object.end() && spec->is_object() &&
                                       (kind == "Deployment" || kind == "StatefulSet")) {
    json& kept = slim["spec"] = json::object();
    for (const char* field : {"replicas", "updateStrategy"}) {
      if (auto it = spec->find(field); it != spec->end()) kept[field] = std::move(*it);
    }
    // The images a StatefulSet runs (the PostgreSQL major-version check reads them).
    const auto containers = json::json_pointer("/template/spec/containers");
    if (kind == "StatefulSet" && spec->contains(containers) && spec->at(containers).is_array()) {
      json list = json::array();
      for (const auto& c : spec->at(containers)) {
        if (c.is_object()) list.push_back({{"name", c.value("name", "")}, {"image", c.value("image", "")}});
      }
      kept["template"] = {{"spec", {{"containers", std::move(list)}}}};
    }
    // The claim sizes a StatefulSet's templates ask (growing volumes compares them with the spec's).
    if (kind == "StatefulSet" && spec->contains("volumeClaimTemplates") && (*spec)["volumeClaimTemplates"].is_array()) {
      json list = json::array();
      for (const auto& t : (*spec)["volumeClaimTemplates"]) {
        json one = {{"metadata", {{"name", t.contains("metadata") ? t["metadata"].value("name", "") : ""}}}};
        const auto size = json::json_pointer("/spec/resources/requests/storage");
        if (t.contains(size)) one["spec"]["resources"]["requests"]["storage"] = t.at(size);
        list.push_back(std::move(one));
      }
      kept["volumeClaimTemplates"] = std::move(list);
    }
  }
  object = std::move(slim);
}

}  // namespace po::platform
