#include <doctest/doctest.h>

#include "po/platform/child_status.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
json deployment(int generation, int observed, int replicas, int updated, int ready, int available, int existing) {
  return {{"metadata", {{"generation", generation}}},
          {"spec", {{"replicas", replicas}}},
          {"status",
           {{"observedGeneration", observed}, {"replicas", existing}, {"updatedReplicas", updated},
            {"readyReplicas", ready}, {"availableReplicas", available}}}};
}
}  // namespace

TEST_CASE("deployment rollout states") {
  CHECK(deployment_status(nullptr).state == RolloutState::Missing);

  auto d = deployment(2, 1, 2, 2, 2, 2, 2);
  CHECK(deployment_status(&d).state == RolloutState::InProgress);  // generation not observed

  d = deployment(2, 2, 3, 1, 1, 1, 3);
  auto s = deployment_status(&d);
  CHECK(s.state == RolloutState::InProgress);
  CHECK(s.message == "1 of 3 pods updated");

  d = deployment(2, 2, 2, 2, 2, 2, 3);
  CHECK(deployment_status(&d).message == "1 old pods pending termination");

  d = deployment(2, 2, 2, 2, 1, 1, 2);
  CHECK(deployment_status(&d).state == RolloutState::InProgress);

  d = deployment(2, 2, 2, 2, 2, 2, 2);
  s = deployment_status(&d);
  CHECK(s.state == RolloutState::Current);
  CHECK(s.ready_replicas == 2);

  const auto deadline_exceeded = json::array(
      {{{"type", "Progressing"}, {"status", "False"}, {"reason", "ProgressDeadlineExceeded"}, {"message", "too slow"}}});
  // New pods never became available before the deadline: failed.
  d = deployment(3, 3, 2, 2, 0, 0, 3);
  d["status"]["conditions"] = deadline_exceeded;
  CHECK(deployment_status(&d).state == RolloutState::Failed);
  // A complete rollout (e.g. back to the old template after a rollback) is Current even while the
  // controller has not yet cleared the stale deadline condition.
  d = deployment(4, 4, 2, 2, 2, 2, 2);
  d["status"]["conditions"] = deadline_exceeded;
  CHECK(deployment_status(&d).state == RolloutState::Current);
}

TEST_CASE("a deployment without spec.replicas (under an HPA default) counts one desired pod") {
  json d = {{"metadata", {{"generation", 1}}}, {"spec", json::object()},
            {"status", {{"observedGeneration", 1}, {"replicas", 1}, {"updatedReplicas", 1}, {"readyReplicas", 1},
                        {"availableReplicas", 1}}}};
  CHECK(deployment_status(&d).state == RolloutState::Current);
}

TEST_CASE("statefulset rollout waits for the update revision to become current") {
  json s = {{"metadata", {{"generation", 3}}},
            {"spec", {{"replicas", 1}, {"updateStrategy", {{"type", "RollingUpdate"}}}}},
            {"status", {{"observedGeneration", 3}, {"replicas", 1}, {"readyReplicas", 1}, {"updatedReplicas", 1},
                        {"currentRevision", "db-1"}, {"updateRevision", "db-2"}}}};
  CHECK(statefulset_status(&s).state == RolloutState::InProgress);
  s["status"]["currentRevision"] = "db-2";
  CHECK(statefulset_status(&s).state == RolloutState::Current);
  s["status"]["readyReplicas"] = 0;
  CHECK(statefulset_status(&s).message == "0 of 1 pods ready");
}

TEST_CASE("combine folds workloads into one component") {
  WorkloadStatus ok{RolloutState::Current, 1, 1, 1, 1, ""};
  WorkloadStatus bad{RolloutState::Failed, 2, 0, 2, 2, "deadline"};
  auto c = combine({{"prometheus", ok}, {"grafana", bad}});
  CHECK_FALSE(c.ready);
  CHECK(c.failed);
  CHECK(c.replicas == 3);
  CHECK(c.message == "grafana: deadline");
  CHECK(combine({}).ready);
}

