#include <doctest/doctest.h>

#include "po/platform/conditions.hpp"
#include "po/platform/platform_status.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
Observed observed(const std::string& revision, bool api_ready, bool api_failed = false) {
  Observed o;
  o.revision = revision;
  o.generation = 2;
  o.components["api"] = ComponentStatus{api_ready, api_failed, 2, api_ready ? 2 : 0, 2, api_ready ? "" : "waiting"};
  o.components["database"] = ComponentStatus{true, false, 1, 1, 1, ""};
  o.api_replicas = 2;
  o.selector = "app=x";
  return o;
}
}  // namespace

TEST_CASE("an attempt is recorded once, before applying") {
  PlatformStatus status;
  CHECK(begin_attempt(status, "rev1", 1, "1.0.0", 10, "t0"));
  CHECK(status.revision.lastAttempted == "rev1");
  CHECK(status.history.size() == 1);
  CHECK(status.history[0].result == RolloutResult::Progressing);
  CHECK(condition_is(status.conditions, "Reconciling", "True"));
  // Re-entering the same attempt (a requeue, or a restart mid-apply) changes nothing.
  CHECK_FALSE(begin_attempt(status, "rev1", 1, "1.0.0", 10, "t1"));
}

TEST_CASE("history is bounded by historyLimit and a new attempt supersedes an open one") {
  PlatformStatus status;
  for (int i = 0; i < 5; ++i) begin_attempt(status, "rev" + std::to_string(i), i, "v", 3, "t");
  CHECK(status.history.size() == 3);
  CHECK(status.history[0].revision == "rev2");
  CHECK(status.history[1].result == RolloutResult::Superseded);
  CHECK(status.history[2].result == RolloutResult::Progressing);
}

TEST_CASE("observe: progressing, then ready records lastGood and a Succeeded entry") {
  PlatformStatus status;
  begin_attempt(status, "rev1", 2, "1.0.0", 10, "t0");
  CHECK(observe(status, observed("rev1", false), "t1") == Outcome::Progressing);
  CHECK(condition_is(status.conditions, "Ready", "False"));
  CHECK(find_condition(status.conditions, "Ready")->reason == "Progressing");
  CHECK(status.revision.lastGood.empty());

  CHECK(observe(status, observed("rev1", true), "t2") == Outcome::Ready);
  CHECK(condition_is(status.conditions, "Ready", "True"));
  CHECK(condition_is(status.conditions, "Reconciling", "False"));
  CHECK(status.revision.lastGood == "rev1");
  CHECK(status.revision.current == "rev1");
  CHECK(status.history[0].result == RolloutResult::Succeeded);
  CHECK(status.history[0].finishedAt == "t2");
  CHECK(status.observedGeneration == 2);
  CHECK(status.components["api"].readyReplicas == 2);
  CHECK(status.replicas == 2);
}

TEST_CASE("observe: componentsReady counts ready components out of those observed (the -o wide column)") {
  PlatformStatus status;
  Observed o = observed("rev1", false);
  o.components["gateway"] = o.components.begin()->second;
  o.components["gateway"].ready = true;
  observe(status, o, "t1");
  CHECK(status.componentsReady == std::to_string(o.components.size() - 1) + "/" + std::to_string(o.components.size()));
  observe(status, observed("rev1", true), "t2");
  const auto all = std::to_string(observed("rev1", true).components.size());
  CHECK(status.componentsReady == all + "/" + all);
}

TEST_CASE("observe: a failed component marks Degraded and the history entry Failed") {
  PlatformStatus status;
  begin_attempt(status, "rev2", 3, "broken", 10, "t0");
  CHECK(observe(status, observed("rev2", false, true), "t1") == Outcome::Failed);
  CHECK(condition_is(status.conditions, "Degraded", "True"));
  CHECK(find_condition(status.conditions, "Ready")->reason == "RolloutFailed");
  CHECK(status.history[0].result == RolloutResult::Failed);
  CHECK(status.history[0].message.find("components failed to roll out") == 0);
}

