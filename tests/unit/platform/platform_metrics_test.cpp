// The operator's per-Platform metrics: state from status, counts from the reconciler's events.
#include <doctest/doctest.h>

#include "po/platform/platform_metrics.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
struct RecordingSink final : po::runtime::EventSink {
  int records = 0;
  void record(const json&, const std::string&, const std::string&, const std::string&, const std::string&) override { ++records; }
};
bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

const json kPlatform = json::parse(R"({
  "kind": "Platform",
  "metadata": {"namespace": "a11y", "name": "web", "generation": 7},
  "spec": {"version": "1.2.0"},
  "status": {
    "observedGeneration": 6,
    "revision": {"current": "0123456789abcdef0123", "lastGood": "fedcba9876543210fedc"},
    "lastRollbackTime": "2026-01-02T03:04:05Z",
    "conditions": [
      {"type": "Ready", "status": "False", "reason": "Progressing"},
      {"type": "Stalled", "status": "True", "reason": "InvalidSpec"},
      {"type": "SomethingElse", "status": "True"}
    ],
    "components": {"api": {"ready": true}, "gateway": {"ready": false}, "database": {"ready": true}}
  }
})");
}  // namespace

TEST_CASE("platform metrics: conditions, generations, revision, components and the last rollback from status") {
  const std::string text = platform_state_metrics({kPlatform});
  const std::string id = R"(namespace="a11y",name="web")";
  CHECK(has_line(text, "platform_condition{" + id + R"(,type="Ready",status="True"} 0)"));
  CHECK(has_line(text, "platform_condition{" + id + R"(,type="Ready",status="False"} 1)"));
  CHECK(has_line(text, "platform_condition{" + id + R"(,type="Stalled",status="True"} 1)"));
  CHECK(text.find("SomethingElse") == std::string::npos);  // condition types are a fixed list
  CHECK(has_line(text, "platform_generation{" + id + "} 7"));
  CHECK(has_line(text, "platform_observed_generation{" + id + "} 6"));
  CHECK(has_line(text, "platform_info{" + id + R"(,version="1.2.0",revision="0123456789ab",last_good_revision="fedcba987654"} 1)"));
  CHECK(has_line(text, "platform_components{" + id + "} 3"));
  CHECK(has_line(text, "platform_components_ready{" + id + "} 2"));
  CHECK(has_line(text, "platform_last_rollback_timestamp_seconds{" + id + "} 1767323045"));
  CHECK(text.find("# TYPE platform_condition gauge\n") != std::string::npos);
}

TEST_CASE("platform metrics: a Platform without status yet, and none at all") {
  const json fresh = {{"metadata", {{"namespace", "n"}, {"name", "p"}, {"generation", 1}}}, {"spec", {{"version", "1"}}}};
  const std::string text = platform_state_metrics({fresh});
  CHECK(has_line(text, R"(platform_observed_generation{namespace="n",name="p"} 0)"));
  CHECK(text.find("platform_condition") == std::string::npos);
  CHECK(text.find("platform_last_rollback") == std::string::npos);
  CHECK(platform_state_metrics({}).empty());
}

TEST_CASE("platform metrics: rollbacks and reconcile errors by a bounded reason, events passed on") {
  po::metrics::Registry registry;
  RecordingSink next;
  MetricsEventSink sink(next, registry);
  sink.record(kPlatform, "Warning", "RolledBack", "Rollback", "rolled back");
  sink.record(kPlatform, "Warning", "ApplyRejected", "Apply", "403");
  sink.record(kPlatform, "Warning", "ApplyRejected", "Apply", "403 again");
  sink.record(kPlatform, "Warning", "SomethingNew", "Apply", "x");
  sink.record(kPlatform, "Warning", "RevisionHeld", "Apply", "held");  // not an error
  sink.record(kPlatform, "Normal", "RolloutStarted", "Apply", "go");
  CHECK(next.records == 6);
  const std::string text = registry.render();
  const std::string id = R"(namespace="a11y",name="web")";
  CHECK(has_line(text, "platform_rollbacks_total{" + id + "} 1"));
  CHECK(has_line(text, "platform_reconcile_errors_total{" + id + R"(,reason="ApplyRejected"} 2)"));
  CHECK(has_line(text, "platform_reconcile_errors_total{" + id + R"(,reason="Other"} 1)"));
  CHECK(text.find("RevisionHeld") == std::string::npos);
  CHECK(text.find("RolloutStarted") == std::string::npos);
  CHECK(error_reason_label("InvalidSpec") == "InvalidSpec");
  CHECK(error_reason_label("RolledBack").empty());
}
