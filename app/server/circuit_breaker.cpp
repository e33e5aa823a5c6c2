#include "server/circuit_breaker.hpp"

namespace a11y::server {

bool CircuitBreaker::allow(Clock::time_point now) {
  std::scoped_lock lock(mutex_);
  if (!open_) return true;
  if (now - opened_at_ < open_for_ || trial_in_flight_) return false;
  trial_in_flight_ = true;  // half-open: exactly one trial
  return true;
}

void CircuitBreaker::record_success() {
  std::scoped_lock lock(mutex_);
  failures_ = 0;
  open_ = false;
  trial_in_flight_ = false;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  std::scoped_lock lock(mutex_);
  ++failures_;
  if (trial_in_flight_ || failures_ >= threshold_) {
    open_ = true;
    opened_at_ = now;
  }
  trial_in_flight_ = false;
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) const {
  std::scoped_lock lock(mutex_);
  if (!open_) return State::Closed;
  return now - opened_at_ < open_for_ && !trial_in_flight_ ? State::Open : State::HalfOpen;
}

std::string_view to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::Closed: return "closed";
    case CircuitBreaker::State::Open: return "open";
    case CircuitBreaker::State::HalfOpen: return "half-open";
  }
  return "unknown";
}

}  // namespace a11y::server
