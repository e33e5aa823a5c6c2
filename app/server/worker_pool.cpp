#include "server/worker_pool.hpp"

#include <spdlog/spdlog.h>

namespace a11y::server {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this](std::stop_token stop) { run(stop); });
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::shutdown() {
  {
    std::scoped_lock lock(mutex_);
    stopped_ = true;
  }
  workers_.clear();  // requests stop (which wakes the waiting workers) and joins
}

bool WorkerPool::submit(std::function<void()> job) {
  {
    std::scoped_lock lock(mutex_);
    if (stopped_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

std::size_t WorkerPool::queued() const {
  std::scoped_lock lock(mutex_);
  return queue_.size();
}

void WorkerPool::run(std::stop_token stop) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      // Stop only once the queue is empty: every accepted job is answered.
      ready_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("worker job failed: {}", e.what());
    } catch (...) {
      spdlog::error("worker job failed with a non-standard exception");
    }
  }
}

}  // namespace a11y::server
