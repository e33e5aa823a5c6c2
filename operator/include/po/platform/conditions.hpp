// metav1.Condition bookkeeping for status.conditions, by Kubernetes API conventions:
// lastTransitionTime changes only when status changes; observedGeneration is the generation acted on.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

// One entry of status.conditions (a metav1.Condition).
struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;  // UpperCamelCase
  std::string message;
  std::optional<std::int64_t> observedGeneration;
  std::string lastTransitionTime;  // RFC 3339
  bool operator==(const Condition&) const = default;
};
// type, status, reason and message are required by the CRD and always written; observedGeneration when set.
void to_json(nlohmann::json& j, const Condition& c);
void from_json(const nlohmann::json& j, Condition& c);

// What set_condition sets; the times and generation are its own.
struct ConditionUpdate {
  std::string type;
  std::string status;
  std::string reason;
  std::string message;
};

// Sets `c` in `conditions`. Returns true when anything changed. now is an RFC 3339 timestamp, used only
// when the status flips or the condition is new.
bool set_condition(std::vector<Condition>& conditions, const ConditionUpdate& c, std::int64_t observed_generation,
                   std::string_view now);
// The condition of `type`, or nullptr.
const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);
bool condition_is(const std::vector<Condition>& conditions, std::string_view type, std::string_view status);
// Removes the condition of `type`; true when one was removed.
bool remove_condition(std::vector<Condition>& conditions, std::string_view type);

// lastTransitionTime of `before` for each condition whose status is the same there: one that a reconcile
// removed and set again (observe() clears Stalled, a held revision sets it again) has not transitioned.
void keep_transition_times(std::vector<Condition>& conditions, const std::vector<Condition>& before);

std::string rfc3339_now();

}  // namespace po::platform
