#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "support.hpp"

using namespace po::kube;
using namespace it;

TEST_SUITE("client") {
TEST_CASE("get, create, replace with optimistic concurrency, patches and delete") {
  Client client(config());
  TestNamespace ns(client, "it-crud");
  const auto& cms = resources::kConfigMaps;

  auto created = client.create(cms, ns.name(), configmap(ns.name(), "a", {{"k", "v1"}}));
  REQUIRE(created);
  CHECK((*created)["data"]["k"] == "v1");
  auto again = client.create(cms, ns.name(), configmap(ns.name(), "a"));
  REQUIRE_FALSE(again);
  CHECK(again.error().already_exists());
  CHECK_FALSE(again.error().retryable);

  auto got = client.get(cms, ns.name(), "a");
  REQUIRE(got);
  const std::string uid = (*got)["metadata"]["uid"];

  json stale = *got;
  json fresh = *got;
  fresh["data"]["k"] = "v2";
  REQUIRE(client.replace(cms, ns.name(), "a", fresh));
  stale["data"]["k"] = "lost-update";
  auto conflict = client.replace(cms, ns.name(), "a", stale);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == 409);
  CHECK(conflict.error().reason == "Conflict");
  CHECK(conflict.error().retryable);

  REQUIRE(client.patch(cms, ns.name(), "a", PatchType::Merge, {{"data", {{"m", "merged"}}}}));
  REQUIRE(client.patch(cms, ns.name(), "a", PatchType::JsonPatch,
                       json::array({{{"op", "replace"}, {"path", "/data/k"}, {"value", "v3"}}})));
  REQUIRE(client.patch(cms, ns.name(), "a", PatchType::StrategicMerge, {{"metadata", {{"labels", {{"s", "1"}}}}}}));
  got = client.get(cms, ns.name(), "a");
  REQUIRE(got);
  CHECK((*got)["data"] == json{{"k", "v3"}, {"m", "merged"}});
  CHECK((*got)["metadata"]["labels"]["s"] == "1");

  auto missing = client.get(cms, ns.name(), "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().not_found());
  CHECK(missing.error().reason == "NotFound");

  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "00000000-0000-0000-0000-000000000000";
  auto precondition = client.remove(cms, ns.name(), "a", wrong_uid);
  REQUIRE_FALSE(precondition);
  CHECK(precondition.error().code == 409);

  DeleteOptions right;
  right.precondition_uid = uid;
  right.propagation_policy = "Background";  // Foreground would wait for a garbage collector, which envtest lacks
  REQUIRE(client.remove(cms, ns.name(), "a", right));
  CHECK(eventually([&] {
    auto r = client.get(cms, ns.name(), "a");
    return !r && r.error().not_found();
  }));
  auto gone = client.remove(cms, ns.name(), "a");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().not_found());
}

TEST_CASE("pagination over more than one page") {
  Client client(config());
  TestNamespace ns(client, "it-page");
  for (int i = 0; i < 23; ++i)
    REQUIRE(client.create(resources::kConfigMaps, ns.name(),
                          configmap(ns.name(), "cm-" + std::to_string(i), {{"i", std::to_string(i)}})));
  ListOptions page;
  page.limit = 10;
  auto first = client.list(resources::kConfigMaps, ns.name(), page);
  REQUIRE(first);
  CHECK((*first)["items"].size() == 10);
  CHECK_FALSE((*first)["metadata"].value("continue", "").empty());

  auto all = client.list_all(resources::kConfigMaps, ns.name(), {}, 10);
  REQUIRE(all);
  std::set<std::string> names;
  for (const auto& item : all->items) names.insert(item["metadata"]["name"].get<std::string>());
  CHECK(names.size() == 23);  // kube-root-ca.crt is not created without kube-controller-manager
  CHECK_FALSE(all->resource_version.empty());

  ListOptions selected;
  selected.field_selector = "metadata.name=cm-7";
  auto one = client.list_all(resources::kConfigMaps, ns.name(), selected, 5);
  REQUIRE(one);
  REQUIRE(one->items.size() == 1);
  CHECK(one->items[0]["data"]["i"] == "7");
}

