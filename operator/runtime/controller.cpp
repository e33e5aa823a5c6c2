#include "po/runtime/controller.hpp"

#include <exception>

#include <spdlog/spdlog.h>

#include "po/common/metrics.hpp"

namespace po::runtime {

QueueMetrics make_queue_metrics(metrics::Registry* registry, const std::string& queue_name) {
  QueueMetrics m;
  if (registry == nullptr) return m;
  const metrics::Labels labels{{"name", queue_name}};
  m.depth = &registry->gauge("workqueue_depth", "Current depth of workqueue").with(labels);
  m.adds = &registry->counter("workqueue_adds_total", "Total number of adds handled by workqueue").with(labels);
  m.retries = &registry->counter("workqueue_retries_total", "Total number of retries handled by workqueue").with(labels);
  const auto buckets = metrics::exponential_buckets(10e-9, 10, 12);
  m.queue_duration = &registry->histogram("workqueue_queue_duration_seconds",
                                           "How long in seconds an item stays in workqueue before being requested",
                                           buckets).with(labels);
  m.work_duration = &registry->histogram("workqueue_work_duration_seconds",
                                          "How long in seconds processing an item from workqueue takes", buckets)
                         .with(labels);
  return m;
}

Controller::Controller(Options options, Reconciler reconciler, metrics::Registry* registry)
    : options_(std::move(options)),
      reconciler_(std::move(reconciler)),
      queue_(options_.backoff, make_queue_metrics(registry, options_.name)) {
  if (registry != nullptr) {
    const metrics::Labels labels{{"controller", options_.name}};
    reconcile_total_ = &registry->counter("controller_runtime_reconcile_total",
                                          "Total number of reconciliations per controller");
    errors_total_ = &registry->counter("controller_runtime_reconcile_errors_total",
                                       "Total number of reconciliation errors per controller").with(labels);
    panics_total_ = &registry->counter("controller_runtime_reconcile_panics_total",
                                       "Total number of reconciliation panics per controller").with(labels);
    reconcile_time_ = &registry->histogram("controller_runtime_reconcile_time_seconds",
                                           "Length of time per reconciliation per controller",
                                           {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
                                            0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5,
                                            5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60})
                          .with(labels);
    active_workers_ = &registry->gauge("controller_runtime_active_workers",
                                       "Number of currently used workers per controller").with(labels);
    registry->gauge("controller_runtime_max_concurrent_reconciles",
                    "Maximum number of concurrent reconciles per controller")
        .with(labels)
        .set(options_.workers);
    for (const char* result : {"success", "error", "requeue", "requeue_after"})
      reconcile_total_->with({{"controller", options_.name}, {"result", result}});
  }
}

Controller::~Controller() {
  queue_.shut_down();
  for (auto& w : workers_) w.request_stop();
  // Joins, however long the reconcile in flight takes: a detached worker would go on using this
  // controller and the reconciler after both are freed. Reconciles stop at their next stop-token check or
  // request timeout; a pod that still does not exit is killed at the end of its termination grace period.
  if (!queue_.wait_idle(std::chrono::seconds(1))) {
    spdlog::warn("controller {}: waiting for a reconcile still in flight before exiting", options_.name);
  }
  workers_.clear();
}

void Controller::start() {
  if (running_.exchange(true)) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i)
    workers_.emplace_back([this](std::stop_token stop) { worker(stop); });
}

bool Controller::shutdown(std::chrono::milliseconds bound) {
  queue_.shut_down();
  const bool idle = queue_.wait_idle(bound);
  for (auto& w : workers_) w.request_stop();
  if (idle) workers_.clear();  // joins: every worker is between reconciles
  running_ = false;
  return idle;
}

void Controller::abandon() {
  queue_.shut_down();
  for (auto& w : workers_) w.request_stop();
  running_ = false;
}

void Controller::record(const char* result, double seconds) {
  if (reconcile_total_) reconcile_total_->with({{"controller", options_.name}, {"result", result}}).inc();
  if (reconcile_time_) reconcile_time_->observe(seconds);
}

void Controller::worker(std::stop_token stop) {
  while (auto key = queue_.get(stop)) {
    if (holds_lease_ && !holds_lease_()) {
      queue_.done(*key);  // not (or no longer) the leader: the queue is being shut down
      continue;
    }
    if (active_workers_) active_workers_->add(1);
    const auto started = std::chrono::steady_clock::now();
    ReconcileResult result;
    bool panicked = false;
    try {
      result = reconciler_(*key, stop);
    } catch (const std::exception& e) {
      panicked = true;
      result = ReconcileResult::failed(std::string("reconcile threw: ") + e.what());
    } catch (...) {
      panicked = true;
      result = ReconcileResult::failed("reconcile threw a non-standard exception");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ++reconciles_;
    if (holds_lease_ && !holds_lease_()) {
      ++reconciles_while_not_leader_;
      if (reconciles_while_not_leader_total_) reconciles_while_not_leader_total_->inc();
      spdlog::error("controller {}: reconcile {} ended after the lease ran out: another replica may have "
                    "reconciled at the same time", options_.name, *key);
    }
    switch (result.kind) {
      case ReconcileResult::Kind::Done:
        queue_.forget(*key);
        record("success", seconds);
        break;
      case ReconcileResult::Kind::Requeue:
        queue_.add_rate_limited(*key);
        record("requeue", seconds);
        break;
      case ReconcileResult::Kind::RequeueAfter:
        queue_.forget(*key);
        queue_.add_after(*key, result.after);
        record("requeue_after", seconds);
        break;
      case ReconcileResult::Kind::Error:
        ++errors_;
        if (errors_total_) errors_total_->inc();
        if (panicked) {
          ++panics_;
          if (panics_total_) panics_total_->inc();
        }
        spdlog::error("controller {}: reconcile {} failed (retry {}): {}", options_.name, *key,
                      queue_.num_requeues(*key) + 1, result.error);
        queue_.add_rate_limited(*key);
        record("error", seconds);
        break;
    }
    queue_.done(*key);
    if (active_workers_) active_workers_->add(-1);
  }
}

}  // namespace po::runtime