TEST_CASE("observe: a failed stateful component is Degraded, not a failed revision") {
  PlatformStatus status;
  begin_attempt(status, "rev2", 3, "1.0.0", 10, "t0");
  auto o = observed("rev2", true, false);
  o.components["database"] = ComponentStatus{false, true, 1, 0, 1, "pod p-postgres-0 not ready", true};
  CHECK(observe(status, o, "t1") == Outcome::Degraded);
  CHECK(find_condition(status.conditions, "Degraded")->reason == "StatefulUpdateFailed");
  CHECK(find_condition(status.conditions, "Ready")->message ==
        "update failed: database (pod p-postgres-0 not ready)");
  CHECK(status.history[0].result == RolloutResult::Progressing);  // the revision is not blamed
  // A stateless failure beside it is still a failed revision.
  o.components["api"].ready = false;
  o.components["api"].failed = true;
  CHECK(observe(status, o, "t2") == Outcome::Failed);
  CHECK(status.history[0].result == RolloutResult::Failed);
}

TEST_CASE("stall sets Stalled and Ready=False with the reason; a later good observation clears it") {
  PlatformStatus status;
  stall(status, 4, "InvalidSpec", "spec.api.autoscaling.minReplicas: must be <= maxReplicas", "t0");
  CHECK(condition_is(status.conditions, "Stalled", "True"));
  CHECK(find_condition(status.conditions, "Ready")->message ==
        "spec.api.autoscaling.minReplicas: must be <= maxReplicas");
  observe(status, observed("rev1", true), "t1");
  CHECK(find_condition(status.conditions, "Stalled") == nullptr);
}

TEST_CASE("a rolled-out revision is not re-attempted on the next reconcile (no status flapping)") {
  PlatformStatus status;
  begin_attempt(status, "rev1", 1, "1.0.0", 10, "t0");
  observe(status, observed("rev1", true), "t1");
  const PlatformStatus settled = status;
  CHECK_FALSE(begin_attempt(status, "rev1", 1, "1.0.0", 10, "t2"));
  CHECK(status == settled);
  CHECK_FALSE(observe(status, observed("rev1", true), "t3") != Outcome::Ready);
  CHECK(status == settled);
}

TEST_CASE("a status apply leaves out empty and null fields (server-side apply would make {} null)") {
  const json ready = {{"type", "Ready"}, {"status", "False"}, {"reason", "Progressing"}, {"message", ""},
                      {"lastTransitionTime", "2026-01-01T00:00:00Z"}};
  const json read = {{"observedGeneration", 3},
                     {"endpoints", json::object()},
                     {"components", {{"api", {{"ready", false}, {"message", "x"}}}, {"cache", json::object()}}},
                     {"history", json::array()},
                     {"revision", {{"lastGood", ""}}},
                     {"selector", nullptr},
                     {"conditions", json::array({ready})}};
  const json sent = read.get<PlatformStatus>();
  CHECK(sent == json{{"observedGeneration", 3},
                     {"components", {{"api", {{"ready", false}, {"message", "x"}}}}},
                     {"conditions", json::array({ready})}});
}

TEST_CASE("a failed head attempt recovers to Succeeded, and Ready says so while the revision runs") {
  PlatformStatus status;
  begin_attempt(status, "rev1", 1, "1.0.0", 10, "t0");
  CHECK(observe(status, observed("rev1", false, true), "t1") == Outcome::Failed);
  CHECK_FALSE(recover_attempt(status, "rev2", "t2", "recovered"));  // not the head's revision
  CHECK(recover_attempt(status, "rev1", "t2", "revision rev1 recovered"));
  CHECK(status.history.back().result == RolloutResult::Succeeded);
  CHECK(status.history.back().finishedAt == "t2");
  CHECK_FALSE(recover_attempt(status, "rev1", "t3", "again"));  // only a Failed head recovers
  CHECK(observe(status, observed("rev1", true), "t3") == Outcome::Ready);
  CHECK(status.revision.lastGood == "rev1");
  const auto* ready = find_condition(status.conditions, "Ready");
  REQUIRE(ready != nullptr);
  CHECK(ready->message == "all components are ready; revision rev1 recovered");
}
