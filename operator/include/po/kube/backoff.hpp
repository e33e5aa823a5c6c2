// Backoff arithmetic (pure): the work queue's per-item backoff and the watch reconnect backoff.
#pragma once
#include <chrono>
#include <random>
#include <stop_token>

namespace po::kube {

using Millis = std::chrono::milliseconds;

// base * 2^attempt, capped at cap (attempt 0 = base); never overflows.
Millis exponential_backoff(int attempt, Millis base, Millis cap);
// d + d * jitter * unit_random, unit_random in [0, 1); jitter 1.0 = up to double.
Millis apply_jitter(Millis d, double jitter, double unit_random);

// Reconnect backoff for watches: 800 ms doubling to 30 s, jittered; back to the start after the
// connection was healthy for reset_after (2 min), so one blip after hours of quiet reconnects fast.
class ReconnectBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    Millis initial{800};
    Millis cap{30'000};
    double jitter = 1.0;
    std::chrono::seconds reset_after{120};
  };
  ReconnectBackoff() : ReconnectBackoff(Options{}) {}
  explicit ReconnectBackoff(Options options) : options_(options) {}

  // Delay before the next attempt after a failure at `now`; unit_random in [0, 1).
  Millis next(Clock::time_point now, double unit_random);
  int attempts() const { return attempt_; }

 private:
  Options options_;
  int attempt_ = 0;
  Clock::time_point last_failure_{};
};

// A process-wide thread-safe source of unit randoms in [0, 1).
double unit_random();

// Sleeps for d, waking early when stop is requested; false when stopping.
bool sleep_unless_stopped(Millis d, std::stop_token stop);

}  // namespace po::kube
