#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "po/kube/watcher.hpp"
#include "po/runtime/informer.hpp"
#include "support.hpp"

using namespace po::kube;
using namespace it;

namespace {
struct Recorded {
  std::mutex mu;
  std::vector<std::pair<WatchEventType, std::string>> events;
  void add(WatchEventType t, std::string name) {
    std::scoped_lock lock(mu);
    events.emplace_back(t, std::move(name));
  }
  bool has(WatchEventType t, const std::string& name) {
    std::scoped_lock lock(mu);
    for (const auto& e : events)
      if (e.first == t && e.second == name) return true;
    return false;
  }
};
}  // namespace

TEST_SUITE("watch") {
TEST_CASE("a watch sees add, modify and delete, and a bookmark before its timeout") {
  Client client(config());
  TestNamespace ns(client, "it-watch");
  auto listed = client.list_all(resources::kConfigMaps, ns.name());
  REQUIRE(listed);

  Recorded rec;
  std::atomic<int> bookmarks{0};
  std::atomic<bool> ended{false};
  std::string bookmark_rv;
  std::jthread watcher([&](std::stop_token stop) {
    ListOptions o;
    o.resource_version = listed->resource_version;
    o.allow_watch_bookmarks = true;
    o.timeout_seconds = 6;  // the apiserver sends a bookmark 2 s before the timeout
    auto st = client.watch(resources::kConfigMaps, ns.name(), o,
                           [&](WatchEvent&& e) {
                             if (e.type == WatchEventType::Bookmark) {
                               ++bookmarks;
                               bookmark_rv = e.resource_version();
                             } else {
                               rec.add(e.type, e.object["metadata"]["name"]);
                             }
                             return true;
                           },
                           stop);
    CHECK(st.ok());
    ended = true;
  });
  REQUIRE(client.create(resources::kConfigMaps, ns.name(), configmap(ns.name(), "w", {{"v", "1"}})));
  REQUIRE(eventually([&] { return rec.has(WatchEventType::Added, "w"); }, 10s));
  REQUIRE(client.patch(resources::kConfigMaps, ns.name(), "w", PatchType::Merge, {{"data", {{"v", "2"}}}}));
  REQUIRE(eventually([&] { return rec.has(WatchEventType::Modified, "w"); }, 10s));
  REQUIRE(client.remove(resources::kConfigMaps, ns.name(), "w"));
  REQUIRE(eventually([&] { return rec.has(WatchEventType::Deleted, "w"); }, 10s));
  // The server ends the watch at timeoutSeconds; a bookmark came before that.
  REQUIRE(eventually([&] { return ended.load(); }, 30s));
  CHECK(bookmarks.load() >= 1);
  CHECK_FALSE(bookmark_rv.empty());
}

TEST_CASE("an expired resourceVersion (410) relists without losing an object") {
  Client client(config());
  TestNamespace ns(client, "it-gone");
  for (const char* name : {"x", "y", "z"}) REQUIRE(client.create(resources::kConfigMaps, ns.name(), configmap(ns.name(), name)));
  // A restarted apiserver's watch cache starts at the current revision, so resourceVersion 1 is certainly
  // outside its window (a fresh one may still hold it).
  const std::string restart = env("PO_ENVTEST_SCRIPT") + " restart-apiserver " + env("PO_ENVTEST_DIR");
  REQUIRE(std::system(restart.c_str()) == 0);
  WatcherOptions options;
  options.initial_resource_version = "1";
  po::runtime::Informer informer(client, resources::kConfigMaps, {ns.name()}, options);
  informer.start();
  REQUIRE(informer.wait_for_sync(30s));
  CHECK(informer.cache().size() == 3);
  CHECK(informer.cache().get(ns.name() + "/x"));
  CHECK(informer.cache().get(ns.name() + "/z"));
  // And the watch that follows the relist is live.
  REQUIRE(client.create(resources::kConfigMaps, ns.name(), configmap(ns.name(), "after")));
  CHECK(eventually([&] { return informer.cache().get(ns.name() + "/after") != nullptr; }, 15s));
  informer.stop();
  CHECK(informer.relists_after_gone() == 1);
  CHECK(informer.lists() == 1);
}

TEST_CASE("kube-apiserver killed and restarted mid-watch: the cache converges") {
  Client client(config());
  TestNamespace ns(client, "it-restart");
  REQUIRE(client.create(resources::kConfigMaps, ns.name(), configmap(ns.name(), "before")));
  WatcherOptions options;
  options.min_timeout_seconds = 300;
  options.max_timeout_seconds = 300;
  po::runtime::Informer informer(client, resources::kConfigMaps, {ns.name()}, options);
  informer.start();
  REQUIRE(informer.wait_for_sync(30s));
  REQUIRE(informer.cache().get(ns.name() + "/before"));

  const std::string restart = env("PO_ENVTEST_SCRIPT") + " restart-apiserver " + env("PO_ENVTEST_DIR");
  REQUIRE(std::system(restart.c_str()) == 0);

  REQUIRE(client.create(resources::kConfigMaps, ns.name(), configmap(ns.name(), "after")));
  REQUIRE(client.remove(resources::kConfigMaps, ns.name(), "before"));
  CHECK(eventually([&] {
    return informer.cache().get(ns.name() + "/after") != nullptr && informer.cache().get(ns.name() + "/before") == nullptr;
  }, 90s, 100ms));
  CHECK(informer.cache().size() == 1);
}
}
