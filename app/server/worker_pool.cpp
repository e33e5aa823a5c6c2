#include "server/worker_pool.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace a11y::server {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued, std::size_t max_bytes)
    : max_queued_(max_queued), max_bytes_(max_bytes) {
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

bool WorkerPool::submit(Job job) {
  {
    std::scoped_lock lock(mutex_);
    if (stopped_ || queue_.size() >= max_queued_) return false;
    if (job.bytes > max_bytes_ || bytes_ > max_bytes_ - job.bytes) return false;
    bytes_ += job.bytes;
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

std::size_t WorkerPool::queued() const {
  std::scoped_lock lock(mutex_);
  return queue_.size();
}

std::size_t WorkerPool::bytes() const {
  std::scoped_lock lock(mutex_);
  return bytes_;
}

void WorkerPool::run(std::stop_token stop) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      // Stop only once the queue is empty: every accepted job is answered.
      ready_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const bool late = Clock::now() > job.deadline;
    const std::size_t held = job.bytes;
    try {
      if (!late) job.run();
      else if (job.expired) job.expired();
    } catch (const std::exception& e) {
      spdlog::error("worker job failed: {}", e.what());
    } catch (...) {
      spdlog::error("worker job failed with a non-standard exception");
    }
    job = Job{};  // drop what it holds before its bytes are given back
    std::scoped_lock lock(mutex_);
    bytes_ -= std::min(bytes_, held);
  }
}

}  // namespace a11y::server
