// metav1.Condition bookkeeping for status.conditions, by Kubernetes API conventions:
// lastTransitionTime changes only when status changes; observedGeneration is the generation acted on.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace po::platform {

struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;  // UpperCamelCase
  std::string message;
};

// Sets `c` in the JSON array `conditions` (created if null). Returns true when anything changed.
// now is an RFC 3339 timestamp, used only when the status flips or the condition is new.
bool set_condition(nlohmann::json& conditions, const Condition& c, std::int64_t observed_generation,
                   std::string_view now);
// The condition of `type`, or nullptr.
const nlohmann::json* find_condition(const nlohmann::json& conditions, std::string_view type);
bool condition_is(const nlohmann::json& conditions, std::string_view type, std::string_view status);
// Removes the condition of `type`; true when one was removed.
bool remove_condition(nlohmann::json& conditions, std::string_view type);

std::string rfc3339_now();

}  // namespace po::platform
