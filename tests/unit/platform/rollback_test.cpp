#include <doctest/doctest.h>

#include "po/platform/rollback.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
json status_with(const std::string& last_good, json history) {
  return {{"revision", {{"lastGood", last_good}, {"current", last_good}}}, {"history", std::move(history)}};
}
json entry(const std::string& rev, const std::string& result, const std::string& finished = "2026-05-01T10:00:00Z") {
  return {{"revision", rev}, {"result", result}, {"finishedAt", finished}};
}
}  // namespace

TEST_CASE("plan_rollout: the table") {
  struct Row {
    const char* name;
    std::string revision;
    json status;
    std::string retry_at;
    Plan want;
  };
  const json good_then_failed = json::array({entry("good", "Succeeded"), entry("bad", "Failed")});
  const std::vector<Row> rows = {
      {"a revision never seen is applied", "new", status_with("good", good_then_failed), "", Plan::ApplyRevision},
      {"a succeeded revision is applied", "good", status_with("good", good_then_failed), "", Plan::ApplyRevision},
      {"a failed revision holds the last good one", "bad", status_with("good", good_then_failed), "", Plan::HoldLastGood},
      {"retry-at older than the failure still holds", "bad", status_with("good", good_then_failed),
       "2026-05-01T09:00:00Z", Plan::HoldLastGood},
      {"retry-at equal to the failure still holds", "bad", status_with("good", good_then_failed),
       "2026-05-01T10:00:00Z", Plan::HoldLastGood},
      {"retry-at newer than the failure re-attempts", "bad", status_with("good", good_then_failed),
       "2026-05-01T10:00:01Z", Plan::ApplyRevision},
      {"retry-at with fractional seconds", "bad", status_with("good", good_then_failed), "2026-05-01T11:00:00.5Z",
       Plan::ApplyRevision},
      {"an unparsable retry-at is ignored", "bad", status_with("good", good_then_failed), "tomorrow", Plan::HoldLastGood},
      {"a failure before any success holds without rollback", "bad",
       status_with("", json::array({entry("bad", "Failed")})), "", Plan::HoldFailed},
      {"the newest entry decides: failed, retried, succeeded", "bad",
       status_with("bad", json::array({entry("bad", "Failed"), entry("bad", "Succeeded")})), "", Plan::ApplyRevision},
      {"the newest entry decides: succeeded, then failed", "bad",
       status_with("good", json::array({entry("good", "Succeeded"), entry("bad", "Succeeded"), entry("bad", "Failed")})),
       "", Plan::HoldLastGood},
      {"no status at all", "new", json::object(), "", Plan::ApplyRevision},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto d = plan_rollout({row.revision, row.status, row.retry_at});
    CHECK(d.plan == row.want);
    if (row.want != Plan::ApplyRevision) CHECK(d.message.find("retry-at") != std::string::npos);
  }
}

TEST_CASE("on_rollout_failure: roll back only with autoRollback and another last good revision") {
  CHECK(on_rollout_failure(false, true, "good", "new") == FailureAction::None);
  CHECK(on_rollout_failure(true, true, "good", "new") == FailureAction::RollBack);
  CHECK(on_rollout_failure(true, false, "good", "new") == FailureAction::Report);
  CHECK(on_rollout_failure(true, true, "", "new") == FailureAction::Report);       // before the first success
  CHECK(on_rollout_failure(true, true, "new", "new") == FailureAction::Report);    // the good one itself degraded
}

TEST_CASE("parse_rfc3339_utc") {
  CHECK(parse_rfc3339_utc("1970-01-01T00:00:10Z") == 10);
  CHECK(parse_rfc3339_utc("2026-05-01T10:00:00.123Z") == parse_rfc3339_utc("2026-05-01T10:00:00Z"));
  CHECK_FALSE(parse_rfc3339_utc("2026-05-01 10:00:00Z"));
  CHECK_FALSE(parse_rfc3339_utc("2026-05-01T10:00:00+02:00"));
  CHECK_FALSE(parse_rfc3339_utc("2026-13-01T10:00:00Z"));
  CHECK_FALSE(parse_rfc3339_utc(""));
}
