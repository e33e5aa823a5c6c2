// Rollback decisions (DESIGN §4 steps 6 and 11), as pure functions of status, annotations and what
// was observed, so that every case is a row in a unit-test table.
#pragma once
#include <optional>
#include <string>

#include "po/platform/status_types.hpp"

namespace po::platform {

inline constexpr std::string_view kRetryAtAnnotation = "platform.a11y.dev/retry-at";

enum class Plan {
  ApplyRevision,  // apply what the spec renders now
  HoldLastGood,   // do not apply it: keep (re-apply) the last good stateless objects
  HoldFailed      // do not apply it, and leave the stateless objects as they are: there is no last good
                  // revision, or autoRollback is off
};

// Why a revision is held.
enum class HoldReason {
  None,
  FailedBefore,     // this revision failed and retry-at does not ask for another try
  BackingOff,       // revisions failed in a row: the next one waits (retry_in_seconds) before it is applied
  RetriesExceeded   // maxConsecutiveFailures revisions failed in a row: nothing new until retry-at
};

struct PlanInputs {
  std::string revision;             // digest of what the spec renders now
  PlatformStatus status;            // the Platform's status (history, revision)
  std::string retry_at;             // the retry-at annotation, "" when absent
  long long now = 0;                // seconds since the epoch
  int max_consecutive_failures = 3; // spec.rollout.maxConsecutiveFailures
  long long backoff_seconds = 30;   // wait after the 2nd failure in a row; doubles with each further one
  bool auto_rollback = true;        // spec.rollout.autoRollback: off, a held revision is never replaced
};

struct PlanDecision {
  Plan plan = Plan::ApplyRevision;
  HoldReason reason = HoldReason::None;
  std::string message;              // for conditions and events
  long long retry_in_seconds = 0;   // BackingOff: when to look again
};

// Longest wait between failed revisions in a row.
inline constexpr long long kMaxBackoffSeconds = 600;

// Failed attempts at the newest end of status.history, not counting Superseded ones; a Succeeded or a
// Progressing attempt ends the run. `last_failure` gets the newest failure's finishedAt when it parses.
int consecutive_failures(const PlatformStatus& status, std::optional<long long>* last_failure = nullptr);

// What to do with the revision the spec renders now:
// - its newest attempt Failed: hold it, unless retry-at (RFC 3339) is newer than that failure;
// - new, Progressing or Succeeded before: apply it, except after failures in a row of other revisions,
//   when the first failure lets the next revision through at once, the 2nd makes it wait backoff_seconds,
//   each further one doubles the wait (at most kMaxBackoffSeconds), and max_consecutive_failures stop new
//   revisions altogether. A retry-at newer than the last failure lifts both. A revision that succeeded
//   before is always applied: going back to a known-good spec is safe.
PlanDecision plan_rollout(const PlanInputs& in);

enum class FailureAction { None, RollBack, Report };

// After an apply of a new revision: roll back only when the failure is a stateless rollout, autoRollback
// is on, and a last good revision other than this one exists (never before the first success).
FailureAction on_rollout_failure(bool failed, bool auto_rollback, const std::string& last_good,
                                 const std::string& revision);

// With autoRollback off a failed revision stays in place, and the Platform is Stalled with this reason and
// message (no rollback to `last_good`) until the spec changes or retry-at asks for another try.
inline constexpr std::string_view kAutoRollbackDisabled = "AutoRollbackDisabled";
std::string kept_in_place_message(const std::string& revision, const std::string& last_good);

// RFC 3339 in UTC ("2026-01-02T03:04:05Z", fractional seconds allowed) -> seconds since the epoch; nullopt
// for anything else.
std::optional<long long> parse_rfc3339_utc(std::string_view text);

}  // namespace po::platform
