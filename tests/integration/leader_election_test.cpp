#include <doctest/doctest.h>

#include "po/runtime/leader_election.hpp"
#include "support.hpp"

using namespace po::kube;
using namespace it;

namespace {
std::string holder(Client& client, const std::string& ns, const std::string& name) {
  auto lease = client.get(resources::kLeases, ns, name);
  if (!lease) return "?";
  return (*lease)["spec"].value("holderIdentity", "");
}

std::unique_ptr<Process> candidate(const std::string& ns, const std::string& identity) {
  return std::make_unique<Process>(std::vector<std::string>{
      env("PO_LE_CANDIDATE"), "--kubeconfig=" + kubeconfig_path(), "--leader-elect",
      "--leader-election-namespace=" + ns, "--leader-election-id=it-leader", "--leader-election-identity=" + identity,
      "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0", "--namespace=" + ns});
}
}  // namespace

TEST_SUITE("leader") {
TEST_CASE("two processes: one leader; SIGKILL -> takeover within the lease duration; SIGTERM -> release") {
  Client client(config());
  TestNamespace ns(client, "it-le");
  auto a = candidate(ns.name(), "cand-a");
  auto b = candidate(ns.name(), "cand-b");

  REQUIRE(eventually([&] {
    const auto h = holder(client, ns.name(), "it-leader");
    return h == "cand-a" || h == "cand-b";
  }));
  const std::string first = holder(client, ns.name(), "it-leader");
  // Exactly one leader, and it stays so: across several retry periods the holder does not change.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(2s);
    CHECK(holder(client, ns.name(), "it-leader") == first);
  }
  auto& leader = first == "cand-a" ? a : b;
  auto& follower = first == "cand-a" ? b : a;
  const std::string second = first == "cand-a" ? "cand-b" : "cand-a";
  CHECK(follower->running());

  // SIGKILL: no release; the follower must wait out the lease (15 s) and then take over.
  const auto killed_at = std::chrono::steady_clock::now();
  leader->signal(SIGKILL);
  leader->wait(10s);
  REQUIRE(eventually([&] { return holder(client, ns.name(), "it-leader") == second; }, 40s, 100ms));
  const double takeover = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  MESSAGE("takeover after SIGKILL took " << takeover << " s");
  CHECK(takeover <= 15.0 + 2 * 2.4 + 2.0);  // lease duration + two jittered retry periods + request slack

  // A new standby, then SIGTERM on the leader: it releases the lease and exits 0; the standby takes over fast.
  auto c = candidate(ns.name(), "cand-c");
  std::this_thread::sleep_for(3s);  // let cand-c observe the lease as held
  CHECK(holder(client, ns.name(), "it-leader") == second);
  const auto term_at = std::chrono::steady_clock::now();
  follower->signal(SIGTERM);
  CHECK(follower->wait(40s) == 0);
  REQUIRE(eventually([&] { return holder(client, ns.name(), "it-leader") == "cand-c"; }, 20s, 100ms));
  const double handover = std::chrono::duration<double>(std::chrono::steady_clock::now() - term_at).count();
  MESSAGE("takeover after SIGTERM took " << handover << " s");
  CHECK(handover < 8.0);  // ~ one retry period (2 s) after the release, far below the 15 s lease
  c->signal(SIGTERM);
  CHECK(c->wait(40s) == 0);
}

TEST_CASE("the elector in-process: acquire, renew, release") {
  Client client(config());
  TestNamespace ns(client, "it-le2");
  po::runtime::LeaderElectionConfig cfg{ns.name(), "inproc", "me", 15s, 10s, 2s};
  po::runtime::LeaderElector me(client, cfg);
  po::runtime::LeaderElector other(client, {ns.name(), "inproc", "other", 15s, 10s, 2s});
  CHECK(me.try_acquire_or_renew());  // creates the Lease
  CHECK_FALSE(other.try_acquire_or_renew());
  CHECK(me.try_acquire_or_renew());  // renews
  CHECK_FALSE(other.try_acquire_or_renew());
  CHECK(me.release());
  CHECK(holder(client, ns.name(), "inproc") == "");
  CHECK(other.try_acquire_or_renew());  // released: no waiting
  CHECK(holder(client, ns.name(), "inproc") == "other");
  auto lease = client.get(resources::kLeases, ns.name(), "inproc");
  REQUIRE(lease);
  CHECK((*lease)["spec"]["leaseTransitions"] == 1);
}
}
