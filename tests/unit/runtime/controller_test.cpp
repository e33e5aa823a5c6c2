#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "po/common/metrics.hpp"
#include "po/runtime/controller.hpp"

#include "eventually.hpp"

using namespace po::runtime;
using namespace std::chrono_literals;

using po::runtime::testing::eventually;

TEST_CASE("results drive the queue: done forgets, error backs off, requeue-after delays") {
  po::metrics::Registry registry;
  std::atomic<int> calls_ok{0}, calls_err{0}, calls_after{0};
  Controller c({"test", 2, {1ms, 50ms}},
               [&](const std::string& key, std::stop_token) {
                 if (key == "ok") {
                   ++calls_ok;
                   return ReconcileResult::done();
                 }
                 if (key == "err") {
                   ++calls_err;
                   return calls_err < 4 ? ReconcileResult::failed("boom") : ReconcileResult::done();
                 }
                 ++calls_after;
                 return calls_after < 2 ? ReconcileResult::requeue_after(20ms) : ReconcileResult::done();
               },
               &registry);
  c.start();
  c.queue().add("ok");
  c.queue().add("err");
  c.queue().add("after");
  CHECK(eventually([&] { return calls_ok == 1 && calls_err == 4 && calls_after == 2 && c.queue().processing() == 0; }));
  CHECK(c.queue().num_requeues("err") == 0);  // forgotten after its success
  CHECK(c.errors() == 3);
  CHECK(c.shutdown(5s));
  const std::string text = registry.render();
  CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="success"} 3)") != std::string::npos);
  CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="error"} 3)") != std::string::npos);
  CHECK(text.find(R"(controller_runtime_reconcile_total{controller="test",result="requeue_after"} 1)") != std::string::npos);
  CHECK(text.find(R"(controller_runtime_reconcile_errors_total{controller="test"} 3)") != std::string::npos);
  CHECK(text.find("controller_runtime_reconcile_time_seconds_bucket") != std::string::npos);
  CHECK(text.find(R"(workqueue_adds_total{name="test"})") != std::string::npos);
  CHECK(text.find(R"(workqueue_retries_total{name="test"} 3)") != std::string::npos);
  CHECK(text.find("workqueue_queue_duration_seconds_bucket") != std::string::npos);
  CHECK(text.find("workqueue_work_duration_seconds_bucket") != std::string::npos);
  CHECK(text.find(R"(workqueue_depth{name="test"} 0)") != std::string::npos);
}

TEST_CASE("an exception in reconcile is caught, counted and backed off") {
  std::atomic<int> calls{0};
  Controller c({"throws", 1, {1ms, 10ms}}, [&](const std::string&, std::stop_token) -> ReconcileResult {
    if (++calls < 3) throw std::runtime_error("bug");
    return ReconcileResult::done();
  });
  c.start();
  c.queue().add("k");
  CHECK(eventually([&] { return calls == 3 && c.queue().processing() == 0; }));
  CHECK(c.panics() == 2);
  CHECK(c.errors() == 2);
  CHECK(c.shutdown(5s));
}

TEST_CASE("shutdown lets an in-flight reconcile finish and takes no new work") {
  std::atomic<bool> entered{false}, release{false}, finished{false};
  std::atomic<int> calls{0};
  Controller c({"drain", 1, {}}, [&](const std::string&, std::stop_token) {
    ++calls;
    entered = true;
    while (!release) std::this_thread::sleep_for(1ms);
    finished = true;
    return ReconcileResult::done();
  });
  c.start();
  c.queue().add("a");
  REQUIRE(eventually([&] { return entered.load(); }));
  c.queue().add("b");
  std::jthread releaser([&] {
    std::this_thread::sleep_for(20ms);
    release = true;
  });
  CHECK(c.shutdown(10s));
  CHECK(finished.load());
  CHECK(calls == 1);  // "b" was never started
}

TEST_CASE("shutdown is bounded when a reconcile hangs") {
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  Controller c({"stuck", 1, {}}, [&](const std::string&, std::stop_token stop) {
    entered = true;
    while (!release && !stop.stop_requested()) std::this_thread::sleep_for(1ms);
    return ReconcileResult::done();
  });
  c.start();
  c.queue().add("a");
  REQUIRE(eventually([&] { return entered.load(); }));
  CHECK_FALSE(c.shutdown(30ms));
  release = true;
  CHECK(c.queue().wait_idle(10s));
}

TEST_CASE("a reconcile that outlives shutdown is waited for, never left running on a destroyed controller (issue 13 #10)") {
  // The operator destroys the reconciler right after the manager's controllers; a worker still inside
  // reconcile (it ignores its stop token here) must be joined, not detached to use freed memory.
  std::atomic<bool> entered{false};
  auto finished = std::make_shared<std::atomic<bool>>(false);
  auto c = std::make_unique<Controller>(Controller::Options{"slow", 1, {}},
                                        [&entered, finished](const std::string&, std::stop_token) {
                                          entered = true;
                                          std::this_thread::sleep_for(1500ms);
                                          *finished = true;
                                          return ReconcileResult::done();
                                        });
  c->start();
  c->queue().add("a");
  REQUIRE(eventually([&] { return entered.load(); }));
  CHECK_FALSE(c->shutdown(30ms));
  c.reset();
  CHECK(finished->load());
}

TEST_CASE("with a leadership check, no reconcile starts without the lease, and one that outlives it is counted") {
  po::metrics::Registry registry;
  std::atomic<bool> holds{true};
  std::atomic<int> calls{0};
  Controller c({"le", 1, {1ms, 10ms}},
               [&](const std::string& key, std::stop_token) {
                 ++calls;
                 if (key == "slow") holds = false;  // the lease runs out while this reconcile runs
                 return ReconcileResult::done();
               },
               &registry);
  auto& violations =
      registry.counter("platform_operator_reconciles_while_not_leader_total", "test").with({{"controller", "le"}});
  c.set_leadership_check([&] { return holds.load(); }, &violations);
  c.start();
  c.queue().add("fast");
  REQUIRE(eventually([&] { return calls == 1 && c.queue().processing() == 0; }));
  CHECK(c.reconciles_while_not_leader() == 0);
  c.queue().add("slow");
  REQUIRE(eventually([&] { return calls == 2 && c.queue().processing() == 0; }));
  CHECK(c.reconciles_while_not_leader() == 1);
  CHECK(registry.render().find(R"(platform_operator_reconciles_while_not_leader_total{controller="le"} 1)") !=
        std::string::npos);
  c.queue().add("later");  // without the lease it is not reconciled at all
  std::this_thread::sleep_for(100ms);
  CHECK(calls == 2);
  CHECK(c.shutdown(1s));
}