TEST_CASE("server-side apply: field managers, conflicts and force") {
  Client client(config());
  TestNamespace ns(client, "it-ssa");
  const auto& cms = resources::kConfigMaps;
  ApplyOptions alice{"alice", false};
  ApplyOptions bob{"bob", false};
  REQUIRE(client.apply(cms, ns.name(), "shared", configmap(ns.name(), "shared", {{"owner", "alice"}, {"a", "1"}}), alice));
  // Re-applying the same intent is a no-op (same resourceVersion).
  auto rv1 = (*client.get(cms, ns.name(), "shared"))["metadata"]["resourceVersion"];
  REQUIRE(client.apply(cms, ns.name(), "shared", configmap(ns.name(), "shared", {{"owner", "alice"}, {"a", "1"}}), alice));
  CHECK((*client.get(cms, ns.name(), "shared"))["metadata"]["resourceVersion"] == rv1);

  auto conflict = client.apply(cms, ns.name(), "shared", configmap(ns.name(), "shared", {{"owner", "bob"}}), bob);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().code == 409);
  CHECK(conflict.error().message.find("conflict") != std::string::npos);
  // A field nobody else owns is fine without force.
  REQUIRE(client.apply(cms, ns.name(), "shared", configmap(ns.name(), "shared", {{"b", "2"}}), bob));

  ApplyOptions bob_force{"bob", true};
  auto forced = client.apply(cms, ns.name(), "shared", configmap(ns.name(), "shared", {{"owner", "bob"}, {"b", "2"}}), bob_force);
  REQUIRE(forced);
  CHECK((*forced)["data"]["owner"] == "bob");
  CHECK((*forced)["data"]["a"] == "1");  // still alice's
  bool bob_owns_owner = false;
  for (const auto& mf : (*forced)["metadata"]["managedFields"])
    if (mf["manager"] == "bob" && mf["fieldsV1"]["f:data"].contains("f:owner")) bob_owns_owner = true;
  CHECK(bob_owns_owner);
}

TEST_CASE("a CRD with a status subresource, and discovery") {
  Client client(config());
  const std::string group = "it.a11y.dev";
  const json crd = json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.it.a11y.dev"},
    "spec": {"group": "it.a11y.dev", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
      "versions": [{"name": "v1", "served": true, "storage": true,
        "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
          "status": {"type": "object", "properties": {"ready": {"type": "boolean"}, "observedGeneration": {"type": "integer"}}}}}}}]}})");
  REQUIRE(client.apply(resources::kCRDs, "", "widgets.it.a11y.dev", crd, ApplyOptions{"it", true}));
  REQUIRE(eventually([&] {
    auto served = client.has_resource(group, "v1", "widgets");
    return served && *served;
  }));
  auto unknown = client.has_resource("nothing.it.a11y.dev", "v1", "things");
  REQUIRE(unknown);
  CHECK_FALSE(*unknown);
  auto core = client.has_resource("", "v1", "configmaps");
  REQUIRE(core);
  CHECK(*core);

  const GroupVersionResource widgets{group, "v1", "widgets", true};
  TestNamespace ns(client, "it-crd");
  json w = {{"apiVersion", "it.a11y.dev/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w1"}}}, {"spec", {{"size", 3}}}};
  // The CRD may be served a moment before its storage accepts writes: retry creation briefly.
  REQUIRE(eventually([&] { return client.create(widgets, ns.name(), w).ok(); }, 30s, 200ms));

  // Status through the subresource; the main resource ignores status.
  auto with_status = client.patch(widgets, ns.name(), "w1", PatchType::Merge,
                                  {{"status", {{"ready", true}, {"observedGeneration", 1}}}}, "status");
  REQUIRE(with_status);
  CHECK((*with_status)["status"]["ready"] == true);
  auto main_patch = client.patch(widgets, ns.name(), "w1", PatchType::Merge, {{"status", {{"ready", false}}}, {"spec", {{"size", 4}}}});
  REQUIRE(main_patch);
  CHECK((*main_patch)["status"]["ready"] == true);
  CHECK((*main_patch)["spec"]["size"] == 4);
  auto status_get = client.get(widgets, ns.name(), "w1", "status");
  REQUIRE(status_get);
  CHECK((*status_get)["status"]["observedGeneration"] == 1);
  // Status by server-side apply, as a controller would write it.
  json status_apply = {{"apiVersion", "it.a11y.dev/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w1"}, {"namespace", ns.name()}}},
                       {"status", {{"ready", false}, {"observedGeneration", 2}}}};
  auto applied = client.apply(widgets, ns.name(), "w1", status_apply, ApplyOptions{"widget-controller", true}, "status");
  REQUIRE(applied);
  CHECK((*applied)["status"]["observedGeneration"] == 2);
  CHECK((*applied)["spec"]["size"] == 4);
  REQUIRE(client.remove(widgets, ns.name(), "w1"));
}