TEST_CASE("slim_child keeps what the reconciler reads and drops the rest") {
  json d = deployment(3, 3, 2, 2, 2, 2, 2);
  d["apiVersion"] = "apps/v1";
  d["kind"] = "Deployment";
  d["metadata"].update({{"name", "p-api"}, {"namespace", "ns"}, {"uid", "u1"}, {"resourceVersion", "42"},
                        {"labels", {{"app.kubernetes.io/instance", "p"}}},
                        {"ownerReferences", json::array({{{"kind", "Platform"}, {"name", "p"}, {"controller", true}}})},
                        {"annotations", {{"deployment.kubernetes.io/revision", "3"}}},
                        {"creationTimestamp", "2026-01-01T00:00:00Z"}});
  d["spec"]["template"] = {{"spec", {{"containers", json::array({{{"name", "api"}, {"image", "x:1"}}})}}}};
  d["spec"]["strategy"] = {{"type", "RollingUpdate"}};
  const auto before = deployment_status(&d);
  json slim = d;
  slim_child(slim);
  CHECK(slim["metadata"].size() == 7);
  CHECK_FALSE(slim["metadata"].contains("annotations"));
  CHECK_FALSE(slim["metadata"].contains("creationTimestamp"));
  CHECK(slim["metadata"]["resourceVersion"] == "42");
  CHECK(slim["metadata"]["ownerReferences"][0]["name"] == "p");
  CHECK(slim["spec"] == json{{"replicas", 2}});
  CHECK(slim["status"] == d["status"]);
  const auto after = deployment_status(&slim);
  CHECK(after.state == before.state);
  CHECK(after.ready_replicas == before.ready_replicas);

  json secret = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"type", "Opaque"},
                 {"metadata", {{"name", "p-db"}, {"namespace", "ns"}, {"uid", "u2"}, {"creationTimestamp", "2026-01-01T00:00:00Z"},
                               {"annotations", {{"platform.a11y.dev/credentials-phase", "Staged"}}}}},
                 {"data", {{"password", "c2VjcmV0"}}}, {"stringData", {{"password", "secret"}}}};
  slim_child(secret);
  CHECK_FALSE(secret.contains("data"));
  CHECK_FALSE(secret.contains("stringData"));
  CHECK_FALSE(secret.contains("spec"));
  CHECK(secret["metadata"]["name"] == "p-db");
  // A rotation's state, and when the Secret was created (the first scheduled rotation counts from it).
  CHECK(secret["metadata"]["annotations"]["platform.a11y.dev/credentials-phase"] == "Staged");
  CHECK(secret["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z");

  json sts = {{"kind", "StatefulSet"},
              {"spec",
               {{"replicas", 1},
                {"updateStrategy", {{"type", "OnDelete"}}},
                {"template",
                 {{"spec", {{"containers", json::array({{{"name", "postgres"}, {"image", "postgres:16"}, {"args", {"-c"}}}})}}}}},
                {"volumeClaimTemplates", json::array({{{"metadata", {{"name", "data"}, {"labels", {{"a", "b"}}}}},
                                                       {"spec", {{"accessModes", json::array({"ReadWriteOnce"})},
                                                                 {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}})}}}};
  slim_child(sts);
  // The claim templates keep their names and sizes only (growing volumes compares them with the spec).
  CHECK(sts["spec"] == json{{"replicas", 1},
                            {"updateStrategy", {{"type", "OnDelete"}}},
                            {"template", {{"spec", {{"containers", json::array({{{"name", "postgres"}, {"image", "postgres:16"}}})}}}}},
                            {"volumeClaimTemplates", json::array({{{"metadata", {{"name", "data"}}},
                                                                   {"spec", {{"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}})}});
}

TEST_CASE("a cached workload older than our own apply is never Current (issue 13 #1)") {
  // The informer still holds generation 2, fully rolled out; our apply returned generation 3.
  const auto cached = deployment(2, 2, 2, 2, 2, 2, 2);
  CHECK(deployment_status(&cached).state == RolloutState::Current);
  const auto s = deployment_status(&cached, 3);
  CHECK(s.state == RolloutState::InProgress);
  CHECK(s.message == "waiting for the cache to show generation 3");
  CHECK(deployment_status(&cached, 2).state == RolloutState::Current);
  const json sts = {{"metadata", {{"generation", 4}}},
                    {"spec", {{"replicas", 1}}},
                    {"status", {{"observedGeneration", 4}, {"replicas", 1}, {"readyReplicas", 1}, {"updatedReplicas", 1},
                                {"currentRevision", "a"}, {"updateRevision", "a"}}}};
  CHECK(statefulset_status(&sts).state == RolloutState::Current);
  CHECK(statefulset_status(&sts, 5).state == RolloutState::InProgress);
}
