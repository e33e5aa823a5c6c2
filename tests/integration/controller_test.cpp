#include <doctest/doctest.h>

#include <atomic>

#include <cpprest/http_client.h>

#include "po/runtime/manager.hpp"
#include "support.hpp"

using namespace po::kube;
using namespace po::runtime;
using namespace it;

namespace {
// GET http://127.0.0.1:port/path -> (status, body); status 0 when unreachable.
std::pair<int, std::string> http_get(std::uint16_t port, const std::string& path) {
  try {
    web::http::client::http_client c(web::uri("http://127.0.0.1:" + std::to_string(port)));
    auto resp = c.request(web::http::methods::GET, path).get();
    return {resp.status_code(), resp.extract_utf8string(true).get()};
  } catch (const std::exception&) {
    return {0, ""};
  }
}
}  // namespace

TEST_SUITE("controller") {
TEST_CASE("a manager runs an informer-fed controller that mirrors ConfigMaps") {
  Client setup(config());
  TestNamespace ns(setup, "it-ctrl");

  ManagerOptions options;
  options.metrics_bind_address = "127.0.0.1:0";
  options.health_probe_bind_address = "127.0.0.1:0";
  options.namespaces = {ns.name()};
  Manager manager(options, config());

  Informer& sources = manager.add_informer(resources::kConfigMaps);
  std::atomic<int> reconciles{0};
  Controller* controller_ptr = nullptr;
  Controller& controller = manager.add_controller(
      {"mirror", 2, {}}, [&](const std::string& key, std::stop_token) -> ReconcileResult {
        ++reconciles;
        const auto k = parse_object_key(key);
        const ObjectPtr source = sources.cache().get(key);
        if (!source || (*source)["metadata"].value("labels", json::object()).value("mirror", "") != "true")
          return ReconcileResult::done();  // deleted or not ours: the owner reference cleans up
        json mirror = configmap(k.namespace_, k.name + "-mirror", (*source).value("data", json::object()));
        mirror["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                                               {"name", k.name}, {"uid", (*source)["metadata"]["uid"]},
                                                               {"controller", true}}});
        auto applied = manager.client().apply(resources::kConfigMaps, k.namespace_, k.name + "-mirror", mirror,
                                              ApplyOptions{"mirror-controller", true});
        if (!applied) return ReconcileResult::failed(applied.error().to_string());
        manager.events().record(*source, "Normal", "Mirrored", "Apply", "mirrored to " + k.name + "-mirror");
        return ReconcileResult::done();
      });
  controller_ptr = &controller;
  sources.add_handler(enqueue_object(controller.queue()));
  // Changes to a mirror wake its source (the child -> owner mapping).
  sources.add_handler(enqueue_controller_owner(controller.queue(), "ConfigMap"));

  std::atomic<int> exit_code{-1};
  std::jthread runner([&] { exit_code = manager.run(); });
  OnExit stop_manager([&] { manager.request_shutdown(); });  // before runner joins, even on a failed REQUIRE
  REQUIRE(eventually([&] { return manager.probe_port() != 0 && manager.metrics_port() != 0; }, 10s));
  CHECK(http_get(manager.probe_port(), "/healthz").first == 200);
  REQUIRE(eventually([&] { return http_get(manager.probe_port(), "/readyz").first == 200; }, 30s));

  json source = configmap(ns.name(), "src", {{"greeting", "hello"}});
  source["metadata"]["labels"] = {{"mirror", "true"}};
  REQUIRE(setup.create(resources::kConfigMaps, ns.name(), source));
  CHECK(eventually([&] {
    auto m = setup.get(resources::kConfigMaps, ns.name(), "src-mirror");
    return m && (*m)["data"].value("greeting", "") == "hello";
  }));
  REQUIRE(setup.patch(resources::kConfigMaps, ns.name(), "src", PatchType::Merge, {{"data", {{"greeting", "bye"}}}}));
  CHECK(eventually([&] {
    auto m = setup.get(resources::kConfigMaps, ns.name(), "src-mirror");
    return m && (*m)["data"].value("greeting", "") == "bye";
  }));
  // Someone edits the mirror: the owner is reconciled and the mirror put back.
  REQUIRE(setup.patch(resources::kConfigMaps, ns.name(), "src-mirror", PatchType::Merge, {{"data", {{"greeting", "tampered"}}}}));
  CHECK(eventually([&] {
    auto m = setup.get(resources::kConfigMaps, ns.name(), "src-mirror");
    return m && (*m)["data"].value("greeting", "") == "bye";
  }));
  CHECK(sources.cache().by_owner("ConfigMap", ns.name(), "src").size() == 1);

  // Events were written and aggregated (several "Mirrored" reconciles, fewer Event objects).
  CHECK(eventually([&] {
    auto events = setup.list_all(resources::kEvents, ns.name());
    return events && !events->items.empty();
  }));

  const auto [code, metrics] = http_get(manager.metrics_port(), "/metrics");
  CHECK(code == 200);
  CHECK(metrics.find(R"(controller_runtime_reconcile_total{controller="mirror",result="success"})") != std::string::npos);
  CHECK(metrics.find(R"(workqueue_adds_total{name="mirror"})") != std::string::npos);
  CHECK(metrics.find("rest_client_requests_total{code=\"200\",method=\"GET\"}") != std::string::npos);
  CHECK(metrics.find("controller_runtime_reconcile_time_seconds_bucket") != std::string::npos);

  manager.request_shutdown();
  runner.join();  // the OnExit guard is harmless afterwards
  CHECK(exit_code.load() == 0);
  CHECK(reconciles.load() >= 3);
  CHECK_FALSE(controller_ptr->running());
}
}
