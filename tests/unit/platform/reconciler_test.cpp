// The reconciler driven against a fake cluster (tests/unit/support/fake_cluster.hpp): what a Platform
// becomes, its status and conditions, rollback, and the defects of issue 13 that the fake can show.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "../support/fake_cluster.hpp"
#include "crd_schema.hpp"
#include "po/platform/child_status.hpp"
#include "po/platform/conditions.hpp"
#include "po/platform/pod_diagnosis.hpp"
#include "po/platform/reconciler.hpp"
#include "po/platform/status_types.hpp"
#include "po/platform/yaml.hpp"

namespace {

using nlohmann::json;
using po::platform::kPlatforms;
using po::platform::PlatformReconciler;
using po::platform::PlatformStatus;
using po::platform::RolloutResult;
using po::platform::ReconcilerOptions;
using po::runtime::ReconcileResult;
using po::runtime::testing::FakeCluster;

constexpr const char* kKey = "default/p";

json platform_yaml(const std::string& spec_yaml) {
  auto docs = po::platform::yaml_documents("apiVersion: platform.a11y.dev/v1alpha1\nkind: Platform\n"
                                           "metadata:\n  name: p\n  namespace: default\nspec:\n" +
                                           spec_yaml);
  return docs.front();
}

const std::string kMinimalSpec = "  version: \"1.0.0\"\n";

struct Harness {
  FakeCluster cluster;
  std::unique_ptr<PlatformReconciler> reconciler;

