// process_* metrics: /proc/<pid>/stat parsing on captured text, and the live process.
#include <doctest/doctest.h>

#include <ctime>

#include "po/common/metrics.hpp"
#include "po/common/process_metrics.hpp"

using namespace po::metrics;

TEST_CASE("process metrics: a stat line whose command holds spaces and parentheses") {
  // Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15) cutime cstime priority nice threads itrealvalue starttime(22) vsize(23) rss(24) ...
  const std::string stat =
      "4242 (platform (op) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 9 0 500 104857600 2560 18446744073709551615 0 0";
  const auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000);
  REQUIRE(s);
  CHECK(s->cpu_seconds == doctest::Approx(4.0));
  CHECK(s->start_time_seconds == doctest::Approx(1'700'000'005.0));
  CHECK(s->virtual_bytes == doctest::Approx(104857600.0));
  CHECK(s->resident_bytes == doctest::Approx(2560.0 * 4096));
  CHECK_FALSE(parse_proc_stat("garbage", 100, 4096, 0));
  CHECK_FALSE(parse_proc_stat("1 (x) S 1 2", 100, 4096, 0));
}

TEST_CASE("process metrics: the exposition names and types client libraries use") {
  ProcessStats s;
  s.cpu_seconds = 1.5;
  s.max_fds = 1024;
  const std::string text = format_process_metrics(s);
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n") != std::string::npos);
  for (const char* name : {"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_start_time_seconds",
                           "process_open_fds", "process_max_fds"})
    CHECK_MESSAGE(text.find(std::string("# TYPE ") + name + " gauge\n") != std::string::npos, name);
}

TEST_CASE("process metrics: this process, through a registry's collector") {
  const auto s = read_process_stats();
  REQUIRE(s);
  CHECK(s->resident_bytes > 1024 * 1024);
  CHECK(s->open_fds >= 3);
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(s->start_time_seconds <= now + 1);
  CHECK(s->start_time_seconds > now - 24 * 3600);  // a unit test binary started recently

  Registry registry;
  registry.counter("first_total", "registered before").with({}).inc();
  register_process_metrics(registry);
  const std::string text = registry.render();
  CHECK(text.find("first_total 1") < text.find("process_resident_memory_bytes"));
  CHECK(text.find("process_start_time_seconds ") != std::string::npos);
}

TEST_CASE("metrics: a collector's text is computed at each scrape; format_sample escapes label values") {
  Registry registry;
  int scrapes = 0;
  registry.add_collector([&scrapes] { return format_header("scrapes", "how many", "gauge") + format_sample("scrapes", {}, ++scrapes); });
  CHECK(registry.render().find("scrapes 1\n") != std::string::npos);
  CHECK(registry.render().find("scrapes 2\n") != std::string::npos);
  CHECK(format_sample("x", {{"a", "q\"b\\c\nd"}}, 2) == "x{a=\"q\\\"b\\\\c\\nd\"} 2\n");
}
