#include "po/platform/rollback.hpp"

#include <ctime>

#include "po/platform/platform_status.hpp"

namespace po::platform {

using nlohmann::json;

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

PlanDecision plan_rollout(const PlanInputs& in) {
  const json& history = in.status.contains("history") ? in.status["history"] : json::array();
  // The newest history entry of this revision decides.
  const json* newest = nullptr;
  if (history.is_array()) {
    for (const auto& entry : history) {
      if (entry.is_object() && entry.value("revision", "") == in.revision) newest = &entry;
    }
  }
  if (newest == nullptr || newest->value("result", "") != kFailed) return {Plan::ApplyRevision, {}};

  const auto failed_at = parse_rfc3339_utc(newest->value("finishedAt", ""));
  const auto retry_at = parse_rfc3339_utc(in.retry_at);
  if (retry_at && failed_at && *retry_at > *failed_at) {
    return {Plan::ApplyRevision, "retrying revision " + in.revision.substr(0, 12) + " as retry-at asks"};
  }
  std::string last_good;
  if (in.status.contains("revision") && in.status["revision"].is_object()) {
    last_good = in.status["revision"].value("lastGood", "");
  }
  const std::string why = "revision " + in.revision.substr(0, 12) +
                          " failed before; change the spec or set the platform.a11y.dev/retry-at annotation to a "
                          "time after " + newest->value("finishedAt", "the failure") + " to try it again";
  if (last_good.empty() || last_good == in.revision) return {Plan::HoldFailed, why};
  return {Plan::HoldLastGood, why};
}

FailureAction on_rollout_failure(bool failed, bool auto_rollback, const std::string& last_good,
                                 const std::string& revision) {
  if (!failed) return FailureAction::None;
  if (!auto_rollback || last_good.empty() || last_good == revision) return FailureAction::Report;
  return FailureAction::RollBack;
}

}  // namespace po::platform
