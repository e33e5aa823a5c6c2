#include <doctest/doctest.h>

#include "po/platform/rollback.hpp"

using namespace po::platform;
using nlohmann::json;

// The status as the API server holds it, read into the typed status the decisions take.
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
    const auto d = plan_rollout({row.revision, row.status.get<PlatformStatus>(), row.retry_at});
    CHECK(d.plan == row.want);
    if (row.want != Plan::ApplyRevision) CHECK(d.message.find("retry-at") != std::string::npos);
  }
}

TEST_CASE("plan_rollout: with autoRollback off a failed revision is held where it is, never replaced") {
  const json status = status_with("good", json::array({entry("good", "Succeeded"), entry("bad", "Failed")}));
  const long long t = *parse_rfc3339_utc("2026-05-01T10:00:00Z");
  const auto held = plan_rollout({"bad", status.get<PlatformStatus>(), "", t, 3, 30, false});
  CHECK(held.plan == Plan::HoldFailed);
  CHECK(held.reason == HoldReason::FailedBefore);
  CHECK(plan_rollout({"bad", status.get<PlatformStatus>(), "", t, 3, 30, true}).plan == Plan::HoldLastGood);
  // retry-at and a revision that succeeded before still go through.
  CHECK(plan_rollout({"bad", status.get<PlatformStatus>(), "2026-05-01T10:00:01Z", t, 3, 30, false}).plan == Plan::ApplyRevision);
  CHECK(plan_rollout({"good", status.get<PlatformStatus>(), "", t, 3, 30, false}).plan == Plan::ApplyRevision);
  CHECK(kept_in_place_message("bad", "good").find("autoRollback is false") != std::string::npos);
}

TEST_CASE("plan_rollout: failures in a row back off, then stall until retry-at") {
  const long long t = *parse_rfc3339_utc("2026-05-01T10:00:00Z");  // when the newest failure finished
  const auto failed_run = [](int n) {
    json history = json::array({entry("good", "Succeeded", "2026-05-01T08:00:00Z")});
    for (int i = 1; i <= n; ++i) {
      const std::string finished = i == n ? "2026-05-01T10:00:00Z" : "2026-05-01T09:0" + std::to_string(i) + ":00Z";
      history.push_back(entry("bad" + std::to_string(i), "Failed", finished));
    }
    return status_with("good", history);
  };
  struct Row {
    const char* name;
    std::string revision;
    json status;
    std::string retry_at;
    long long now;
    Plan want;
    HoldReason reason;
    long long retry_in;
    int limit = 3;
  };
  json superseded = failed_run(2);
  superseded["history"].push_back(entry("other", "Superseded"));
  json broken_run = failed_run(2);
  broken_run["history"].push_back(entry("fixed", "Succeeded"));
  const std::vector<Row> rows = {
      {"one failure lets the next revision through at once", "new", failed_run(1), "", t, Plan::ApplyRevision,
       HoldReason::None, 0},
      {"two in a row: the next one waits the base backoff", "new", failed_run(2), "", t + 10, Plan::HoldLastGood,
       HoldReason::BackingOff, 20},
      {"two in a row: applied once the backoff is over", "new", failed_run(2), "", t + 30, Plan::ApplyRevision,
       HoldReason::None, 0},
      {"three in a row with a limit of 4: the wait doubles", "new", failed_run(3), "", t, Plan::HoldLastGood,
       HoldReason::BackingOff, 60, 4},
      {"a superseded attempt neither counts nor breaks the run", "new", superseded, "", t + 10, Plan::HoldLastGood,
       HoldReason::BackingOff, 20},
      {"a success ends the run", "new", broken_run, "", t, Plan::ApplyRevision, HoldReason::None, 0},
      {"the limit stops new revisions", "new", failed_run(3), "", t + 100000, Plan::HoldLastGood,
       HoldReason::RetriesExceeded, 0},
      {"the limit also names the failed revision's hold", "bad3", failed_run(3), "", t, Plan::HoldLastGood,
       HoldReason::RetriesExceeded, 0},
      {"below the limit a failed revision is just failed before", "bad2", failed_run(2), "", t, Plan::HoldLastGood,
       HoldReason::FailedBefore, 0},
      {"retry-at after the last failure lifts the stall", "new", failed_run(3), "2026-05-01T10:00:01Z", t,
       Plan::ApplyRevision, HoldReason::None, 0},
      {"retry-at after the last failure lifts the backoff", "new", failed_run(2), "2026-05-01T10:00:01Z", t,
       Plan::ApplyRevision, HoldReason::None, 0},
      {"retry-at before the last failure does not", "new", failed_run(3), "2026-05-01T09:59:59Z", t,
       Plan::HoldLastGood, HoldReason::RetriesExceeded, 0},
      {"a known good revision is applied even when stalled", "good", failed_run(3), "", t, Plan::ApplyRevision,
       HoldReason::None, 0},
      {"an attempt under way is resumed even when stalled", "bad3",
       [&] {
         auto s = failed_run(3);
         s["history"].push_back({{"revision", "bad3"}, {"result", "Progressing"}, {"startedAt", "2026-05-01T10:00:05Z"}});
         return s;
       }(),
       "", t, Plan::ApplyRevision, HoldReason::None, 0},
      {"stalled before any success holds without rollback", "new",
       status_with("", json::array({entry("a", "Failed"), entry("b", "Failed"), entry("c", "Failed")})), "", t,
       Plan::HoldFailed, HoldReason::RetriesExceeded, 0},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    const auto d = plan_rollout({row.revision, row.status.get<PlatformStatus>(), row.retry_at, row.now, row.limit, 30});
    CHECK(d.plan == row.want);
    CHECK(d.reason == row.reason);
    CHECK(d.retry_in_seconds == row.retry_in);
    if (row.reason == HoldReason::RetriesExceeded) {
      CHECK(d.message.find("retry-at annotation to a time after 2026-05-01T10:00:00Z") != std::string::npos);
    }
  }
}

TEST_CASE("plan_rollout: the backoff doubles up to its cap") {
  json history = json::array();
  for (int i = 0; i < 20; ++i) history.push_back(entry("bad" + std::to_string(i), "Failed"));
  const long long t = *parse_rfc3339_utc("2026-05-01T10:00:00Z");
  const auto d = plan_rollout({"new", status_with("good", history).get<PlatformStatus>(), "", t, 100, 30});
  CHECK(d.reason == HoldReason::BackingOff);
  CHECK(d.retry_in_seconds == kMaxBackoffSeconds);
  CHECK(consecutive_failures(status_with("good", history).get<PlatformStatus>()) == 20);
  CHECK(consecutive_failures(PlatformStatus{}) == 0);
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
