#include <doctest/doctest.h>

#include "po/platform/pod_diagnosis.hpp"

using namespace po::platform;
using nlohmann::json;

namespace {
json pod(const std::string& name, json status, json labels = {{"app.kubernetes.io/instance", "p"}, {"app.kubernetes.io/component", "api"}}) {
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"labels", labels}}}, {"status", status}};
}
json not_ready() { return json::array({{{"type", "Ready"}, {"status", "False"}}, {{"type", "PodScheduled"}, {"status", "True"}}}); }
std::optional<PodProblem> diagnose(const std::vector<json>& pods) {
  std::vector<const json*> ptrs;
  for (const auto& p : pods) ptrs.push_back(&p);
  return diagnose_pods(ptrs);
}
}  // namespace

TEST_CASE("pod diagnosis: a crash loop names the container and its last exit") {
  const auto p = pod("p-api-1", {{"phase", "Running"}, {"conditions", not_ready()},
                                 {"containerStatuses", json::array({{{"name", "api"}, {"ready", false}, {"restartCount", 4},
                                                                     {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off 40s restarting failed container"}}}}},
                                                                     {"lastState", {{"terminated", {{"reason", "Error"}, {"exitCode", 3}}}}}}})}});
  const auto problem = diagnose({p});
  REQUIRE(problem);
  CHECK(problem->reason == "CrashLoopBackOff");
  CHECK(problem->pod == "p-api-1");
  CHECK(problem->message == "pod p-api-1: container api CrashLoopBackOff (last exit: Error, code 3)");
}

TEST_CASE("pod diagnosis: a crash loop between two back-offs is still a crash, not a readiness probe") {
  // Just restarted (running, not ready) or just exited: the kubelet shows CrashLoopBackOff only while it
  // waits, and a rollout that fails at that moment must still say what happened.
  const auto running = pod("p-api-1", {{"phase", "Running"}, {"conditions", not_ready()},
                                       {"containerStatuses", json::array({{{"name", "api"}, {"ready", false}, {"restartCount", 2},
                                                                           {"state", {{"running", json::object()}}},
                                                                           {"lastState", {{"terminated", {{"reason", "Error"}, {"exitCode", 2}}}}}}})}});
  auto problem = diagnose({running});
  REQUIRE(problem);
  CHECK(problem->reason == "Error");
  CHECK(problem->message == "pod p-api-1: container api running again after it exited: Error, code 2 (restarted 2 times)");

  const auto exited = pod("p-api-1", {{"phase", "Running"}, {"conditions", not_ready()},
                                      {"containerStatuses", json::array({{{"name", "api"}, {"ready", false}, {"restartCount", 1},
                                                                          {"state", {{"terminated", {{"reason", "Error"}, {"exitCode", 2}}}}}}})}});
  problem = diagnose({exited});
  REQUIRE(problem);
  CHECK(problem->message == "pod p-api-1: container api exited: Error, code 2 (restarted 1 time)");

  // A clean earlier exit (a restart after success) is no crash: that is the readiness probe again.
  json clean = running;
  clean["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] = 0;
  problem = diagnose({clean});
  REQUIRE(problem);
  CHECK(problem->reason == "NotReady");
}

TEST_CASE("pod diagnosis: a missing image beats a pod that is only starting, and carries the kubelet's message") {
  const auto starting = pod("a-starting", {{"phase", "Pending"}, {"conditions", not_ready()},
                                           {"containerStatuses", json::array({{{"name", "api"}, {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}})}});
  const auto missing = pod("b-missing", {{"phase", "Pending"}, {"conditions", not_ready()},
                                         {"containerStatuses", json::array({{{"name", "api"}, {"state", {{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "Back-off pulling image \"x/y:1\"\nmore"}}}}}}})}});
  const auto problem = diagnose({starting, missing});
  REQUIRE(problem);
  CHECK(problem->reason == "ImagePullBackOff");
  CHECK(problem->message == "pod b-missing: container api ImagePullBackOff: Back-off pulling image \"x/y:1\"");
}

TEST_CASE("pod diagnosis: the scheduler's reason for an unschedulable pod") {
  const auto p = pod("p-db-0", {{"phase", "Pending"},
                                {"conditions", json::array({{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                                                             {"message", "0/4 nodes are available: 1 Insufficient cpu."}}})}});
  const auto problem = diagnose({p});
  REQUIRE(problem);
  CHECK(problem->reason == "Unschedulable");
  CHECK(problem->message == "pod p-db-0: Unschedulable: 0/4 nodes are available: 1 Insufficient cpu.");
}

TEST_CASE("pod diagnosis: running but not ready means the readiness probe; ready and deleting pods are no problem") {
  const auto probing = pod("p-api-2", {{"phase", "Running"}, {"conditions", not_ready()},
                                       {"containerStatuses", json::array({{{"name", "api"}, {"ready", false}, {"state", {{"running", json::object()}}}}})}});
  auto problem = diagnose({probing});
  REQUIRE(problem);
  CHECK(problem->reason == "NotReady");
  CHECK(problem->message.find("readiness probe") != std::string::npos);

  const auto ready = pod("p-api-3", {{"phase", "Running"}, {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}});
  json deleting = probing;
  deleting["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z";
  CHECK_FALSE(diagnose({ready, deleting}));
  CHECK_FALSE(diagnose({}));
}

TEST_CASE("pod diagnosis: pods_matching selects by every selector label") {
  std::vector<json> pods = {pod("a", json::object(), {{"app.kubernetes.io/instance", "p"}, {"app.kubernetes.io/component", "api"}}),
                            pod("b", json::object(), {{"app.kubernetes.io/instance", "p"}, {"app.kubernetes.io/component", "cache"}}),
                            pod("c", json::object(), {{"app.kubernetes.io/instance", "q"}, {"app.kubernetes.io/component", "api"}})};
  const auto matched = pods_matching(pods, {{"app.kubernetes.io/instance", "p"}, {"app.kubernetes.io/component", "api"}});
  REQUIRE(matched.size() == 1);
  CHECK((*matched[0])["metadata"]["name"] == "a");
  CHECK(pods_matching(pods, json::object()).empty());
}

TEST_CASE("pod diagnosis: slim_pod keeps what the diagnosis reads and drops times, images and specs") {
  json p = {{"apiVersion", "v1"}, {"kind", "Pod"},
            {"metadata", {{"name", "x"}, {"namespace", "n"}, {"labels", {{"a", "b"}}}, {"annotations", {{"big", "data"}}}, {"managedFields", json::array()}}},
            {"spec", {{"nodeName", "po-node"}, {"containers", json::array({{{"name", "api"}, {"image", "i"}}})}}},
            {"status", {{"phase", "Running"}, {"podIP", "10.88.0.5"},
                        {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}, {"lastTransitionTime", "t"}}})},
                        {"containerStatuses", json::array({{{"name", "api"}, {"ready", false}, {"image", "i"}, {"imageID", "sha"},
                                                            {"state", {{"running", {{"startedAt", "t"}}}}}}})}}}};
  slim_pod(p);
  CHECK_FALSE(p["metadata"].contains("annotations"));
  CHECK_FALSE(p["metadata"].contains("managedFields"));
  CHECK(p["spec"] == json{{"nodeName", "po-node"}});
  CHECK_FALSE(p["status"].contains("podIP"));
  CHECK_FALSE(p["status"]["conditions"][0].contains("lastTransitionTime"));
  CHECK_FALSE(p["status"]["containerStatuses"][0].contains("imageID"));
  CHECK(p["status"]["containerStatuses"][0]["state"]["running"] == json::object());
  const auto problem = diagnose({p});
  REQUIRE(problem);
  CHECK(problem->reason == "NotReady");
}
