#include "po/runtime/workqueue.hpp"

#include "po/common/metrics.hpp"

namespace po::runtime {

namespace {
double seconds_since(WorkQueue::Clock::time_point t, WorkQueue::Clock::time_point now) {
  return std::chrono::duration<double>(now - t).count();
}
}  // namespace

WorkQueue::WorkQueue(Options options, QueueMetrics metrics) : options_(options), metrics_(metrics) {}

void WorkQueue::update_depth_locked() {
  if (metrics_.depth) metrics_.depth->set(static_cast<double>(queue_.size()));
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_) return;
  if (dirty_.contains(key)) return;
  dirty_.insert(key);
  if (metrics_.adds) metrics_.adds->inc();
  added_at_.emplace(key, Clock::now());
  if (processing_.contains(key)) return;  // queued again by done()
  queue_.push_back(key);
  update_depth_locked();
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::scoped_lock lock(mu_);
  add_locked(key);
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  std::scoped_lock lock(mu_);
  if (shutting_down_) return;
  if (delay <= std::chrono::milliseconds::zero()) {
    add_locked(key);
    return;
  }
  const auto when = Clock::now() + delay;
  if (auto it = waiting_at_.find(key); it != waiting_at_.end()) {
    if (it->second <= when) return;  // already due earlier
    auto range = waiting_.equal_range(it->second);
    for (auto w = range.first; w != range.second; ++w) {
      if (w->second == key) {
        waiting_.erase(w);
        break;
      }
    }
  }
  waiting_.emplace(when, key);
  waiting_at_[key] = when;
  cv_.notify_all();  // a sleeping get() may need to wake earlier
}

std::chrono::milliseconds WorkQueue::next_backoff(const std::string& key) const {
  std::scoped_lock lock(mu_);
  const auto it = failures_.find(key);
  return kube::exponential_backoff(it == failures_.end() ? 0 : it->second, options_.base_delay, options_.max_delay);
}

void WorkQueue::add_rate_limited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::scoped_lock lock(mu_);
    int& n = failures_[key];
    delay = kube::exponential_backoff(n, options_.base_delay, options_.max_delay);
    ++n;
    if (metrics_.retries) metrics_.retries->inc();
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::scoped_lock lock(mu_);
  failures_.erase(key);
}

int WorkQueue::num_requeues(const std::string& key) const {
  std::scoped_lock lock(mu_);
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promote_due_locked(Clock::time_point now) {
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    const std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    waiting_at_.erase(key);
    add_locked(key);
  }
}

std::optional<std::string> WorkQueue::pop_locked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  update_depth_locked();
  const auto now = Clock::now();
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    if (metrics_.queue_duration) metrics_.queue_duration->observe(seconds_since(it->second, now));
    added_at_.erase(it);
  }
  processing_.insert(key);
  started_at_[key] = now;
  dirty_.erase(key);
  return key;
}

std::optional<std::string> WorkQueue::get(std::stop_token stop) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutting_down_ || stop.stop_requested()) return std::nullopt;
    promote_due_locked(Clock::now());
    if (auto key = pop_locked()) return key;
    if (waiting_.empty()) {
      cv_.wait(lock, stop, [this] { return shutting_down_ || !queue_.empty() || !waiting_.empty(); });
    } else {
      const auto next = waiting_.begin()->first;
      cv_.wait_until(lock, stop, next, [this, next] {
        return shutting_down_ || !queue_.empty() || (!waiting_.empty() && waiting_.begin()->first < next);
      });
    }
  }
}

std::optional<std::string> WorkQueue::try_get() {
  std::scoped_lock lock(mu_);
  if (shutting_down_) return std::nullopt;
  promote_due_locked(Clock::now());
  return pop_locked();
}

void WorkQueue::done(const std::string& key) {
  std::scoped_lock lock(mu_);
  if (auto it = started_at_.find(key); it != started_at_.end()) {
    if (metrics_.work_duration) metrics_.work_duration->observe(seconds_since(it->second, Clock::now()));
    started_at_.erase(it);
  }
  processing_.erase(key);
  if (dirty_.contains(key) && !shutting_down_) {
    queue_.push_back(key);
    update_depth_locked();
  }
  cv_.notify_all();
}

void WorkQueue::shut_down() {
  std::scoped_lock lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::scoped_lock lock(mu_);
  return shutting_down_;
}

bool WorkQueue::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return processing_.empty(); });
}

std::size_t WorkQueue::len() const {
  std::scoped_lock lock(mu_);
  return queue_.size();
}

std::size_t WorkQueue::delayed() const {
  std::scoped_lock lock(mu_);
  return waiting_.size();
}

std::size_t WorkQueue::processing() const {
  std::scoped_lock lock(mu_);
  return processing_.size();
}

}  // namespace po::runtime
