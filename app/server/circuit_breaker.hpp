// Circuit breaker for the AI provider: after `threshold` consecutive failures the circuit opens and calls
// are refused for `open_for`; then one trial call is let through (half-open) and its result decides.
// Pure state machine with the clock passed in, so it is tested without sleeping.
#pragma once
#include <chrono>
#include <mutex>
#include <string_view>

namespace a11y::server {

class CircuitBreaker {
 public:
  enum class State { Closed, Open, HalfOpen };
  using Clock = std::chrono::steady_clock;

  CircuitBreaker(int threshold, Clock::duration open_for) : threshold_(threshold), open_for_(open_for) {}

  bool allow(Clock::time_point now);  // false: refuse the call without trying
  void record_success();
  void record_failure(Clock::time_point now);
  State state(Clock::time_point now) const;

 private:
  const int threshold_;
  const Clock::duration open_for_;
  mutable std::mutex mutex_;  // guards the fields below
  int failures_ = 0;
  bool open_ = false;
  bool trial_in_flight_ = false;
  Clock::time_point opened_at_{};
};

std::string_view to_string(CircuitBreaker::State);

}  // namespace a11y::server
