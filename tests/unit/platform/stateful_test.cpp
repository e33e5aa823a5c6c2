#include <doctest/doctest.h>

#include "po/platform/rollback.hpp"
#include "po/platform/stateful.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
json postgres_sts(const std::string& image) {
  return {{"kind", "StatefulSet"},
          {"spec", {{"template", {{"spec", {{"containers", json::array({{{"name", "exporter"}, {"image", "exp:0.15"}},
                                                                        {{"name", "postgres"}, {"image", image}}})}}}}}}}};
}
json sts(const std::string& current, const std::string& update, const std::string& strategy = "RollingUpdate") {
  return {{"spec", {{"updateStrategy", {{"type", strategy}}}}},
          {"status", {{"currentRevision", current}, {"updateRevision", update}}}};
}
json pod(const std::string& name, const std::string& revision, bool ready, const std::string& created) {
  return {{"metadata",
           {{"name", name}, {"uid", name + "-uid"}, {"creationTimestamp", created},
            {"labels", {{"controller-revision-hash", revision}}}}},
          {"status", {{"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
}
}  // namespace

TEST_CASE("postgres_major parses majors and major.minor") {
  CHECK(postgres_major("16") == 16);
  CHECK(postgres_major("16.4") == 16);
  CHECK_FALSE(postgres_major(""));
  CHECK_FALSE(postgres_major("16."));
  CHECK_FALSE(postgres_major("16-alpine"));
  CHECK_FALSE(postgres_major("latest"));
  CHECK_FALSE(postgres_major("0"));
}

TEST_CASE("a PostgreSQL major-version downgrade is refused; same, minor and upgrades are not") {
  const auto live = postgres_sts("docker.io/library/postgres:16.4");
  CHECK(running_postgres_major(&live) == 16);
  const auto refused = refuse_postgres_downgrade(running_postgres_major(&live), "15");
  REQUIRE(refused);
  CHECK(refused->find("spec.database.managed.version: PostgreSQL 16 runs on this data") == 0);
  CHECK_FALSE(refuse_postgres_downgrade(16, "16"));
  CHECK_FALSE(refuse_postgres_downgrade(16, "16.1"));  // minor versions go both ways
  CHECK_FALSE(refuse_postgres_downgrade(16, "17"));
  CHECK_FALSE(refuse_postgres_downgrade(std::nullopt, "15"));  // nothing known yet
  CHECK_FALSE(running_postgres_major(nullptr));
  const auto registry_port = postgres_sts("registry.local:5000/postgres");
  CHECK_FALSE(running_postgres_major(&registry_port));  // no tag: nothing known

  const json claim = {{"metadata", {{"labels", {{std::string(kPostgresMajorLabel), "16"}}}}}};
  CHECK(recorded_postgres_major(claim) == 16);
  CHECK_FALSE(recorded_postgres_major(json{{"metadata", {{"labels", {{std::string(kPostgresMajorLabel), "16.2"}}}}}}));
  CHECK_FALSE(recorded_postgres_major(json{{"metadata", json::object()}}));
}

TEST_CASE("judge_stateful_pods: abandoned never-ready pods are deleted, a stuck update is reported") {
  const long long now = *parse_rfc3339_utc("2026-05-01T10:10:00Z");
  const auto old_pod = "2026-05-01T10:00:00Z";    // 600 s ago
  const auto new_pod = "2026-05-01T10:09:50Z";    // 10 s ago

  SUBCASE("after a revert: the pod of the bad template is abandoned") {
    const auto v = judge_stateful_pods(sts("good", "good"), {pod("db-0", "bad", false, old_pod)}, now, 300);
    REQUIRE(v.abandoned.size() == 1);
    CHECK(v.abandoned[0].name == "db-0");
    CHECK(v.abandoned[0].uid == "db-0-uid");
    CHECK(v.abandoned[0].revision == "bad");
    CHECK_FALSE(v.failed);
  }
  SUBCASE("a ready pod of an old revision is left to the StatefulSet controller") {
    const auto v = judge_stateful_pods(sts("good", "good"), {pod("db-0", "bad", true, old_pod)}, now, 300);
    CHECK(v.abandoned.empty());
  }
  SUBCASE("an update pod not ready past the deadline fails the component") {
    const auto v = judge_stateful_pods(sts("good", "new"), {pod("db-0", "new", false, old_pod)}, now, 300);
    CHECK(v.abandoned.empty());
    CHECK(v.failed);
    CHECK(v.message.find("db-0") != std::string::npos);
  }
  SUBCASE("an update pod within the deadline is still progressing") {
    const auto v = judge_stateful_pods(sts("good", "new"), {pod("db-0", "new", false, new_pod)}, now, 300);
    CHECK_FALSE(v.failed);
    CHECK(v.abandoned.empty());
  }
  SUBCASE("a pod of the current revision restarting during an update is not touched") {
    const auto v = judge_stateful_pods(sts("good", "new"), {pod("db-1", "good", false, old_pod)}, now, 300);
    CHECK_FALSE(v.failed);
    CHECK(v.abandoned.empty());
  }
  SUBCASE("a slow first start (current == update) is not a failed update") {
    const auto v = judge_stateful_pods(sts("r1", "r1"), {pod("db-0", "r1", false, old_pod)}, now, 300);
    CHECK_FALSE(v.failed);
  }
  SUBCASE("OnDelete StatefulSets are left alone") {
    const auto v = judge_stateful_pods(sts("good", "good", "OnDelete"), {pod("db-0", "bad", false, old_pod)}, now, 300);
    CHECK(v.abandoned.empty());
  }
  SUBCASE("a pod already being deleted is skipped") {
    auto p = pod("db-0", "bad", false, old_pod);
    p["metadata"]["deletionTimestamp"] = "2026-05-01T10:09:59Z";
    CHECK(judge_stateful_pods(sts("good", "good"), {p}, now, 300).abandoned.empty());
  }
  SUBCASE("no revisions in status yet: nothing is decided") {
    CHECK(judge_stateful_pods(json::object(), {pod("db-0", "bad", false, old_pod)}, now, 300).abandoned.empty());
  }
}

TEST_CASE("a stuck stateful update is described the same way however long it has been stuck (issue 13 #9)") {
  // The message goes into the Degraded condition: if it changed with the clock, the status would be
  // rewritten on every look (every 30 s) while nothing changed.
  const auto stuck = [](const char* now) {
    return judge_stateful_pods(sts("good", "new"), {pod("db-0", "new", false, "2026-05-01T10:00:00Z")},
                               *parse_rfc3339_utc(now), 300);
  };
  const auto first = stuck("2026-05-01T10:10:00Z");
  const auto later = stuck("2026-05-01T10:10:30Z");
  REQUIRE(first.failed);
  REQUIRE(later.failed);
  CHECK(first.message == later.message);
  CHECK(first.message.find("2026-05-01T10:00:00Z") != std::string::npos);  // when the pod was created
}
