#include "po/platform/conditions.hpp"

#include <chrono>
#include <ctime>

namespace po::platform {

const nlohmann::json* find_condition(const nlohmann::json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const auto& c : conditions) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

bool condition_is(const nlohmann::json& conditions, std::string_view type, std::string_view status) {
  const auto* c = find_condition(conditions, type);
  return c != nullptr && c->value("status", "") == status;
}

bool set_condition(nlohmann::json& conditions, const Condition& c, std::int64_t observed_generation,
                   std::string_view now) {
  if (!conditions.is_array()) conditions = nlohmann::json::array();
  for (auto& existing : conditions) {
    if (!existing.is_object() || existing.value("type", "") != c.type) continue;
    bool changed = false;
    auto assign = [&](const char* key, const nlohmann::json& value) {
      if (!existing.contains(key) || existing[key] != value) {
        existing[key] = value;
        changed = true;
      }
    };
    if (existing.value("status", "") != c.status) assign("lastTransitionTime", std::string(now));
    assign("status", c.status);
    assign("reason", c.reason);
    assign("message", c.message);
    assign("observedGeneration", observed_generation);
    return changed;
  }
  conditions.push_back({{"type", c.type},
                        {"status", c.status},
                        {"reason", c.reason},
                        {"message", c.message},
                        {"observedGeneration", observed_generation},
                        {"lastTransitionTime", std::string(now)}});
  return true;
}

bool remove_condition(nlohmann::json& conditions, std::string_view type) {
  if (!conditions.is_array()) return false;
  for (auto it = conditions.begin(); it != conditions.end(); ++it) {
    if (it->is_object() && it->value("type", "") == type) {
      conditions.erase(it);
      return true;
    }
  }
  return false;
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
