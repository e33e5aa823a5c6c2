// The fault-injection switch's choices. (The api's process_* metrics are common/process_metrics.cpp's,
// tested in tests/unit/common/process_metrics_test.cpp and, on the real binary, by render-alert-rules.)
#include <doctest/doctest.h>

#include <map>

#include "po/common/metrics.hpp"
#include "server/config.hpp"
#include "server/faults.hpp"

using namespace a11y::server;

TEST_CASE("fault_turn picks exactly the share asked for, spread evenly") {
  for (int percent : {0, 1, 5, 33, 50, 99, 100}) {
    int picked = 0;
    for (std::uint64_t n = 0; n < 1000; ++n) picked += fault_turn(n, percent) ? 1 : 0;
    CHECK(picked == percent * 10);
  }
  // 50 %: every other request, never two in a row.
  for (std::uint64_t n = 0; n < 10; ++n) CHECK(fault_turn(n, 50) == (n % 2 == 1));
}

TEST_CASE("FaultInjector: off by default; matches only its path prefix") {
  FaultInjector off(FaultConfig{});
  CHECK_FALSE(off.active());
  CHECK_FALSE(off.decide("/api/v1/audits").fail);

  FaultConfig c;
  c.error_percent = 100;
  c.delay = std::chrono::milliseconds(250);
  c.delay_percent = 50;
  FaultInjector on(c);
  REQUIRE(on.active());
  CHECK_FALSE(on.decide("/health/ready").fail);
  CHECK_FALSE(on.decide("/metrics").fail);
  int delayed = 0;
  for (int i = 0; i < 10; ++i) {
    const auto f = on.decide("/api/v1/audits");
    CHECK(f.fail);
    delayed += f.delay.count() == 250 ? 1 : 0;
  }
  CHECK(delayed == 5);
}

TEST_CASE("FAULT_* variables are read and checked") {
  std::map<std::string, std::string> vars = {{"DATABASE_URL", "postgres://u:p@db/x"},
                                             {"REDIS_URL", "redis://cache:6379"},
                                             {"SECRET_KEY", std::string(40, 'k')}};
  auto env = [&vars](const char* name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  CHECK(load_config(env, "/models").faults.error_percent == 0);
  CHECK_FALSE(FaultInjector(load_config(env, "/models").faults).active());
  vars["FAULT_ERROR_PERCENT"] = "20";
  vars["FAULT_DELAY_MS"] = "2500";
  vars["FAULT_PATH_PREFIX"] = "/api/v1/audits";
  const auto c = load_config(env, "/models");
  CHECK(c.faults.error_percent == 20);
  CHECK(c.faults.delay.count() == 2500);
  CHECK(c.faults.delay_percent == 100);
  CHECK(c.faults.path_prefix == "/api/v1/audits");
  vars["FAULT_ERROR_PERCENT"] = "101";
  CHECK_THROWS_AS(load_config(env, "/models"), ConfigError);
  vars["FAULT_ERROR_PERCENT"] = "0";
  vars["FAULT_PATH_PREFIX"] = "api";
  CHECK_THROWS_AS(load_config(env, "/models"), ConfigError);
}
