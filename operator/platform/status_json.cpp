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
void read(const json& j, const char* key, std::optional<RolloutResult>& out) {
  std::string text;
  read(j, key, text);
  out = parse_rollout_result(text);
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
void write(json& j, const char* key, const std::optional<RolloutResult>& value) {
  if (value) j[key] = std::string(to_string(*value));
}

// The scalar fields of each object, named once for both directions: fields(object, field) calls
// field(key, member) for each; the object is const when writing.
constexpr auto kComponent = [](auto& c, auto&& field) {
  field("ready", c.ready);
  field("replicas", c.replicas);
  field("readyReplicas", c.readyReplicas);
  field("updatedReplicas", c.updatedReplicas);
  field("revision", c.revision);
  field("message", c.message);
};
constexpr auto kHistory = [](auto& e, auto&& field) {
  field("revision", e.revision);
  field("generation", e.generation);
  field("version", e.version);
  field("result", e.result);
  field("startedAt", e.startedAt);
  field("finishedAt", e.finishedAt);
  field("message", e.message);
};
constexpr auto kRevision = [](auto& r, auto&& field) {
  field("current", r.current);
  field("lastGood", r.lastGood);
  field("lastAttempted", r.lastAttempted);
};
constexpr auto kStatus = [](auto& s, auto&& field) {
  field("observedGeneration", s.observedGeneration);
  field("replicas", s.replicas);
  field("componentsReady", s.componentsReady);
  field("lastRollbackTime", s.lastRollbackTime);
  field("selector", s.selector);
};

// The object of those fields that are present (empty when none is).
template <class S, class Fields>
json written(const S& value, Fields fields) {
  json j = json::object();
  fields(value, [&](const char* key, const auto& member) { write(j, key, member); });
  return j;
}
template <class S, class Fields>
void read_into(const json& j, S& value, Fields fields) {
  fields(value, [&](const char* key, auto& member) { read(j, key, member); });
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
  j = written(s, kStatus);
  if (!s.conditions.empty()) j["conditions"] = s.conditions;
  json components = json::object();
  for (const auto& [name, component] : s.components) {
    if (auto c = written(component, kComponent); !c.empty()) components[name] = std::move(c);
  }
  if (!components.empty()) j["components"] = std::move(components);
  if (auto revision = written(s.revision, kRevision); !revision.empty()) j["revision"] = std::move(revision);
  if (!s.history.empty()) {
    json& history = j["history"] = json::array();
    for (const auto& entry : s.history) history.push_back(written(entry, kHistory));
  }
  json endpoints = json::object();
  for (const auto& [name, url] : s.endpoints) write(endpoints, name.c_str(), url);
  if (!endpoints.empty()) j["endpoints"] = std::move(endpoints);
}

void from_json(const json& j, PlatformStatus& s) {
  s = {};
  if (!j.is_object()) return;
  read_into(j, s, kStatus);
  if (const auto it = j.find("conditions"); it != j.end() && it->is_array()) {
    for (const auto& c : *it) {
      if (c.is_object()) s.conditions.push_back(c.get<Condition>());
    }
  }
  if (const auto* components = object_at(j, "components")) {
    for (const auto& [name, c] : components->items()) {
      if (c.is_object()) read_into(c, s.components[name], kComponent);
    }
  }
  if (const auto* revision = object_at(j, "revision")) read_into(*revision, s.revision, kRevision);
  if (const auto it = j.find("history"); it != j.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (e.is_object()) read_into(e, s.history.emplace_back(), kHistory);
    }
  }
  if (const auto* endpoints = object_at(j, "endpoints")) {
    for (const auto& [name, url] : endpoints->items()) {
      if (url.is_string()) s.endpoints[name] = url.get<std::string>();
    }
  }
}

}  // namespace po::platform
