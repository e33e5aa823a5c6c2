// The typed Platform status (status_types.hpp) to and from its JSON, field for field as the CRD has it.
#include <nlohmann/json.hpp>

#include "po/platform/status_types.hpp"

namespace po::platform {

using nlohmann::json;

namespace {

constexpr std::string_view kResults[] = {"Progressing", "Succeeded", "Failed", "Superseded"};

// Readers that take a field only when it has the CRD's type.
void read(const json& j, const char* key, std::string& out) {
  if (const auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
}
void read(const json& j, const char* key, std::optional<std::int64_t>& out) {
  if (const auto it = j.find(key); it != j.end() && it->is_number_integer()) out = it->get<std::int64_t>();
}
void read(const json& j, const char* key, std::optional<bool>& out) {
  if (const auto it = j.find(key); it != j.end() && it->is_boolean()) out = it->get<bool>();
}
const json* object_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

// Writers that leave out what is absent.
void write(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
template <class T>
void write(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

json component_json(const ComponentState& c) {
  json j = json::object();
  write(j, "ready", c.ready);
  write(j, "replicas", c.replicas);
  write(j, "readyReplicas", c.readyReplicas);
  write(j, "updatedReplicas", c.updatedReplicas);
  write(j, "revision", c.revision);
  write(j, "message", c.message);
  return j;
}

json history_json(const HistoryEntry& e) {
  json j = json::object();
  write(j, "revision", e.revision);
  write(j, "generation", e.generation);
  write(j, "version", e.version);
  if (e.result) j["result"] = std::string(to_string(*e.result));
  write(j, "startedAt", e.startedAt);
  write(j, "finishedAt", e.finishedAt);
  write(j, "message", e.message);
  return j;
}

}  // namespace

std::string_view to_string(RolloutResult result) { return kResults[static_cast<int>(result)]; }

std::optional<RolloutResult> parse_rollout_result(std::string_view text) {
  for (int i = 0; i < 4; ++i) {
    if (kResults[i] == text) return static_cast<RolloutResult>(i);
  }
  return std::nullopt;
}

void to_json(json& j, const PlatformStatus& s) {
  j = json::object();
  write(j, "observedGeneration", s.observedGeneration);
  write(j, "replicas", s.replicas);
  write(j, "componentsReady", s.componentsReady);
  write(j, "lastRollbackTime", s.lastRollbackTime);
  write(j, "selector", s.selector);
  if (!s.conditions.empty()) j["conditions"] = s.conditions;
  json components = json::object();
  for (const auto& [name, component] : s.components) {
    if (auto c = component_json(component); !c.empty()) components[name] = std::move(c);
  }
  if (!components.empty()) j["components"] = std::move(components);
  json revision = json::object();
  write(revision, "current", s.revision.current);
  write(revision, "lastGood", s.revision.lastGood);
  write(revision, "lastAttempted", s.revision.lastAttempted);
  if (!revision.empty()) j["revision"] = std::move(revision);
  if (!s.history.empty()) {
    json& history = j["history"] = json::array();
    for (const auto& entry : s.history) history.push_back(history_json(entry));
  }
  json endpoints = json::object();
  for (const auto& [name, url] : s.endpoints) write(endpoints, name.c_str(), url);
  if (!endpoints.empty()) j["endpoints"] = std::move(endpoints);
}

void from_json(const json& j, PlatformStatus& s) {
  s = {};
  if (!j.is_object()) return;
  read(j, "observedGeneration", s.observedGeneration);
  read(j, "replicas", s.replicas);
  read(j, "componentsReady", s.componentsReady);
  read(j, "lastRollbackTime", s.lastRollbackTime);
  read(j, "selector", s.selector);
  if (const auto it = j.find("conditions"); it != j.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (c.is_object()) s.conditions.push_back(c.get<Condition>());
    }
  }
  if (const auto* components = object_at(j, "components")) {
    for (const auto& [name, c] : components->items()) {
      if (!c.is_object()) continue;
      ComponentState& state = s.components[name];
      read(c, "ready", state.ready);
      read(c, "replicas", state.replicas);
      read(c, "readyReplicas", state.readyReplicas);
      read(c, "updatedReplicas", state.updatedReplicas);
      read(c, "revision", state.revision);
      read(c, "message", state.message);
    }
  }
  if (const auto* revision = object_at(j, "revision")) {
    read(*revision, "current", s.revision.current);
    read(*revision, "lastGood", s.revision.lastGood);
    read(*revision, "lastAttempted", s.revision.lastAttempted);
  }
  if (const auto it = j.find("history"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (!e.is_object()) continue;
      HistoryEntry& entry = s.history.emplace_back();
      read(e, "revision", entry.revision);
      read(e, "generation", entry.generation);
      read(e, "version", entry.version);
      std::string result;
      read(e, "result", result);
      entry.result = parse_rollout_result(result);
      read(e, "startedAt", entry.startedAt);
      read(e, "finishedAt", entry.finishedAt);
      read(e, "message", entry.message);
    }
  }
  if (const auto* endpoints = object_at(j, "endpoints")) {
    for (const auto& [name, url] : endpoints->items()) {
      if (url.is_string()) s.endpoints[name] = url.get<std::string>();
    }
  }
}

}  // namespace po::platform
