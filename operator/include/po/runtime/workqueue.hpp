// A rate-limited work queue of object keys, with client-go's semantics:
// - a key waiting in the queue is there once, however often it is added (dedup);
// - a key being processed is never handed to a second worker; an add during processing is held
//   back and queued again when done() is called;
// - add_rate_limited() delays by a per-key exponential backoff (5 ms doubling to 1000 s), forget() resets it;
// - add_after() delays a key; an earlier add_after of the same key wins.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "po/kube/backoff.hpp"

namespace po::metrics {
class Gauge;
class Counter;
class Histogram;
}  // namespace po::metrics

namespace po::runtime {

struct QueueMetrics {  // any may be null
  metrics::Gauge* depth = nullptr;
  metrics::Counter* adds = nullptr;
  metrics::Counter* retries = nullptr;
  metrics::Histogram* queue_duration = nullptr;  // seconds from add to get
  metrics::Histogram* work_duration = nullptr;   // seconds from get to done
};

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::milliseconds base_delay{5};
    std::chrono::milliseconds max_delay{1'000'000};
  };
  WorkQueue() : WorkQueue(Options{}) {}
  explicit WorkQueue(Options options, QueueMetrics metrics = {});

  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  void add_rate_limited(const std::string& key);  // add_after(backoff(key)); counts a retry
  void forget(const std::string& key);             // success: reset the key's backoff
  int num_requeues(const std::string& key) const;
  std::chrono::milliseconds next_backoff(const std::string& key) const;  // what add_rate_limited would wait

  // Blocks until a key is ready, the queue shuts down, or stop is requested (then nullopt).
  std::optional<std::string> get(std::stop_token stop = {});
  // Non-blocking variant for tests and draining.
  std::optional<std::string> try_get();
  void done(const std::string& key);

  // Stop handing out work: get() returns nullopt; keys being processed may still call done().
  void shut_down();
  bool shutting_down() const;
  // Waits until no key is being processed (or the timeout passes); true when idle.
  bool wait_idle(std::chrono::milliseconds timeout);

  std::size_t len() const;          // keys ready to be handed out
  std::size_t delayed() const;      // keys waiting for their time
  std::size_t processing() const;

 private:
  void add_locked(const std::string& key);
  void promote_due_locked(Clock::time_point now);
  std::optional<std::string> pop_locked();
  void update_depth_locked();

  Options options_;
  QueueMetrics metrics_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable_any cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // queued or to be re-queued on done
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, Clock::time_point> added_at_;
  std::unordered_map<std::string, Clock::time_point> started_at_;
  std::multimap<Clock::time_point, std::string> waiting_;          // add_after
  std::unordered_map<std::string, Clock::time_point> waiting_at_;  // key -> its time in waiting_
  std::unordered_map<std::string, int> failures_;
  bool shutting_down_ = false;
};

}  // namespace po::runtime
