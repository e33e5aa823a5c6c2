// Issue 13 #8: a watch whose connection dies silently (a dropped NAT entry, a hung proxy or API server)
// must be noticed: TCP keepalive on every API connection, and a progress deadline on each watch (no event
// or bookmark within it: close and watch again from the last resourceVersion).
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "po/kube/client.hpp"
#include "po/kube/watcher.hpp"

#include "stalling_watch_server.hpp"

using namespace po::kube;
using namespace std::chrono_literals;
using po::kube::testing::StallingWatchServer;

namespace {

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

Config config_for(const StallingWatchServer& server) {
  Config c;
  c.server = server.url();
  return c;
}

std::string event(const std::string& type, const std::string& name, const std::string& rv) {
  if (type == "BOOKMARK")
    return R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":")" + rv +
           R"("}}})";
  return R"({"type":")" + type + R"(","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"ns","resourceVersion":")" + rv + R"("}}})";
}

// The kernel's view of our sockets to `port`: for each ESTABLISHED one, the timer that is armed on it
// (/proc/net/tcp "tr": 2 = keepalive) and when it fires, in 1/100 s.
struct SocketTimer {
  int timer = 0;
  long when = 0;
};
std::vector<SocketTimer> client_sockets_to(std::uint16_t port) {
  std::vector<SocketTimer> out;
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  char remote_suffix[8];
  std::snprintf(remote_suffix, sizeof remote_suffix, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string sl, local, remote, state, queues, timer;
    fields >> sl >> local >> remote >> state >> queues >> timer;
    if (state != "01" || !remote.ends_with(remote_suffix)) continue;
    const auto colon = timer.find(':');
    out.push_back({std::stoi(timer.substr(0, colon), nullptr, 16), std::stol(timer.substr(colon + 1), nullptr, 16)});
  }
  return out;
}

}  // namespace

TEST_CASE("a watch that goes silent is ended at its progress deadline") {
  StallingWatchServer server({{event("ADDED", "a", "5")}});
  Client client(config_for(server));
  std::atomic<int> events{0};
  std::atomic<bool> ended{false};
  std::optional<ApiError> error;
  std::atomic<std::chrono::steady_clock::time_point> first_event_at{};
  std::jthread watch([&](std::stop_token stop) {
    ListOptions o;
    o.resource_version = "1";
    o.allow_watch_bookmarks = true;
    o.timeout_seconds = 300;
    auto st = client.watch(
        resources::kConfigMaps, "ns", o,
        [&](WatchEvent&&) {
          first_event_at = std::chrono::steady_clock::now();
          ++events;
          return true;
        },
        stop, 1s);
    if (!st) error = st.error();
    ended = true;
  });
  REQUIRE(eventually([&] { return events.load() == 1; }, 5s));
  CHECK(eventually([&] { return ended.load(); }, 3s));
  if (ended) {
    const auto silent_for = std::chrono::steady_clock::now() - first_event_at.load();
    CHECK(silent_for >= 900ms);
    CHECK(silent_for < 2500ms);
    REQUIRE(error.has_value());
    CHECK(error->retryable);
    CHECK(error->message.find("no event or bookmark") != std::string::npos);
  }
}

TEST_CASE("the watcher restarts a silent watch from its resourceVersion, without a relist; bookmarks are progress") {
  // Watch 0 stays alive on bookmarks alone (each within the deadline), then sends b and goes silent;
  // watch 1 must resume after b.
  StallingWatchServer server({{event("ADDED", "a", "5"), "sleep", event("BOOKMARK", "", "6"), "sleep",
                               event("BOOKMARK", "", "7"), "sleep", event("ADDED", "b", "8")},
                              {event("ADDED", "c", "9")}});
  Client client(config_for(server));
  WatcherOptions options;
  options.progress_deadline = 1s;
  options.backoff = {10ms, 100ms};
  std::mutex mu;
  std::vector<std::string> seen;
  WatcherHandlers handlers;
  handlers.on_list = [](std::vector<json>&&, const std::string&) {};
  handlers.on_event = [&](WatchEvent&& e) {
    std::scoped_lock lock(mu);
    seen.push_back(e.object["metadata"].value("name", ""));
  };
  WatcherStats stats;
  {
    std::jthread run([&](std::stop_token stop) {
      stats = run_watcher(client, resources::kConfigMaps, "ns", options, handlers, stop);
    });
    CHECK(eventually(
        [&] {
          std::scoped_lock lock(mu);
          return seen.size() == 3;
        },
        8s));
  }
  CHECK(seen == std::vector<std::string>{"a", "b", "c"});
  CHECK(stats.lists == 1);
  CHECK(stats.bookmarks == 2);
  const auto targets = server.targets();
  REQUIRE(targets.size() >= 3);
  CHECK(targets[1].find("allowWatchBookmarks=true") != std::string::npos);
  CHECK(targets[2].find("resourceVersion=8") != std::string::npos);  // resumed after b, not relisted
}

TEST_CASE("API connections have TCP keepalive on, probing after 30 s of silence") {
  StallingWatchServer server(std::vector<std::vector<std::string>>{{}});  // one watch, no events
  Client client(config_for(server));
  REQUIRE(client.list(resources::kConfigMaps, "ns"));  // an ordinary request: its connection stays open
  std::jthread watch([&](std::stop_token stop) {
    ListOptions o;
    o.resource_version = "1";
    client.watch(resources::kConfigMaps, "ns", o, [](WatchEvent&&) { return true; }, stop);
  });
  REQUIRE(eventually([&] { return server.watches() == 1 && client_sockets_to(server.port()).size() == 2; }, 5s));
  for (const auto& s : client_sockets_to(server.port())) {
    CHECK(s.timer == 2);       // the keepalive timer is armed...
    CHECK(s.when <= 30 * 100); // ...to fire within 30 s, not Linux's default of two hours
  }
}
