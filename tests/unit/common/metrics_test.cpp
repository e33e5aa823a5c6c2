#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "po/common/metrics.hpp"

using po::metrics::Registry;

TEST_CASE("metrics: counters and gauges render in the 0.0.4 text format, families in registration order") {
  Registry r;
  auto& requests = r.counter("http_requests_total", "Requests served.");
  auto& temp = r.gauge("pool_connections", "Connections in the pool.");
  requests.with({{"method", "GET"}, {"code", "200"}}).inc();
  requests.with({{"method", "GET"}, {"code", "200"}}).inc(2);
  requests.with({{"method", "POST"}, {"code", "500"}}).inc(0.5);
  temp.with({}).set(3);
  temp.with({}).add(-1.5);

  CHECK(r.render() ==
        "# HELP http_requests_total Requests served.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"GET\",code=\"200\"} 3\n"
        "http_requests_total{method=\"POST\",code=\"500\"} 0.5\n"
        "# HELP pool_connections Connections in the pool.\n"
        "# TYPE pool_connections gauge\n"
        "pool_connections 1.5\n");
}

TEST_CASE("metrics: with() returns the same series for the same labels") {
  Registry r;
  auto& f = r.counter("c_total", "c");
  auto& a = f.with({{"k", "v"}});
  auto& b = f.with({{"k", "v"}});
  CHECK(&a == &b);
  CHECK(&a != &f.with({{"k", "w"}}));
}

TEST_CASE("metrics: HELP text and label values are escaped") {
  Registry r;
  r.counter("esc_total", "line one\nback\\slash \"quotes stay\"").with({{"path", "a\"b\\c\nd"}}).inc();
  CHECK(r.render() ==
        "# HELP esc_total line one\\nback\\\\slash \"quotes stay\"\n"
        "# TYPE esc_total counter\n"
        "esc_total{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_CASE("metrics: histograms render cumulative buckets, +Inf, _sum and _count") {
  Registry r;
  auto& h = r.histogram("latency_seconds", "Latency.", {0.1, 1, 2.5});
  auto& s = h.with({{"route", "/x"}});
  for (const double v : {0.05, 0.1, 0.7, 3.0}) s.observe(v);
  CHECK(s.count() == 4);
  CHECK(s.sum() == doctest::Approx(3.85));
  CHECK(r.render() ==
        "# HELP latency_seconds Latency.\n"
        "# TYPE latency_seconds histogram\n"
        "latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
        "latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
        "latency_seconds_bucket{route=\"/x\",le=\"2.5\"} 3\n"
        "latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
        "latency_seconds_sum{route=\"/x\"} 3.85\n"
        "latency_seconds_count{route=\"/x\"} 4\n");

  Registry plain;
  plain.histogram("h", "h", {1}).with({}).observe(2);
  CHECK(plain.render() == "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n");
}

TEST_CASE("metrics: special values render as Prometheus spells them") {
  Registry r;
  auto& g = r.gauge("g", "g");
  g.with({{"v", "nan"}}).set(std::numeric_limits<double>::quiet_NaN());
  g.with({{"v", "inf"}}).set(std::numeric_limits<double>::infinity());
  g.with({{"v", "-inf"}}).set(-std::numeric_limits<double>::infinity());
  g.with({{"v", "big"}}).set(1e21);
  const auto text = r.render();
  CHECK(text.find("g{v=\"nan\"} NaN\n") != std::string::npos);
  CHECK(text.find("g{v=\"inf\"} +Inf\n") != std::string::npos);
  CHECK(text.find("g{v=\"-inf\"} -Inf\n") != std::string::npos);
  CHECK(text.find("g{v=\"big\"} 1e+21\n") != std::string::npos);
}

TEST_CASE("metrics: invalid names, reserved labels, bad buckets and type clashes are rejected") {
  Registry r;
  CHECK_THROWS_AS(r.counter("1bad", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("has-dash", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "x").with({{"bad-label", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "x").with({{"__reserved", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h1", "x").with({{"le", "1"}}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h2", "x", {1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(r.histogram("h3", "x", {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(r.gauge("ok_total", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.counter("ok_total", "x").with({}).inc(-1), std::invalid_argument);
  CHECK(&r.counter("ok_total", "x") == &r.counter("ok_total", "other help"));  // same type: shared family
  CHECK_NOTHROW(r.counter("name:with_colon", "recording-rule style"));
}

TEST_CASE("metrics: bucket helpers") {
  const auto d = po::metrics::default_buckets();
  CHECK(d.front() == 0.005);
  CHECK(d.back() == 10);
  const auto e = po::metrics::exponential_buckets(0.001, 2, 4);
  REQUIRE(e.size() == 4);
  CHECK(e[3] == doctest::Approx(0.008));
  CHECK_THROWS(po::metrics::exponential_buckets(0, 2, 3));
}

TEST_CASE("metrics: concurrent updates and renders lose nothing") {
  Registry r;
  auto& c = r.counter("hits_total", "hits");
  auto& h = r.histogram("obs", "obs", {0.5});
  constexpr int kThreads = 4, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto& mine = c.with({{"t", std::to_string(t % 2)}});
      for (int i = 0; i < kPerThread; ++i) {
        mine.inc();
        h.with({}).observe(i % 2 ? 1.0 : 0.0);
        if (i % 5000 == 0) (void)r.render();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.with({{"t", "0"}}).value() + c.with({{"t", "1"}}).value() == kThreads * kPerThread);
  CHECK(h.with({}).count() == static_cast<std::uint64_t>(kThreads * kPerThread));
  CHECK(h.with({}).sum() == kThreads * kPerThread / 2);
  CHECK(r.render().find("obs_bucket{le=\"0.5\"} 40000\n") != std::string::npos);
}
