#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "po/kube/config.hpp"
#include "po/runtime/leader_election.hpp"

#include "eventually.hpp"
#include "fake_lease_server.hpp"

using namespace po::runtime;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("lease records are read from the Lease spec") {
  const json lease = {{"spec",
                       {{"holderIdentity", "a"},
                        {"leaseDurationSeconds", 15},
                        {"acquireTime", "2024-01-01T00:00:00.000000Z"},
                        {"renewTime", "2024-01-01T00:00:10.000000Z"},
                        {"leaseTransitions", 3}}}};
  const LeaseRecord r = lease_record_from(lease);
  CHECK(r.holder == "a");
  CHECK(r.lease_duration_seconds == 15);
  CHECK(r.transitions == 3);
  CHECK(lease_record_from(json::object()) == LeaseRecord{});
}

TEST_CASE("a held lease is taken only after it went unrenewed for its duration, by our clock") {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  LeaseRecord held{"other", 15, "x", "y", 0};
  CHECK_FALSE(can_acquire(held, "me", t0, t0));
  CHECK_FALSE(can_acquire(held, "me", t0, t0 + 14s));
  CHECK(can_acquire(held, "me", t0, t0 + 15s));
  CHECK(can_acquire(held, "other", t0, t0));                  // renewing our own
  CHECK(can_acquire(LeaseRecord{"", 1, "", "", 2}, "me", t0, t0));  // released
}

TEST_CASE("the spec we write keeps acquireTime while renewing and counts transitions") {
  const auto now = *po::kube::parse_rfc3339("2024-05-06T07:08:09.123456Z");
  const LeaseRecord mine{"me", 15, "2024-05-06T07:00:00.000000Z", "old", 4};
  const json renew = lease_spec_for(mine, "me", 15s, now);
  CHECK(renew["holderIdentity"] == "me");
  CHECK(renew["acquireTime"] == "2024-05-06T07:00:00.000000Z");
  CHECK(renew["renewTime"] == "2024-05-06T07:08:09.123456Z");
  CHECK(renew["leaseTransitions"] == 4);
  CHECK(renew["leaseDurationSeconds"] == 15);
  const json takeover = lease_spec_for(LeaseRecord{"other", 15, "a", "b", 4}, "me", 15s, now);
  CHECK(takeover["acquireTime"] == "2024-05-06T07:08:09.123456Z");
  CHECK(takeover["leaseTransitions"] == 5);
  const json after_release = lease_spec_for(LeaseRecord{"", 1, "a", "b", 5}, "me", 15s, now);
  CHECK(after_release["leaseTransitions"] == 6);  // a new holder is a transition, as client-go counts it
}

TEST_CASE("identities are unique per process start") {
  CHECK(default_identity() != default_identity());
  CHECK(default_identity().find('_') != std::string::npos);
}

// Issue 13 #3: a renewal that hangs in HTTP timeouts or 429 back-offs must not outlive the renew deadline,
// or the old leader goes on reconciling after another replica took the expired lease.
TEST_CASE("a renewal round is bounded by the renew deadline, however the API server misbehaves") {
  using po::runtime::testing::FakeLeaseServer;
  FakeLeaseServer::Mode mode = FakeLeaseServer::Mode::Stall;
  SUBCASE("requests hang") { mode = FakeLeaseServer::Mode::Stall; }
  SUBCASE("requests are answered 429 with Retry-After: 10") { mode = FakeLeaseServer::Mode::TooManyRequests; }
  FakeLeaseServer server("ns", "lease");
  po::kube::Client client(server.config());  // default options: 30 s timeout, 429 retried after Retry-After
  LeaderElector elector(client, {"ns", "lease", "me", 4s, 3s, 1s});
  std::atomic<bool> leading{false}, lost{false};
  std::atomic<std::chrono::steady_clock::time_point> lost_at{};
  std::jthread run([&](std::stop_token stop) {
    elector.run(stop, [&] { leading = true; }, [&] {
      lost_at = std::chrono::steady_clock::now();
      lost = true;
    });
  });
  REQUIRE(po::runtime::testing::eventually([&] { return leading.load() && server.renewals() >= 1; }, 5s));
  server.set_mode(mode);
  const auto trouble_at = std::chrono::steady_clock::now();
  CHECK(po::runtime::testing::eventually([&] { return lost.load(); }, 8s));
  if (lost) {
    // Given up before the lease it last wrote could run out in another candidate's eyes (4 s)...
    CHECK(lost_at.load() - server.last_write() < 4s);
    // ...and within the renew deadline of the trouble starting (plus scheduling slack).
    CHECK(lost_at.load() - trouble_at < 3s + 500ms);
    CHECK_FALSE(elector.is_leader());
  }
  server.release_stalled();
  server.set_mode(FakeLeaseServer::Mode::Serve);
}
