#include <doctest/doctest.h>

#include "po/runtime/manager.hpp"

using namespace po::runtime;

TEST_CASE("kubebuilder flag names and defaults") {
  std::vector<std::string> none;
  const ManagerOptions d = parse_manager_flags(none);
  CHECK(d.metrics_bind_address == ":8080");
  CHECK(d.health_probe_bind_address == ":8081");
  CHECK_FALSE(d.leader_elect);
  CHECK(d.namespaces.empty());
  CHECK(d.lease_duration == std::chrono::seconds(15));
  CHECK(d.renew_deadline == std::chrono::seconds(10));
  CHECK(d.retry_period == std::chrono::seconds(2));
  CHECK(d.watch_progress_deadline == std::chrono::seconds(75));  // above the apiserver's one-minute bookmarks

  std::vector<std::string> args{"--kubeconfig", "/k", "--leader-elect", "--namespace=a", "--namespace", "b",
                                "--metrics-bind-address=127.0.0.1:9090", "--health-probe-bind-address", "0",
                                "--log-format=json", "--leader-election-namespace=ops", "--watch-progress-deadline=20s",
                                "--other", "x"};
  const ManagerOptions o = parse_manager_flags(args);
  CHECK(o.kubeconfig == "/k");
  CHECK(o.leader_elect);
  CHECK(o.namespaces == std::vector<std::string>{"a", "b"});
  CHECK(o.metrics_bind_address == "127.0.0.1:9090");
  CHECK(o.health_probe_bind_address == "0");
  CHECK(o.log_format == "json");
  CHECK(o.leader_election_namespace == "ops");
  CHECK(o.watch_progress_deadline == std::chrono::seconds(20));
  CHECK(args == std::vector<std::string>{"--other", "x"});  // unknown flags are left for the caller
}

TEST_CASE("bad flag values are rejected with the flag's name") {
  std::vector<std::string> a{"--log-format=xml"};
  CHECK_THROWS_WITH_AS(parse_manager_flags(a), doctest::Contains("--log-format"), std::invalid_argument);
  std::vector<std::string> b{"--metrics-bind-address=nocolon"};
  CHECK_THROWS_AS(parse_manager_flags(b), std::invalid_argument);
  std::vector<std::string> c{"--kubeconfig"};
  CHECK_THROWS_WITH_AS(parse_manager_flags(c), "--kubeconfig needs a value", std::invalid_argument);
  std::vector<std::string> e{"--leader-election-renew-deadline=20"};
  CHECK_THROWS_AS(parse_manager_flags(e), std::invalid_argument);
}

TEST_CASE("bind addresses") {
  CHECK_FALSE(parse_bind_address("0").has_value());
  auto any = parse_bind_address(":8080");
  REQUIRE(any);
  CHECK(any->host == "0.0.0.0");
  CHECK(any->port == 8080);
  auto v6 = parse_bind_address("[::1]:9");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK_THROWS_AS(parse_bind_address("h:99999"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bind_address("h:"), std::invalid_argument);
}