TEST_CASE("bearer tokens: static, token file and exec plugin; 401 and 403 as values") {
  Client admin(config());
  TestNamespace ns(admin, "it-auth");
  REQUIRE(admin.create({"", "v1", "serviceaccounts", true}, ns.name(),
                       {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "robot"}}}}));
  auto issued = admin.request("POST", resource_path({"", "v1", "serviceaccounts", true}, ns.name(), "robot", "token"),
                              json{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"},
                                   {"spec", {{"expirationSeconds", 3600}}}}.dump());
  REQUIRE(issued);
  const std::string token = (*issued)["status"]["token"];
  REQUIRE_FALSE(token.empty());
  const std::string who = "system:serviceaccount:" + ns.name() + ":robot";

  Config base = config();
  base.client_cert_pem.clear();
  base.client_key_pem.clear();
  // Authenticated as the ServiceAccount, which RBAC allows nothing: 403, permanent.
  auto forbidden_as_robot = [&](const Config& c) {
    Client client(c);
    auto r = client.get(resources::kConfigMaps, ns.name(), "x");
    return !r && r.error().code == 403 && r.error().reason == "Forbidden" && !r.error().retryable &&
           r.error().message.find(who) != std::string::npos;
  };

  Config with_token = base;
  with_token.token = token;
  CHECK(forbidden_as_robot(with_token));

  const auto dir = std::filesystem::temp_directory_path() / ("it-auth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  OnExit cleanup([&] { std::filesystem::remove_all(dir); });
  std::ofstream(dir / "token") << token << "\n";
  Config with_file = base;
  with_file.token_file = (dir / "token").string();
  CHECK(forbidden_as_robot(with_file));

  std::ofstream(dir / "plugin.sh") << "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                                      "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' \"$(cat "
                                   << (dir / "token").string() << ")\"\n";
  std::filesystem::permissions(dir / "plugin.sh", std::filesystem::perms::owner_all);
  Config with_exec = base;
  with_exec.exec = ExecConfig{"client.authentication.k8s.io/v1", (dir / "plugin.sh").string(), {}, {}, "Never", false};
  CHECK(forbidden_as_robot(with_exec));

  Config bad = base;
  bad.token = "not-a-valid-token";
  Client rejected(bad);
  auto r = rejected.get(resources::kConfigMaps, ns.name(), "x");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 401);
  CHECK(r.error().reason == "Unauthorized");
}

TEST_CASE("an untrusted server certificate is refused") {
  Config bad = config();
  bad.ca_pem.clear();  // only the system roots: the envtest CA is unknown to them
  Client client(bad);
  auto r = client.get(resources::kNamespaces, "", "default");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == 0);
  CHECK(r.error().retryable);
}

TEST_CASE("bad TLS material in the config is one clear error") {
  Config bad = config();
  bad.client_cert_pem = "not a certificate";
  CHECK_THROWS_WITH_AS(Client{bad}, doctest::Contains("TLS material"), ConfigError);
}
}
