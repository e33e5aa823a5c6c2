#include <doctest/doctest.h>

#include "po/kube/backoff.hpp"

using namespace po::kube;
using namespace std::chrono_literals;

TEST_CASE("exponential backoff doubles and caps") {
  CHECK(exponential_backoff(0, 5ms, 1000s) == 5ms);
  CHECK(exponential_backoff(1, 5ms, 1000s) == 10ms);
  CHECK(exponential_backoff(10, 5ms, 1000s) == 5120ms);
  CHECK(exponential_backoff(17, 5ms, 1000s) == 655360ms);
  CHECK(exponential_backoff(18, 5ms, 1000s) == 1000s);
  CHECK(exponential_backoff(10'000, 5ms, 1000s) == 1000s);  // no overflow
  CHECK(exponential_backoff(-3, 5ms, 1000s) == 5ms);
}

TEST_CASE("jitter adds up to jitter * d") {
  CHECK(apply_jitter(1000ms, 1.0, 0.0) == 1000ms);
  CHECK(apply_jitter(1000ms, 1.0, 0.5) == 1500ms);
  CHECK(apply_jitter(1000ms, 0.0, 0.9) == 1000ms);
  for (int i = 0; i < 100; ++i) {
    const auto d = apply_jitter(800ms, 1.0, unit_random());
    CHECK(d >= 800ms);
    CHECK(d < 1600ms);
  }
}

TEST_CASE("reconnect backoff: 800 ms to 30 s, reset after two healthy minutes") {
  ReconnectBackoff b;
  const auto t0 = ReconnectBackoff::Clock::time_point{} + 1h;
  CHECK(b.next(t0, 0.0) == 800ms);
  CHECK(b.next(t0 + 1s, 0.0) == 1600ms);
  CHECK(b.next(t0 + 2s, 0.0) == 3200ms);
  CHECK(b.next(t0 + 3s, 0.0) == 6400ms);
  CHECK(b.next(t0 + 4s, 0.0) == 12800ms);
  CHECK(b.next(t0 + 5s, 0.0) == 25600ms);
  CHECK(b.next(t0 + 6s, 0.0) == 30s);
  CHECK(b.next(t0 + 7s, 0.99) <= 60s);
  // Two minutes since the last failure: the connection was healthy, start over.
  CHECK(b.next(t0 + 7s + 120s, 0.0) == 800ms);
  CHECK(b.attempts() == 1);
}
