#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "po/runtime/workqueue.hpp"

#include "eventually.hpp"

using namespace po::runtime;
using namespace std::chrono_literals;

using po::runtime::testing::eventually;

TEST_CASE("adds of a waiting key are deduplicated, order is FIFO") {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  q.add("a");
  CHECK(q.len() == 2);
  CHECK(q.try_get() == "a");
  CHECK(q.try_get() == "b");
  CHECK_FALSE(q.try_get().has_value());
}

TEST_CASE("a key being processed is not handed out again until done") {
  WorkQueue q;
  q.add("k");
  const auto first = q.try_get();
  REQUIRE(first == "k");
  q.add("k");  // changed while processing
  CHECK(q.len() == 0);
  CHECK_FALSE(q.try_get().has_value());
  q.add("k");  // still one pending re-run
  q.done("k");
  CHECK(q.len() == 1);
  CHECK(q.try_get() == "k");
  q.done("k");
  CHECK_FALSE(q.try_get().has_value());
}

TEST_CASE("never two workers on one key, under contention") {
  WorkQueue q;
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::stop_source stop;
  std::vector<std::jthread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get(stop.get_token())) {
        {
          std::scoped_lock lock(mu);
          if (!in_flight.insert(*key).second) overlap = true;
        }
        std::this_thread::yield();
        {
          std::scoped_lock lock(mu);
          in_flight.erase(*key);
        }
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.add("key-" + std::to_string(i % 5));
  CHECK(eventually([&] { return q.len() == 0 && q.processing() == 0; }));
  q.shut_down();
  workers.clear();
  CHECK_FALSE(overlap.load());
  CHECK(processed.load() >= 5);
  CHECK(processed.load() <= 2000);
}

TEST_CASE("per-item backoff grows exponentially and is capped; forget resets it") {
  WorkQueue q(WorkQueue::Options{5ms, 1000s});
  CHECK(q.next_backoff("x") == 5ms);
  for (int i = 0; i < 3; ++i) q.add_rate_limited("x");
  CHECK(q.num_requeues("x") == 3);
  CHECK(q.next_backoff("x") == 40ms);
  for (int i = 0; i < 30; ++i) q.add_rate_limited("x");
  CHECK(q.next_backoff("x") == 1000s);
  CHECK(q.next_backoff("y") == 5ms);  // per key
  q.forget("x");
  CHECK(q.num_requeues("x") == 0);
  CHECK(q.next_backoff("x") == 5ms);
}

TEST_CASE("configurable backoff bounds") {
  WorkQueue q(WorkQueue::Options{100ms, 300ms});
  q.add_rate_limited("k");
  CHECK(q.next_backoff("k") == 200ms);
  q.add_rate_limited("k");
  CHECK(q.next_backoff("k") == 300ms);
}

TEST_CASE("add_after delivers the key once its time has come, the earliest time wins") {
  WorkQueue q;
  q.add_after("late", 1h);
  q.add_after("soon", 30ms);
  q.add_after("soon", 10h);  // a later time does not postpone
  CHECK(q.delayed() == 2);
  CHECK_FALSE(q.try_get().has_value());
  std::stop_source stop;
  const auto start = std::chrono::steady_clock::now();
  const auto key = q.get(stop.get_token());
  CHECK(key == "soon");
  CHECK(std::chrono::steady_clock::now() - start >= 25ms);
  CHECK(q.delayed() == 1);
  q.add_after("now", 0ms);
  CHECK(q.try_get() == "now");
}

TEST_CASE("a rate-limited key comes back after its backoff") {
  WorkQueue q(WorkQueue::Options{20ms, 1s});
  q.add_rate_limited("r");
  CHECK(q.len() == 0);
  std::stop_source stop;
  CHECK(q.get(stop.get_token()) == "r");
}

TEST_CASE("get wakes up on shutdown and on stop") {
  WorkQueue q;
  std::stop_source stop;
  std::optional<std::string> got = "sentinel";
  std::jthread t([&] { got = q.get(stop.get_token()); });
  stop.request_stop();
  t.join();
  CHECK_FALSE(got.has_value());

  std::jthread t2([&] { got = q.get(); });
  q.shut_down();
  t2.join();
  CHECK_FALSE(got.has_value());
  q.add("ignored");
  CHECK(q.len() == 0);
  CHECK(q.shutting_down());
}

TEST_CASE("wait_idle waits for in-flight keys") {
  WorkQueue q;
  q.add("a");
  auto k = q.try_get();
  REQUIRE(k);
  CHECK_FALSE(q.wait_idle(1ms));
  std::jthread finisher([&] { q.done("a"); });
  CHECK(q.wait_idle(10s));
}
