// Polling with a deadline for the runtime unit tests (no sleep-and-hope).
#pragma once
#include <chrono>
#include <thread>

namespace po::runtime::testing {
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}
}  // namespace po::runtime::testing