  explicit Harness(const std::string& spec_yaml = kMinimalSpec, ReconcilerOptions options = {}) {
    cluster.watch(kPlatforms);
    cluster.validate_status("platforms", po::platform::testing::platform_status_schema());
    for (const auto& kind : po::platform::watched_child_kinds()) cluster.watch(kind.gvr, po::platform::slim_child);
    reconciler = std::make_unique<PlatformReconciler>(cluster, cluster, cluster, cluster, std::move(options));
    cluster.put(kPlatforms, platform_yaml(spec_yaml));
  }
  ReconcileResult reconcile() { return reconciler->reconcile(kKey, {}); }
  json platform() { return *cluster.live("platforms", kKey); }
  PlatformStatus status() { return platform().value("status", json::object()).get<PlatformStatus>(); }
  bool condition(const std::string& type, const std::string& value) {
    return po::platform::condition_is(status().conditions, type, value);
  }
  // The condition of `type`, or an empty one.
  po::platform::Condition condition_of(const std::string& type) {
    const auto st = status();
    const auto* c = po::platform::find_condition(st.conditions, type);
    return c == nullptr ? po::platform::Condition{} : *c;
  }
  std::string reason(const std::string& type) { return condition_of(type).reason; }
  std::string message(const std::string& type) { return condition_of(type).message; }
  std::string revision(const std::string& which) {
    const auto st = status();
    return which == "current" ? st.revision.current : which == "lastGood" ? st.revision.lastGood : st.revision.lastAttempted;
  }
  // The result of the newest rollout attempt.
  std::optional<RolloutResult> last_result() {
    const auto st = status();
    return st.history.empty() ? std::nullopt : st.history.back().result;
  }
  // Reconciles, letting the workload controllers finish each time, until Ready (or gives up).
  void converge() {
    for (int i = 0; i < 6; ++i) {
      reconcile();
      cluster.roll_out_all();
      reconcile();
      if (condition("Ready", "True")) break;
    }
    REQUIRE(condition("Ready", "True"));
  }
  // Changes the spec as `kubectl edit` would (generation + 1).
  void edit(const std::function<void(json&)>& change) {
    json p = platform();
    change(p["spec"]);
    cluster.put(kPlatforms, p);
  }
  // The data claim the StatefulSet controller would make from volumeClaimTemplates; `deleting`: already going
  // (pvc-protection keeps it until its pod is gone).
  void put_data_claim(bool deleting) {
    json metadata = {{"name", "data-p-postgres-0"},
                     {"namespace", "default"},
                     {"labels", {{"app.kubernetes.io/instance", "p"}, {"app.kubernetes.io/managed-by", "platform-operator"}}}};
    if (deleting) metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    cluster.put(*po::platform::resource_for("v1", "PersistentVolumeClaim"),
                json{{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", metadata}});
  }
  // A first revision whose api missed its progress deadline: RolloutFailed, nothing good to go back to,
  // then held. Returns the result of the reconcile that holds it.
  ReconcileResult fail_first_revision() {
    reconcile();
    for (const char* sts : {"default/p-postgres", "default/p-redis"}) cluster.roll_out("statefulsets", sts);
    cluster.fail_rollout("default/p-api");
    reconcile();
    REQUIRE(reason("Ready") == "RolloutFailed");
    REQUIRE(revision("lastGood").empty());
    const auto held = reconcile();
    REQUIRE(reason("Ready") == "RolloutFailed");
    REQUIRE(reason("RolledBack") == "HoldingFailed");
    return held;
  }
  json deployment(const std::string& name) { return *cluster.live("deployments", "default/" + name); }
  std::string api_image() { return deployment("p-api")["spec"]["template"]["spec"]["containers"][0].value("image", ""); }
};

}  // namespace

TEST_CASE("a Platform becomes its children, a finalizer and generated Secrets, then Ready") {
  Harness h;
  const auto first = h.reconcile();
  CHECK(first.kind == ReconcileResult::Kind::RequeueAfter);  // progressing: poll
  const auto platform = h.platform();
  CHECK(platform["metadata"]["finalizers"] == json::array({"platform.a11y.dev/finalizer"}));
  for (const char* secret : {"default/p-postgres", "default/p-redis", "default/p-jwt"}) {
    INFO(secret);
    REQUIRE(h.cluster.live("secrets", secret) != nullptr);
  }
  CHECK(h.cluster.live("deployments", "default/p-api") != nullptr);
  CHECK(h.cluster.live("statefulsets", "default/p-postgres") != nullptr);
  CHECK(h.condition("Reconciling", "True"));
  CHECK(h.condition("Ready", "False"));
  CHECK(h.revision("lastAttempted") == h.revision("current"));
  CHECK(h.revision("lastGood").empty());
  CHECK(h.last_result() == RolloutResult::Progressing);
  CHECK(h.cluster.has_event("RolloutStarted"));

  h.cluster.roll_out_all();
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(h.condition("Ready", "True"));
  CHECK(h.condition("Reconciling", "False"));
  CHECK(h.revision("lastGood") == h.revision("current"));
  CHECK(h.last_result() == RolloutResult::Succeeded);
  CHECK(h.status().observedGeneration == h.platform()["metadata"].value("generation", std::int64_t{0}));
  CHECK(h.cluster.has_event("RolloutComplete"));
  // The good revision is kept as a ControllerRevision for rollbacks.
  CHECK(h.cluster.all("controllerrevisions").size() == 1);
}

TEST_CASE("a rollback says which pod reason failed the rollout (issue 12 #5)") {
  Harness h;
  const po::kube::GroupVersionResource pods{"", "v1", "pods", true};
  h.cluster.watch(pods, po::platform::slim_pod);
  h.converge();
  const auto good = h.revision("lastGood");
  h.edit([](json& spec) { spec["api"]["env"] = json::array({{{"name", "LOG_FORMAT"}, {"value", "bogus"}}}); });
  h.reconcile();
  // The new pod of the api crash-loops; the Deployment controller gives up at the progress deadline.
  json labels = h.deployment("p-api")["spec"]["selector"]["matchLabels"];
  h.cluster.put(pods, {{"apiVersion", "v1"},
                       {"kind", "Pod"},
                       {"metadata", {{"name", "p-api-new-1"}, {"namespace", "default"}, {"labels", labels}}},
                       {"status", {{"phase", "Running"},
                                   {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
                                   {"containerStatuses", json::array({{{"name", "api"}, {"ready", false}, {"restartCount", 3},
                                                                       {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                                                                       {"lastState", {{"terminated", {{"reason", "Error"}, {"exitCode", 2}}}}}}})}}}});
  h.cluster.fail_rollout("default/p-api");
  h.reconcile();
  REQUIRE(h.reason("RolledBack") == "RollbackSucceeded");
  CHECK(h.revision("current") == good);
  const auto message = h.message("RolledBack");
  INFO(message);
  CHECK(message.find("failed to roll out: api (p-api: rollout exceeded its progress deadline") != std::string::npos);
  CHECK(message.find("pod p-api-new-1: container api CrashLoopBackOff (last exit: Error, code 2)") != std::string::npos);
  CHECK(message.find("rolled back to " + good.substr(0, 12)) != std::string::npos);
  REQUIRE(!h.status().history.empty());
  CHECK(h.status().history.back().message.find("CrashLoopBackOff") != std::string::npos);
  const auto event = std::find_if(h.cluster.events.begin(), h.cluster.events.end(),
                                  [](const auto& e) { return e.reason == "RolledBack"; });
  REQUIRE(event != h.cluster.events.end());
  CHECK(event->note.find("CrashLoopBackOff (last exit: Error, code 2)") != std::string::npos);
}

namespace {
const po::kube::GroupVersionResource kStorageClasses{"storage.k8s.io", "v1", "storageclasses", false};
// A StorageClass and the claim the PostgreSQL StatefulSet's pod made from its template.
void put_claim_and_class(Harness& h, bool allows_expansion) {
  h.cluster.put(kStorageClasses, {{"apiVersion", "storage.k8s.io/v1"}, {"kind", "StorageClass"},
                                  {"metadata", {{"name", "local"}}}, {"allowVolumeExpansion", allows_expansion}});
  const json sts = *h.cluster.live("statefulsets", "default/p-postgres");
  const json& t = sts["spec"]["volumeClaimTemplates"][0];
  json claim = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"},
                {"metadata", {{"name", "data-p-postgres-0"}, {"namespace", "default"}, {"labels", t["metadata"]["labels"]}}},
                {"spec", t["spec"]}};
  claim["spec"]["storageClassName"] = "local";
  h.cluster.put(*po::platform::resource_for("v1", "PersistentVolumeClaim"), claim);
}
std::string template_size(Harness& h) {
  const auto* sts = h.cluster.live("statefulsets", "default/p-postgres");
  return sts == nullptr ? std::string("(none)") : (*sts)["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"].value("storage", "");
}
std::string claim_size(Harness& h) {
  return (*h.cluster.live("persistentvolumeclaims", "default/data-p-postgres-0"))["spec"]["resources"]["requests"].value("storage", "");
}
}  // namespace

TEST_CASE("growing the database's storage size grows its claim and re-creates the StatefulSet (issue 12 #6)") {
  Harness h;
  h.converge();
  put_claim_and_class(h, true);
  const auto uid = (*h.cluster.live("statefulsets", "default/p-postgres"))["metadata"].value("uid", "");
  const auto before = template_size(h);
  h.edit([](json& spec) { spec["database"]["managed"]["storage"]["size"] = "50Gi"; });
  h.reconcile();
  CHECK(claim_size(h) == "50Gi");
  // Deleted with its pods orphaned: a StatefulSet's claim templates cannot change in place.
  CHECK(h.cluster.live("statefulsets", "default/p-postgres") == nullptr);
  const auto deleted = std::find_if(h.cluster.calls.begin(), h.cluster.calls.end(), [](const auto& c) {
    return c.verb == "delete" && c.resource == "statefulsets";
  });
  CHECK(deleted != h.cluster.calls.end());
  CHECK(h.cluster.has_event("VolumesExpanding"));
  h.reconcile();
  REQUIRE(h.cluster.live("statefulsets", "default/p-postgres") != nullptr);
  CHECK(template_size(h) == "50Gi");
  CHECK(template_size(h) != before);
  CHECK((*h.cluster.live("statefulsets", "default/p-postgres"))["metadata"].value("uid", "") != uid);
  h.converge();
  CHECK_FALSE(h.condition("VolumeExpansionRefused", "True"));
}

TEST_CASE("a claim whose StorageClass does not allow expansion is left as it is, and the Platform says why") {
  Harness h;
  h.converge();
  put_claim_and_class(h, false);
  const auto before = template_size(h);
  const auto claim_before = claim_size(h);
  h.edit([](json& spec) { spec["database"]["managed"]["storage"]["size"] = "50Gi"; });
  h.reconcile();
  CHECK(claim_size(h) == claim_before);
  CHECK(template_size(h) == before);  // applied with the size it has; the rest of the spec goes through
  REQUIRE(h.condition("VolumeExpansionRefused", "True"));
  CHECK(h.reason("VolumeExpansionRefused") == "CannotResize");
  CHECK(h.message("VolumeExpansionRefused") ==
        "StatefulSet p-postgres: claim data-p-postgres-0 cannot grow from " + claim_before +
            " to 50Gi: its StorageClass local does not allow volume expansion (allowVolumeExpansion is not true)");
  const auto events = std::count_if(h.cluster.events.begin(), h.cluster.events.end(),
                                    [](const auto& e) { return e.reason == "VolumeExpansionRefused"; });
  CHECK(events == 1);
  h.cluster.roll_out_all();
  h.reconcile();
  h.reconcile();
  CHECK(std::count_if(h.cluster.events.begin(), h.cluster.events.end(),
                      [](const auto& e) { return e.reason == "VolumeExpansionRefused"; }) == 1);
  CHECK(h.condition("VolumeExpansionRefused", "True"));
  // Back to the size it has: the condition goes.
  h.edit([&](json& spec) { spec["database"]["managed"]["storage"]["size"] = before; });
  h.converge();
  CHECK(h.reason("VolumeExpansionRefused").empty());
}

TEST_CASE("an idle Platform costs no writes") {
  Harness h;
  h.converge();
  const auto writes = h.cluster.count("apply") + h.cluster.count("create") + h.cluster.count("patch") +
                      h.cluster.count("delete");
  for (int i = 0; i < 3; ++i) CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(h.cluster.count("apply") + h.cluster.count("create") + h.cluster.count("patch") + h.cluster.count("delete") ==
        writes);
}

TEST_CASE("a failed rollout of the api rolls back to the last good revision") {
  Harness h;
  h.converge();
  const auto good = h.revision("lastGood");
  const auto good_image = h.api_image();
  h.edit([](json& spec) { spec["api"]["image"] = "registry.example/api:broken"; });
  h.reconcile();
  const auto bad = h.revision("lastAttempted");
  CHECK(bad != good);
  CHECK(h.api_image() == "registry.example/api:broken");
  h.cluster.fail_rollout("default/p-api");
  h.reconcile();
  CHECK(h.api_image() == good_image);
  CHECK(h.condition("RolledBack", "True"));
  CHECK(h.reason("RolledBack") == "RollbackSucceeded");
  CHECK(h.revision("current") == good);
  CHECK(h.revision("lastGood") == good);
  CHECK(h.last_result() == RolloutResult::Failed);
  CHECK(h.status().lastRollbackTime == h.status().history.back().finishedAt);
  CHECK_FALSE(h.status().lastRollbackTime.empty());
  CHECK(h.cluster.has_event("RolledBack"));
  // The failed revision is held: the next reconcile does not apply it again, and a rolled-out good
  // revision never makes the failed one recover.
  h.cluster.roll_out_all();
  h.reconcile();
  CHECK(h.api_image() == good_image);
  h.reconcile();
  CHECK(h.revision("lastGood") == good);
  CHECK(h.last_result() == RolloutResult::Failed);
  CHECK_FALSE(h.cluster.has_event("RolloutRecovered"));
}

TEST_CASE("with autoRollback: false a failed revision stays in place, Stalled says why, and nothing is restored later") {
  Harness h("  version: \"1.0.0\"\n  rollout:\n    autoRollback: false\n");
  h.converge();
  const auto good = h.revision("lastGood");
  h.edit([](json& spec) { spec["api"]["image"] = "registry.example/api:broken"; });
  h.reconcile();
  const auto bad = h.revision("lastAttempted");
  h.cluster.fail_rollout("default/p-api");
  h.reconcile();
  CHECK(h.api_image() == "registry.example/api:broken");
  CHECK(h.last_result() == RolloutResult::Failed);
  CHECK(h.reason("Ready") == "RolloutFailed");
  CHECK(h.reason("Stalled") == "AutoRollbackDisabled");
  CHECK(h.message("Stalled").find("autoRollback is false") != std::string::npos);
  CHECK_FALSE(h.condition("RolledBack", "True"));
  CHECK(h.cluster.has_event("RolloutFailed"));
  // The reconciles that follow hold the failed revision where it is: no restore, no new status.
  h.reconcile();
  const auto status_writes = h.cluster.count("apply", "platforms");
  for (int i = 0; i < 3; ++i) h.reconcile();
  CHECK(h.api_image() == "registry.example/api:broken");
  CHECK(h.revision("current") == bad);
  CHECK(h.revision("lastGood") == good);
  CHECK(h.condition("Stalled", "True"));
  CHECK(h.reason("Stalled") == "AutoRollbackDisabled");
  CHECK_FALSE(h.condition("RolledBack", "True"));
  CHECK_FALSE(h.cluster.has_event("RolledBack"));
  CHECK(h.cluster.count("apply", "platforms") == status_writes);
  // The spec back to what ran: applied at once (it succeeded before), and nothing is stalled any more.
  h.edit([](json& spec) { spec["api"].erase("image"); });
  h.converge();
  CHECK(h.revision("current") == good);
  CHECK_FALSE(h.condition("Stalled", "True"));
}

TEST_CASE("an invalid spec stalls without applying anything") {
  Harness h("  version: \"1.0.0\"\n  api:\n    replicas: -1\n");
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(h.condition("Stalled", "True"));
  CHECK(h.reason("Stalled") == "InvalidSpec");
  CHECK(h.cluster.count("apply", "deployments") == 0);
  CHECK(h.cluster.has_event("InvalidSpec"));
}

TEST_CASE("the paused annotation stops reconciliation and says so") {
  Harness h;
  json p = h.platform();
  p["metadata"]["annotations"]["platform.a11y.dev/paused"] = "true";
  h.cluster.put(kPlatforms, p);
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(h.condition("ReconciliationPaused", "True"));
  CHECK(h.cluster.count("apply", "deployments") == 0);
}

TEST_CASE("a transient apply failure is retried with back-off and fails no revision") {
  Harness h;
  h.cluster.fail("apply", "deployments", "", FakeCluster::error(503, "ServiceUnavailable"));
  const auto r = h.reconcile();
  CHECK(r.kind == ReconcileResult::Kind::Error);
  CHECK(h.last_result() == RolloutResult::Progressing);
  h.converge();
}

TEST_CASE("an invalid object fails its revision and stalls") {
  Harness h;
  h.cluster.fail("apply", "deployments", "p-api", FakeCluster::error(422, "Invalid", "spec.template: Invalid value"));
  const auto r = h.reconcile();
  CHECK(r.kind == ReconcileResult::Kind::RequeueAfter);
  CHECK(h.condition("Stalled", "True"));
  CHECK(h.reason("Stalled") == "ApplyFailed");
  CHECK(h.last_result() == RolloutResult::Failed);
}

TEST_CASE("a deleted Platform with whenDeleted: Delete loses its claims and its finalizer") {
  Harness h("  version: \"1.0.0\"\n  storage:\n    whenDeleted: Delete\n");
  h.converge();
  h.put_data_claim(false);
  h.cluster.mark_deleting("platforms", kKey);
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(h.cluster.live("persistentvolumeclaims", "default/data-p-postgres-0") == nullptr);
  CHECK(h.cluster.live("platforms", kKey) == nullptr);
}

TEST_CASE("a finalize repeated from a lagging cache deletes no claim twice and records no second Event") {
  Harness h("  version: \"1.0.0\"\n  storage:\n    whenDeleted: Delete\n");
  h.converge();
  h.put_data_claim(true);
  h.cluster.mark_deleting("platforms", kKey);
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(std::none_of(h.cluster.calls.begin(), h.cluster.calls.end(), [](const auto& c) {
    return c.verb == "delete" && c.name == "data-p-postgres-0";
  }));
  // The Event counts only the claims this finalize deleted (the operator's own, not the one going).
  const auto deleted = h.cluster.count("delete", "persistentvolumeclaims");
  CHECK(deleted > 0);
  for (const auto& e : h.cluster.events) {
    if (e.reason == "VolumesDeleted") CHECK(e.note.starts_with(std::to_string(deleted) + " "));
  }
  CHECK(h.cluster.live("platforms", kKey) == nullptr);
}

TEST_CASE("a cache that has not caught up with our apply never marks the new revision good (issue 13 #1)") {
  Harness h;
  h.converge();
  const auto good = h.revision("lastGood");
  const auto good_image = h.api_image();
  // The informer of Deployments lags: it still holds the old, fully rolled-out p-api after our apply.
  h.cluster.set_cache_lag(true);
  h.edit([](json& spec) { spec["api"]["image"] = "registry.example/api:broken"; });
  h.cluster.sync("platforms");
  h.reconcile();
  CHECK(h.revision("lastAttempted") != good);
  CHECK(h.revision("lastGood") == good);
  CHECK_FALSE(h.condition("Ready", "True"));
  CHECK(h.last_result() == RolloutResult::Progressing);
  // The watch delivers; the new pods never become ready; the rollback finds the good revision.
  h.cluster.fail_rollout("default/p-api");
  h.cluster.sync();
  h.reconcile();
  CHECK(h.reason("RolledBack") == "RollbackSucceeded");
  CHECK(h.api_image() == good_image);
  CHECK(h.revision("lastGood") == good);
}

TEST_CASE("under whenDeleted: Retain the PostgreSQL credentials stay with the data (issue 13 #2)") {
  Harness h;  // storage.whenDeleted defaults to Retain
  h.converge();
  const auto* secret = h.cluster.live("secrets", "default/p-postgres");
  REQUIRE(secret != nullptr);
  CHECK_FALSE((*secret)["metadata"].contains("ownerReferences"));  // the garbage collector leaves it
  CHECK((*h.cluster.live("secrets", "default/p-jwt"))["metadata"].contains("ownerReferences"));
  const auto password = (*secret)["data"]["password"];
  // A switch to an external database keeps the credentials of the retained data.
  h.edit([](json& spec) { spec["database"] = {{"external", {{"urlSecretRef", {{"name", "db"}, {"key", "url"}}}}}}; });
  h.reconcile();
  REQUIRE(h.cluster.live("secrets", "default/p-postgres") != nullptr);
  CHECK((*h.cluster.live("secrets", "default/p-postgres"))["data"]["password"] == password);
}

TEST_CASE("credentials that an older operator gave an owner lose it under Retain, and get it under Delete (issue 13 #2)") {
  Harness h;
  h.converge();
  json secret = *h.cluster.live("secrets", "default/p-postgres");
  secret["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "platform.a11y.dev/v1alpha1"},
                                                        {"kind", "Platform"},
                                                        {"name", "p"},
                                                        {"uid", h.platform()["metadata"]["uid"]},
                                                        {"controller", true},
                                                        {"blockOwnerDeletion", true}}});
  h.cluster.put(*po::platform::resource_for("v1", "Secret"), secret);
  h.reconcile();
  CHECK_FALSE((*h.cluster.live("secrets", "default/p-postgres"))["metadata"].contains("ownerReferences"));
  h.edit([](json& spec) { spec["storage"] = {{"whenDeleted", "Delete"}}; });
  h.reconcile();
  const auto owners = (*h.cluster.live("secrets", "default/p-postgres"))["metadata"].value("ownerReferences", json::array());
  REQUIRE(owners.size() == 1);
  CHECK(owners[0]["uid"] == h.platform()["metadata"]["uid"]);
}

TEST_CASE("enabling the api's HPA hands spec.replicas over without a drop to 1 (issue 13 #4)") {
  Harness h("  version: \"1.0.0\"\n  api:\n    replicas: 3\n");
  h.converge();
  CHECK(h.deployment("p-api")["spec"]["replicas"] == 3);
  h.edit([](json& spec) {
    spec["api"]["autoscaling"] = {{"enabled", true}, {"minReplicas", 2}, {"maxReplicas", 6}, {"targetCPUUtilizationPercentage", 70}};
  });
  h.reconcile();
  CHECK(h.deployment("p-api")["spec"]["replicas"] == 3);
  const auto history = h.cluster.replica_history("deployments", "default/p-api");
  CHECK(std::find(history.begin(), history.end(), 1) == history.end());
  CHECK(h.cluster.replica_owners("deployments", "default/p-api").count("platform-operator") == 0);
  // The HPA scales; later applies of the Deployment leave its count alone.
  h.cluster.scale("deployments", "default/p-api", 5, "kube-controller-manager");
  h.cluster.roll_out_all();
  h.edit([](json& spec) { spec["api"]["env"] = json::array({{{"name", "LOG_LEVEL"}, {"value", "debug"}}}); });
  h.reconcile();
  CHECK(h.deployment("p-api")["spec"]["replicas"] == 5);
}

TEST_CASE("a rollback keeps today's replica count, not the one saved with the old revision (issue 13 #5)") {
  Harness h("  version: \"1.0.0\"\n  api:\n    replicas: 2\n");
  h.converge();
  h.edit([](json& spec) {
    spec["api"]["replicas"] = 4;
    spec["api"]["image"] = "registry.example/api:broken";
  });
  h.reconcile();
  CHECK(h.deployment("p-api")["spec"]["replicas"] == 4);
  h.cluster.fail_rollout("default/p-api");
  h.reconcile();
  REQUIRE(h.reason("RolledBack") == "RollbackSucceeded");
  CHECK(h.deployment("p-api")["spec"]["replicas"] == 4);
  // Holding the last good revision applies it again: still today's count.
  h.cluster.roll_out_all();
  h.reconcile();
  h.reconcile();
  CHECK(h.deployment("p-api")["spec"]["replicas"] == 4);
}

TEST_CASE("a quota, RBAC or webhook rejection is retried and reported, and fails no revision (issue 13 #7)") {
  const std::vector<po::kube::ApiError> rejections = {
      FakeCluster::error(403, "Forbidden", "deployments.apps \"p-api\" is forbidden: exceeded quota: compute, requested: limits.cpu=1"),
      FakeCluster::error(400, "BadRequest", "admission webhook \"policy.example\" denied the request: no latest tags"),
      FakeCluster::error(422, "Invalid", "admission webhook \"validate.example\" denied the request: missing label")};
  for (const auto& rejection : rejections) {
    INFO(rejection.to_string());
    Harness h;
    h.converge();
    h.edit([](json& spec) { spec["api"]["image"] = "registry.example/api:2"; });
    h.cluster.fail("apply", "deployments", "p-api", rejection, 3);
    for (int i = 0; i < 3; ++i) {
      CHECK(h.reconcile().kind == ReconcileResult::Kind::Error);  // the work queue backs off
    }
    CHECK(h.last_result() == RolloutResult::Progressing);
    CHECK_FALSE(h.condition("Stalled", "True"));
    CHECK(h.reason("Ready") == "ApplyRejected");
    CHECK(h.cluster.has_event("ApplyRejected"));
    // Quota raised, policy fixed: the same revision goes through.
    h.converge();
    CHECK(h.api_image() == "registry.example/api:2");
    CHECK(h.last_result() == RolloutResult::Succeeded);
  }
}

TEST_CASE("a failed discovery at start-up is retried, never taken as \"CRDs absent\" (issue 13 #11)") {
  Harness h;
  h.cluster.serve("monitoring.coreos.com/v1/servicemonitors", true);
  h.cluster.fail("discovery", "servicemonitors", "", FakeCluster::error(503, "ServiceUnavailable"));
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Error);
  CHECK(h.cluster.live("statefulsets", "default/p-prometheus") == nullptr);  // no self-run Prometheus
  CHECK(h.revision("lastAttempted").empty());
  h.reconcile();
  CHECK(h.cluster.live("statefulsets", "default/p-prometheus") == nullptr);
  CHECK_FALSE(h.revision("lastAttempted").empty());
}

TEST_CASE("an HTTPRoute is applied once, and pruned when it is disabled (issue 13 #6)") {
  Harness h("  version: \"1.0.0\"\n  gateway:\n    httpRoute:\n      parentRefs:\n        - name: public\n");
  h.converge();
  REQUIRE(h.cluster.live("httproutes", "default/p-gateway") != nullptr);
  const auto applies = h.cluster.count("apply", "httproutes");
  h.reconcile();
  h.reconcile();
  CHECK(h.cluster.count("apply", "httproutes") == applies);  // no informer, yet not sent again
  h.edit([](json& spec) { spec["gateway"].erase("httpRoute"); });
  h.converge();
  CHECK(h.cluster.live("httproutes", "default/p-gateway") == nullptr);  // the gateway is no longer exposed
}

TEST_CASE("ServiceMonitors and PrometheusRules go when monitoring stops using them (issue 13 #6)") {
  Harness h("  version: \"1.0.0\"\n  monitoring:\n    serviceMonitors: Enabled\n");
  h.converge();
  REQUIRE_FALSE(h.cluster.all("servicemonitors").empty());
  REQUIRE_FALSE(h.cluster.all("prometheusrules").empty());
  h.edit([](json& spec) { spec["monitoring"]["serviceMonitors"] = "Disabled"; });
  h.converge();
  CHECK(h.cluster.all("servicemonitors").empty());
  CHECK(h.cluster.all("prometheusrules").empty());
}

TEST_CASE("a stuck stateful update does not rewrite status while nothing changes (issue 13 #9)") {
  Harness h;
  h.converge();
  // The StatefulSet controller rolls p-postgres to a template whose pod never becomes ready.
  json sts = *h.cluster.live("statefulsets", "default/p-postgres");
  sts["status"] = {{"observedGeneration", sts["metadata"]["generation"]}, {"replicas", 1}, {"readyReplicas", 0},
                   {"updatedReplicas", 0}, {"currentRevision", "p-postgres-a"}, {"updateRevision", "p-postgres-b"}};
  h.cluster.put(*po::platform::resource_for("apps/v1", "StatefulSet"), sts);
  json labels = sts["spec"]["selector"]["matchLabels"];
  labels["controller-revision-hash"] = "p-postgres-b";
  h.cluster.put({"", "v1", "pods", true},
                {{"apiVersion", "v1"},
                 {"kind", "Pod"},
                 {"metadata", {{"name", "p-postgres-0"}, {"namespace", "default"}, {"labels", labels},
                               {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
                 {"status", {{"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})}}}});
  h.reconcile();
  REQUIRE(h.condition("Degraded", "True"));
  CHECK(h.reason("Degraded") == "StatefulUpdateFailed");
  const auto status_writes = h.cluster.count("apply", "platforms");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the clock moves on; nothing else does
  h.reconcile();
  CHECK(h.cluster.count("apply", "platforms") == status_writes);
}

TEST_CASE("a first revision that failed keeps its status writable: no endpoints: null (422 seen live)") {
  Harness h;
  // Held: the failed revision is not applied again, and the status written says so.
  const auto held = h.fail_first_revision();
  INFO(held.error);
  CHECK(held.kind != ReconcileResult::Kind::Error);
  CHECK(h.platform()["status"]["endpoints"].is_object());  // not null
  CHECK_FALSE(h.status().endpoints.empty());
  // The held revision's api is still judged: it failed, so nothing is Ready and nothing is good.
  CHECK(h.reason("Ready") == "RolloutFailed");
  CHECK(h.revision("lastGood").empty());
  // Still writable later (a spec change starts a new attempt).
  h.edit([](json& spec) { spec["api"]["image"] = "registry.example/api:2"; });
  CHECK(h.reconcile().kind != ReconcileResult::Kind::Error);
  CHECK(h.last_result() == RolloutResult::Progressing);
}


TEST_CASE("a first revision that failed only because its pods were late recovers once they are all ready") {
  Harness h;
  h.fail_first_revision();
  const auto revision = h.revision("lastAttempted");
  // The image arrived after the deadline: every pod of the revision becomes ready.
  h.cluster.roll_out_all();
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);
  CHECK(h.condition("Ready", "True"));
  CHECK(h.revision("lastGood") == revision);
  CHECK(h.revision("current") == revision);
  CHECK(h.last_result() == RolloutResult::Succeeded);
  CHECK(h.status().history.back().message.find("recovered") != std::string::npos);
  CHECK(h.message("Ready").find("recovered") != std::string::npos);
  CHECK_FALSE(h.condition("Degraded", "True"));
  CHECK(h.status().conditions.size() == 2);  // Ready and Reconciling; RolledBack (HoldingFailed) is gone
  CHECK(h.cluster.has_event("RolloutRecovered"));
  CHECK(h.cluster.all("controllerrevisions").size() == 1);  // a good revision to roll back to later
  // Settled: nothing more is written.
  const auto writes = h.cluster.count("apply") + h.cluster.count("create") + h.cluster.count("patch");
  h.reconcile();
  h.reconcile();
  CHECK(h.cluster.count("apply") + h.cluster.count("create") + h.cluster.count("patch") == writes);
  CHECK(h.condition("Ready", "True"));
}

TEST_CASE("a failed first revision does not recover from a cache that shows it ready while the server does not") {
  Harness h;
  h.fail_first_revision();
  h.cluster.roll_out_all();
  h.cluster.set_cache_lag(true);  // the cache keeps the ready p-api; the server's fails again
  h.cluster.fail_rollout("default/p-api");
  h.reconcile();
  CHECK(h.reason("Ready") == "RolloutFailed");
  CHECK(h.revision("lastGood").empty());
  CHECK(h.last_result() == RolloutResult::Failed);
  CHECK_FALSE(h.cluster.has_event("RolloutRecovered"));
  CHECK(h.cluster.all("controllerrevisions").empty());
}

TEST_CASE("a failed first revision does not recover when its workload runs someone else's template") {
  Harness h;
  h.fail_first_revision();
  json api = h.deployment("p-api");  // kubectl set image: ready, but not the revision's template
  api["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example/api:hotfix";
  h.cluster.put(*po::platform::resource_for("apps/v1", "Deployment"), api);
  h.cluster.roll_out_all();
  h.reconcile();
  CHECK(h.reason("Ready") == "RolloutFailed");
  CHECK(h.revision("lastGood").empty());
  CHECK(h.api_image() == "registry.example/api:hotfix");  // a held revision is not applied over it
  CHECK_FALSE(h.cluster.has_event("RolloutRecovered"));
}

TEST_CASE("a rotation request takes the api-clients Secret through Staged and Promoted, writing only that Secret") {
  ReconcilerOptions options;
  options.credentials_propagation = std::chrono::seconds(0);  // promote at the next reconcile
  Harness h(kMinimalSpec, options);
  // A request already on the Platform when the Secret is generated counts as handled.
  json p = h.platform();
  p["metadata"]["annotations"]["platform.a11y.dev/rotate-client-credentials"] = "r0";
  h.cluster.put(kPlatforms, p);
  h.converge();
  const auto secret = [&] { return *h.cluster.live("secrets", "default/p-api-clients"); };
  const json generated = secret();
  CHECK(generated["metadata"]["annotations"]["platform.a11y.dev/credentials-rotation-request"] == "r0");
  CHECK(generated["data"].size() == 2);
  const auto frontend = generated["data"]["frontend"], users = generated["data"]["users"];
  CHECK(h.reconcile().kind == ReconcileResult::Kind::Done);  // nothing pending: no requeue

  p = h.platform();
  p["metadata"]["annotations"]["platform.a11y.dev/rotate-client-credentials"] = "r1";
  h.cluster.put(kPlatforms, p);
  const auto patches = h.cluster.count("patch"), applies = h.cluster.count("apply", "deployments");
  const auto staging = h.reconcile();
  CHECK(staging.kind == ReconcileResult::Kind::RequeueAfter);
  CHECK(staging.after == std::chrono::milliseconds(0));
  json staged = secret();
  CHECK(staged["metadata"]["annotations"]["platform.a11y.dev/credentials-phase"] == "Staged");
  CHECK(staged["metadata"]["annotations"]["platform.a11y.dev/credentials-rotation-request"] == "r1");
  CHECK(staged["data"]["frontend"] == frontend);
  CHECK(staged["data"]["users"] == users);
  REQUIRE(staged["data"].contains("frontend.next"));
  REQUIRE(staged["data"].contains("users.next"));
  CHECK(staged["data"]["frontend.next"] != frontend);
  CHECK(h.cluster.has_event("CredentialsRotationStarted"));

  const auto promoting = h.reconcile();
  CHECK(promoting.kind == ReconcileResult::Kind::RequeueAfter);
  CHECK(promoting.after == std::chrono::seconds(3600));  // the default overlap
  const json promoted = secret();
  CHECK(promoted["metadata"]["annotations"]["platform.a11y.dev/credentials-phase"] == "Promoted");
  CHECK(promoted["data"]["frontend"] == staged["data"]["frontend.next"]);
  CHECK(promoted["data"]["frontend.previous"] == frontend);
  CHECK(promoted["data"]["users.previous"] == users);
  CHECK_FALSE(promoted["data"].contains("frontend.next"));
  CHECK(h.cluster.has_event("CredentialsRotated"));
  // Two steps, two merge patches of that Secret; no workload was applied again (no pod restarts).
  CHECK(h.cluster.count("patch") - patches == 2);
  CHECK(h.cluster.count("apply", "deployments") == applies);

  // While the overlap runs, a reconcile writes nothing and comes back when it ends.
  const auto waiting = h.reconcile();
  CHECK(waiting.kind == ReconcileResult::Kind::RequeueAfter);
  CHECK(waiting.after <= std::chrono::seconds(3600));
  CHECK(h.cluster.count("patch") - patches == 2);
}
