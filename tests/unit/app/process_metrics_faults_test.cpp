// The /proc parsers behind the api's process_* metrics, and the fault-injection switch's choices.
#include <doctest/doctest.h>

#include <map>

#include "po/common/metrics.hpp"
#include "server/config.hpp"
#include "server/faults.hpp"
#include "server/process_metrics.hpp"

using namespace a11y::server;

TEST_CASE("parse_proc_stat reads the fields after the command name, which may hold spaces and parentheses") {
  // A real line of /proc/<pid>/stat with a hostile command name.
  const std::string line =
      "4242 (platform api) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 123456 "
      "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto s = parse_proc_stat(line);
  REQUIRE(s);
  CHECK(s->utime_ticks == 250);
  CHECK(s->stime_ticks == 75);
  CHECK(s->num_threads == 9);
  CHECK(s->start_ticks == 123456);
  CHECK(s->vsize_bytes == 104857600);
  CHECK(s->rss_pages == 2560);
  CHECK_FALSE(parse_proc_stat("4242 (short) S 1 2 3"));
  CHECK_FALSE(parse_proc_stat("no parenthesis at all"));
  CHECK_FALSE(parse_proc_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ten 75 0 0 20 0 9 0 1 1 1"));
}

TEST_CASE("parse_boot_time and parse_max_open_files read /proc/stat and /proc/self/limits") {
  CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764633600\nprocesses 9\n").value_or(-1) == doctest::Approx(1764633600));
  CHECK_FALSE(parse_boot_time("cpu 1 2 3\n"));
  const std::string limits =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max processes             63704                63704                processes \n"
      "Max open files            1048576              1048576              files     \n";
  CHECK(parse_max_open_files(limits).value_or(-1) == doctest::Approx(1048576));
  CHECK_FALSE(parse_max_open_files("Max open files            unlimited            unlimited            files\n"));
  CHECK_FALSE(parse_max_open_files("Max processes 1 1 processes\n"));
}

TEST_CASE("ProcessMetrics exports the process_* series and the build info from this process") {
  po::metrics::Registry registry;
  ProcessMetrics process(registry, "9.8.7");
  process.collect();
  const auto text = registry.render();
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_virtual_memory_bytes ",
                           "process_open_fds ", "process_max_fds ", "process_threads ", "process_start_time_seconds "})
    CHECK_MESSAGE(text.find(std::string("\n") + name) != std::string::npos, name);
  CHECK(text.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
  CHECK(text.find("platform_api_build_info{version=\"9.8.7\"} 1") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes 0\n") == std::string::npos);
  CHECK(text.find("process_start_time_seconds 0\n") == std::string::npos);
}

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
