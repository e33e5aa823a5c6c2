#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "po/kube/config.hpp"
#include "po/runtime/manager.hpp"

#include "eventually.hpp"
#include "fake_lease_server.hpp"

using namespace po::runtime;
using namespace std::chrono_literals;

namespace {
// A listening socket on 127.0.0.1 holding a port, closed on destruction.
struct HeldPort {
  int fd = -1;
  std::uint16_t port = 0;
  HeldPort() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~HeldPort() { close(fd); }
};

// Runs f when the scope ends, also when a REQUIRE throws (so a blocked worker is released before joins).
class OnScopeExit {
 public:
  explicit OnScopeExit(std::function<void()> f) : f_(std::move(f)) {}
  ~OnScopeExit() { f_(); }
  OnScopeExit(const OnScopeExit&) = delete;
  OnScopeExit& operator=(const OnScopeExit&) = delete;

 private:
  std::function<void()> f_;
};

po::kube::Config unreachable_cluster() {
  po::kube::Config c;
  c.server = "https://127.0.0.1:1";
  c.token = "t";
  return c;
}
}  // namespace

TEST_CASE("a busy metrics or probe port ends run() with a start-up error, not an exception (issue 13 #14)") {
  HeldPort busy;
  const auto address = "127.0.0.1:" + std::to_string(busy.port);
  SUBCASE("metrics") {
    ManagerOptions o;
    o.metrics_bind_address = address;
    o.health_probe_bind_address = "0";
    Manager m(o, unreachable_cluster());
    int code = 0;
    CHECK_NOTHROW(code = m.run());
    CHECK(code == 2);
  }
  SUBCASE("probes") {
    ManagerOptions o;
    o.metrics_bind_address = "0";
    o.health_probe_bind_address = address;
    Manager m(o, unreachable_cluster());
    int code = 0;
    CHECK_NOTHROW(code = m.run());
    CHECK(code == 2);
  }
}

namespace {
ManagerOptions leader_options(const std::string& lease) {
  ManagerOptions o;
  o.metrics_bind_address = "0";
  o.health_probe_bind_address = "0";
  o.leader_elect = true;
  o.leader_election_namespace = "ns";
  o.leader_election_id = lease;
  o.leader_election_identity = "me";
  o.lease_duration = std::chrono::seconds(4);
  o.renew_deadline = std::chrono::seconds(3);
  o.retry_period = std::chrono::seconds(1);
  return o;
}
}  // namespace

// Issue 13 #3: waiting for caches to sync used to run on the election thread, so a leader with a slow
// start-up renewed nothing and lost its lease to a replica that then reconciled beside it.
TEST_CASE("caches syncing at start-up do not hold up lease renewals") {
  using po::runtime::testing::FakeLeaseServer;
  FakeLeaseServer server("ns", "sync-lease");
  Manager m(leader_options("sync-lease"), server.config());
  m.add_informer(po::kube::resources::kConfigMaps);  // the fake answers its list 500: it never syncs
  std::atomic<int> code{-1};
  std::jthread runner([&] { code = m.run(); });
  REQUIRE(po::runtime::testing::eventually([&] { return server.holder() == "me"; }, 5s));
  const int before = server.renewals();
  std::this_thread::sleep_for(3500ms);  // three retry periods
  CHECK(server.renewals() >= before + 2);
  CHECK_FALSE(m.ready());
  m.request_shutdown();
  runner.join();
  CHECK(code == 0);
}

TEST_CASE("on losing the lease, run() ends at once: no graceful period for reconciles in flight") {
  using po::runtime::testing::FakeLeaseServer;
  FakeLeaseServer server("ns", "lost-lease");
  Manager m(leader_options("lost-lease"), server.config());  // graceful shutdown timeout: 30 s
  std::atomic<bool> in_reconcile{false}, release{false};
  auto& controller = m.add_controller({"slow", 1, {}}, [&](const std::string&, std::stop_token) {
    in_reconcile = true;
    while (!release) std::this_thread::sleep_for(5ms);  // a reconcile that does not look at its stop token
    return ReconcileResult::done();
  });
  controller.queue().add("ns/a");
  std::atomic<int> code{-1};
  std::jthread runner([&] { code = m.run(); });
  OnScopeExit unblock([&] { release = true; });
  REQUIRE(po::runtime::testing::eventually([&] { return in_reconcile.load(); }, 5s));
  server.steal("other");  // someone else holds the lease now
  const auto stolen_at = std::chrono::steady_clock::now();
  CHECK(po::runtime::testing::eventually([&] { return code.load() != -1; }, 3s));
  CHECK(code == 1);
  CHECK(std::chrono::steady_clock::now() - stolen_at < 2500ms);  // one retry period, not 30 s
  CHECK_FALSE(m.is_leader());
  release = true;
}
