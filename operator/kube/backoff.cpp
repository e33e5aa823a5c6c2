#include "po/kube/backoff.hpp"

#include <condition_variable>
#include <mutex>

namespace po::kube {

Millis exponential_backoff(int attempt, Millis base, Millis cap) {
  if (attempt < 0) attempt = 0;
  if (base <= Millis::zero()) return Millis::zero();
  Millis d = base;
  for (int i = 0; i < attempt; ++i) {
    if (d >= cap / 2) return cap;
    d *= 2;
  }
  return d < cap ? d : cap;
}

Millis apply_jitter(Millis d, double jitter, double unit_random) {
  if (jitter <= 0.0) return d;
  return d + Millis(static_cast<Millis::rep>(static_cast<double>(d.count()) * jitter * unit_random));
}

Millis ReconnectBackoff::next(Clock::time_point now, double unit_random) {
  if (attempt_ > 0 && now - last_failure_ >= options_.reset_after) attempt_ = 0;
  last_failure_ = now;
  const Millis base = exponential_backoff(attempt_, options_.initial, options_.cap);
  ++attempt_;
  return apply_jitter(base, options_.jitter, unit_random);
}

double unit_random() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::scoped_lock lock(mu);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

bool sleep_unless_stopped(Millis d, std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace po::kube
