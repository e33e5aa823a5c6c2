#include "po/platform/conditions.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace po::platform {

void to_json(nlohmann::json& j, const Condition& c) {
  j = {{"type", c.type},
       {"status", c.status},
       {"reason", c.reason},
       {"message", c.message},
       {"lastTransitionTime", c.lastTransitionTime}};
  if (c.observedGeneration) j["observedGeneration"] = *c.observedGeneration;
}

void from_json(const nlohmann::json& j, Condition& c) {
  c = {};
  if (!j.is_object()) return;
  const auto text = [&](const char* key, std::string& out) {
    if (const auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  text("type", c.type);
  text("status", c.status);
  text("reason", c.reason);
  text("message", c.message);
  text("lastTransitionTime", c.lastTransitionTime);
  if (const auto it = j.find("observedGeneration"); it != j.end() && it->is_number_integer()) {
    c.observedGeneration = it->get<std::int64_t>();
  }
}

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
  const auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool condition_is(const std::vector<Condition>& conditions, std::string_view type, std::string_view status) {
  const auto* c = find_condition(conditions, type);
  return c != nullptr && c->status == status;
}

bool set_condition(std::vector<Condition>& conditions, const ConditionUpdate& c, std::int64_t observed_generation,
                   std::string_view now) {
  for (auto& existing : conditions) {
    if (existing.type != c.type) continue;
    const Condition before = existing;
    if (existing.status != c.status) existing.lastTransitionTime = std::string(now);
    existing.status = c.status;
    existing.reason = c.reason;
    existing.message = c.message;
    existing.observedGeneration = observed_generation;
    return existing != before;
  }
  conditions.push_back({c.type, c.status, c.reason, c.message, observed_generation, std::string(now)});
  return true;
}

bool remove_condition(std::vector<Condition>& conditions, std::string_view type) {
  const auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Condition& c) { return c.type == type; });
  if (it == conditions.end()) return false;
  conditions.erase(it);
  return true;
}

void keep_transition_times(std::vector<Condition>& conditions, const std::vector<Condition>& before) {
  for (auto& c : conditions) {
    if (const auto* old = find_condition(before, c.type); old != nullptr && old->status == c.status) {
      c.lastTransitionTime = old->lastTransitionTime;
    }
  }
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace po::platform
