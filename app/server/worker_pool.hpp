// A fixed set of threads for work that blocks (PostgreSQL, Redis, the audit engine), so that the HTTP
// I/O threads (one per core) never wait on it. The queue is bounded: when it is full, submit() refuses
// and the caller answers 503 instead of letting latency grow without limit.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

namespace a11y::server {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();  // shutdown()
  void shutdown();  // runs what is queued, then joins; submit() refuses from now on
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and job dropped) when max_queued jobs are already waiting.
  bool submit(std::function<void()> job);
  std::size_t threads() const { return workers_.size(); }
  std::size_t queued() const;

 private:
  void run(std::stop_token stop);

  const std::size_t max_queued_;
  mutable std::mutex mutex_;  // guards queue_
  std::condition_variable_any ready_;
  std::deque<std::function<void()>> queue_;
  bool stopped_ = false;  // guarded by mutex_
  std::vector<std::jthread> workers_;  // last: joined before the queue is destroyed
};

}  // namespace a11y::server
