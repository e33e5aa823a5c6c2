// Fault injection for tests of the monitoring and rollout machinery (off by default). From the
// environment (the Platform's spec.api.env sets it on a running api):
//   FAULT_ERROR_PERCENT  0-100  share of matching requests answered 500 {"code":"fault_injected"}
//   FAULT_DELAY_MS       0-60000 delay added to matching requests (they wait on a worker thread)
//   FAULT_DELAY_PERCENT  0-100  share of matching requests delayed (default 100)
//   FAULT_PATH_PREFIX    which paths match (default /api/v1/); health checks and /metrics never match
// The shares are exact and deterministic (every request's turn is counted), not random, so that a test
// knows what the error ratio will be.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace a11y::server {

struct FaultConfig {
  int error_percent = 0;
  std::chrono::milliseconds delay{0};
  int delay_percent = 100;
  std::string path_prefix = "/api/v1/";
};

struct Fault {
  bool fail = false;
  std::chrono::milliseconds delay{0};
};

class FaultInjector {
 public:
  explicit FaultInjector(FaultConfig config) : config_(std::move(config)) {}
  bool active() const { return config_.error_percent > 0 || (config_.delay.count() > 0 && config_.delay_percent > 0); }
  const FaultConfig& config() const { return config_; }
  Fault decide(std::string_view path);  // thread-safe

 private:
  FaultConfig config_;
  std::atomic<std::uint64_t> errors_seen_{0};
  std::atomic<std::uint64_t> delays_seen_{0};
};

// True when request number n (from 0) is one of the `percent` per hundred picked: the picks are spread
// evenly, floor((n+1)p/100) - floor(np/100) of them at step n.
bool fault_turn(std::uint64_t n, int percent);

}  // namespace a11y::server
