// Rollback decisions (DESIGN §4 steps 6 and 11), as pure functions of status, annotations and what
// was observed, so that every case is a row in a unit-test table.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace po::platform {

inline constexpr std::string_view kRetryAtAnnotation = "platform.a11y.dev/retry-at";

enum class Plan {
  ApplyRevision,  // apply what the spec renders now
  HoldLastGood,   // the rendered revision failed before: keep (re-apply) the last good stateless objects
  HoldFailed      // it failed and there is no last good revision: leave the stateless objects alone
};

struct PlanInputs {
  std::string revision;        // digest of what the spec renders now
  nlohmann::json status;       // the Platform's status (history, revision)
  std::string retry_at;        // the retry-at annotation, "" when absent
};

struct PlanDecision {
  Plan plan = Plan::ApplyRevision;
  std::string message;         // for conditions and events when holding
};

// A revision recorded as Failed is not applied again unless retry-at (RFC 3339) is newer than that failure.
PlanDecision plan_rollout(const PlanInputs& in);

enum class FailureAction { None, RollBack, Report };

// After an apply of a new revision: roll back only when the failure is a stateless rollout, autoRollback
// is on, and a last good revision other than this one exists (never before the first success).
FailureAction on_rollout_failure(bool failed, bool auto_rollback, const std::string& last_good,
                                 const std::string& revision);

// RFC 3339 in UTC ("2026-01-02T03:04:05Z", fractional seconds allowed) -> seconds since the epoch; nullopt
// for anything else.
std::optional<long long> parse_rfc3339_utc(std::string_view text);

}  // namespace po::platform
