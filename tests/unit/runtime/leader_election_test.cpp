#include <doctest/doctest.h>

#include "po/kube/config.hpp"
#include "po/runtime/leader_election.hpp"

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
