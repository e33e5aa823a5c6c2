// A controller: a work queue of keys and N workers calling reconcile(key).
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "po/runtime/workqueue.hpp"

namespace po::metrics {
class Registry;
class Counter;
class CounterFamily;
class Histogram;
class Gauge;
}  // namespace po::metrics

namespace po::runtime {

struct ReconcileResult {
  enum class Kind { Done, Requeue, RequeueAfter, Error };
  Kind kind = Kind::Done;
  std::chrono::milliseconds after{0};  // RequeueAfter
  std::string error;                   // Error

  static ReconcileResult done() { return {}; }
  static ReconcileResult requeue() { return {Kind::Requeue, {}, {}}; }
  static ReconcileResult requeue_after(std::chrono::milliseconds d) { return {Kind::RequeueAfter, d, {}}; }
  static ReconcileResult failed(std::string message) { return {Kind::Error, {}, std::move(message)}; }
};

// Runs on a worker thread; stop is requested when the controller is shutting down (finish quickly).
using Reconciler = std::function<ReconcileResult(const std::string& key, std::stop_token stop)>;

class Controller {
 public:
  struct Options {
    std::string name = "controller";
    int workers = 1;
    WorkQueue::Options backoff{};
  };
  Controller(Options options, Reconciler reconciler, metrics::Registry* registry = nullptr);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  const std::string& name() const { return options_.name; }
  WorkQueue& queue() { return queue_; }

  void start();
  // Graceful: stop handing out keys, let in-flight reconciles finish within bound; true when they all did.
  bool shutdown(std::chrono::milliseconds bound);
  // Leadership lost: stop handing out keys now and ask in-flight reconciles to stop; does not wait.
  void abandon();
  // With leader election (before start()): no reconcile starts unless holds() is true, and one that ends
  // when it is false has run while another replica may have led; those are counted in violations.
  void set_leadership_check(std::function<bool()> holds, metrics::Counter* violations = nullptr) {
    holds_lease_ = std::move(holds);
    reconciles_while_not_leader_total_ = violations;
  }
  std::uint64_t reconciles_while_not_leader() const { return reconciles_while_not_leader_.load(); }
  bool running() const { return running_.load(); }

  std::uint64_t reconciles() const { return reconciles_.load(); }
  std::uint64_t errors() const { return errors_.load(); }
  std::uint64_t panics() const { return panics_.load(); }

 private:
  void worker(std::stop_token stop);
  void record(const char* result, double seconds);

  Options options_;
  Reconciler reconciler_;
  WorkQueue queue_;
  std::vector<std::jthread> workers_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> reconciles_{0}, errors_{0}, panics_{0}, reconciles_while_not_leader_{0};
  std::function<bool()> holds_lease_;  // fixed after start()
  metrics::Counter* reconciles_while_not_leader_total_ = nullptr;
  // Metrics series (null without a registry).
  metrics::CounterFamily* reconcile_total_ = nullptr;
  metrics::Counter* errors_total_ = nullptr;
  metrics::Counter* panics_total_ = nullptr;
  metrics::Histogram* reconcile_time_ = nullptr;
  metrics::Gauge* active_workers_ = nullptr;
};

// Queue metrics with workqueue_* names labelled name=<queue_name>; all null without a registry.
QueueMetrics make_queue_metrics(metrics::Registry* registry, const std::string& queue_name);

}  // namespace po::runtime
