#include "po/platform/rollback.hpp"

#include <algorithm>
#include <ctime>

#include "po/platform/platform_status.hpp"

namespace po::platform {

std::optional<long long> parse_rfc3339_utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.frac]Z
  if (text.size() < 20 || text.back() != 'Z') return std::nullopt;
  const auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
             s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *s > 60)
    return std::nullopt;
  if (text.size() > 20) {
    if (text[19] != '.') return std::nullopt;
    for (std::size_t i = 20; i + 1 < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
  }
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  return static_cast<long long>(timegm(&tm));
}

int consecutive_failures(const PlatformStatus& status, std::optional<long long>* last_failure) {
  if (last_failure != nullptr) last_failure->reset();
  int failures = 0;
  for (auto it = status.history.rbegin(); it != status.history.rend(); ++it) {
    if (it->result == RolloutResult::Superseded) continue;
    if (it->result != RolloutResult::Failed) break;
    if (failures++ == 0 && last_failure != nullptr) *last_failure = parse_rfc3339_utc(it->finishedAt);
  }
  return failures;
}

namespace {

std::string short_rev(const std::string& revision) { return revision.substr(0, 12); }

std::string utc(long long seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

PlanDecision plan_rollout(const PlanInputs& in) {
  // The newest history entry of this revision decides what is known of it.
  const HistoryEntry* newest = nullptr;
  for (const auto& entry : in.status.history) {
    if (entry.revision == in.revision) newest = &entry;
  }
  const std::optional<RolloutResult> newest_result = newest != nullptr ? newest->result : std::nullopt;
  const std::string& last_good = in.status.revision.lastGood;
  const auto hold = [&](HoldReason reason, std::string message, long long retry_in = 0) {
    const bool restore = in.auto_rollback && !last_good.empty() && last_good != in.revision;
    const Plan plan = restore ? Plan::HoldLastGood : Plan::HoldFailed;
    return PlanDecision{plan, reason, std::move(message), retry_in};
  };
  std::optional<long long> last_failure;
  const int failures = consecutive_failures(in.status, &last_failure);
  const auto retry_at = parse_rfc3339_utc(in.retry_at);
  const int limit = std::max(1, in.max_consecutive_failures);
  const auto exceeded = [&] {
    return std::to_string(failures) + " revisions in a row failed to roll out (maxConsecutiveFailures " +
           std::to_string(limit) + "); set the platform.a11y.dev/retry-at annotation to a time after " +
           (last_failure ? utc(*last_failure) : std::string("the last failure")) + " to apply revision " +
           short_rev(in.revision);
  };

  if (newest_result == RolloutResult::Failed) {
    const auto failed_at = parse_rfc3339_utc(newest->finishedAt);
    if (retry_at && failed_at && *retry_at > *failed_at) {
      return {Plan::ApplyRevision, HoldReason::None, "retrying revision " + short_rev(in.revision) + " as retry-at asks", 0};
    }
    if (failures >= limit) return hold(HoldReason::RetriesExceeded, exceeded());
    return hold(HoldReason::FailedBefore,
                "revision " + short_rev(in.revision) +
                    " failed before; change the spec or set the platform.a11y.dev/retry-at annotation to a time after " +
                    (newest->finishedAt.empty() ? std::string("the failure") : newest->finishedAt) + " to try it again");
  }
  // Known good, or an attempt already under way (a restart resumes it): go on.
  if (newest_result == RolloutResult::Succeeded || newest_result == RolloutResult::Progressing) return {};
  // A revision not tried yet.
  if (failures == 0) return {};
  if (retry_at && last_failure && *retry_at > *last_failure) return {};
  if (failures >= limit) return hold(HoldReason::RetriesExceeded, exceeded());
  if (failures >= 2 && last_failure) {
    long long wait = std::max(0LL, in.backoff_seconds);
    for (int i = 2; i < failures && wait < kMaxBackoffSeconds; ++i) wait *= 2;
    wait = std::min(wait, kMaxBackoffSeconds);
    const long long until = *last_failure + wait;
    if (in.now < until) {
      return hold(HoldReason::BackingOff,
                  std::to_string(failures) + " revisions in a row failed to roll out; revision " + short_rev(in.revision) +
                      " waits until " + utc(until) + " (or a retry-at annotation after " + utc(*last_failure) + ")",
                  until - in.now);
    }
  }
  return {};
}

std::string kept_in_place_message(const std::string& revision, const std::string& last_good) {
  return "revision " + short_rev(revision) + " failed to roll out and stays in place: spec.rollout.autoRollback is false, " +
         "so revision " + short_rev(last_good) + " is not restored; change the spec, or set the platform.a11y.dev/retry-at " +
         "annotation to a time after the failure to try it again";
}

FailureAction on_rollout_failure(bool failed, bool auto_rollback, const std::string& last_good,
                                 const std::string& revision) {
  if (!failed) return FailureAction::None;
  if (!auto_rollback || last_good.empty() || last_good == revision) return FailureAction::Report;
  return FailureAction::RollBack;
}

}  // namespace po::platform
