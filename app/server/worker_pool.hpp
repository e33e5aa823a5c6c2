// A fixed set of threads for work that blocks (PostgreSQL, Redis, the audit engine), so that the HTTP
// I/O threads (one per core) never wait on it. The queue is bounded twice: by jobs and by the bytes they
// hold (a request body each), so that a burst of large bodies cannot take the memory a burst of small
// ones may. When either is full, submit() refuses and the caller answers 503 instead of letting latency
// and memory grow without limit. A job that waited past its deadline is not run: its expired callback
// answers instead (the client has likely given up, and running it would only delay the jobs behind it).
#pragma once
#include <chrono>
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
  using Clock = std::chrono::steady_clock;
  struct Job {
    std::function<void()> run;
    std::function<void()> expired;   // called instead of run past the deadline; may be empty
    std::size_t bytes = 0;           // memory the job holds until it finishes (counted against max_bytes)
    Clock::time_point deadline = Clock::time_point::max();
  };

  WorkerPool(std::size_t threads, std::size_t max_queued, std::size_t max_bytes = static_cast<std::size_t>(-1));
  ~WorkerPool();  // shutdown()
  void shutdown();  // runs what is queued (or expires it), then joins; submit() refuses from now on
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and job dropped) when max_queued jobs are already waiting, or the bytes of the jobs waiting
  // and running plus this one's would pass max_bytes.
  bool submit(Job job);
  bool submit(std::function<void()> run) { return submit(Job{std::move(run), {}, 0, Clock::time_point::max()}); }
  std::size_t threads() const { return workers_.size(); }
  std::size_t queued() const;
  std::size_t bytes() const;  // held by jobs waiting or running

 private:
  void run(std::stop_token stop);

  const std::size_t max_queued_, max_bytes_;
  mutable std::mutex mutex_;  // guards queue_, bytes_ and stopped_
  std::condition_variable_any ready_;
  std::deque<Job> queue_;
  std::size_t bytes_ = 0;
  bool stopped_ = false;
  std::vector<std::jthread> workers_;  // last: joined before the queue is destroyed
};

}  // namespace a11y::server
