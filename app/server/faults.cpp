#include "server/faults.hpp"

namespace a11y::server {

bool fault_turn(std::uint64_t n, int percent) {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  const auto p = static_cast<std::uint64_t>(percent);
  return (n + 1) * p / 100 > n * p / 100;
}

Fault FaultInjector::decide(std::string_view path) {
  Fault f;
  if (!active() || path.rfind(config_.path_prefix, 0) != 0) return f;
  if (config_.error_percent > 0) f.fail = fault_turn(errors_seen_.fetch_add(1, std::memory_order_relaxed), config_.error_percent);
  if (config_.delay.count() > 0 && fault_turn(delays_seen_.fetch_add(1, std::memory_order_relaxed), config_.delay_percent))
    f.delay = config_.delay;
  return f;
}

}  // namespace a11y::server
