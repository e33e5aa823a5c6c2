// SIGTERM/SIGINT handling shared by both binaries. Implemented in common/signals.cpp.
#pragma once
#include <chrono>

namespace po::signals {
// Blocks SIGTERM and SIGINT in the calling thread (call first in main, before starting threads, so every
// thread inherits the mask) and starts nothing; wait_for_shutdown() then returns the signal number.
void block_shutdown_signals();
int wait_for_shutdown();                                   // blocks until SIGTERM or SIGINT arrives
bool wait_for_shutdown(std::chrono::milliseconds timeout); // true when a signal arrived within timeout
}  // namespace po::signals
