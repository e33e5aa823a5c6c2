#include "po/common/signals.hpp"

#include <csignal>
#include <ctime>
#include <pthread.h>

namespace po::signals {
namespace {
sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void block_shutdown_signals() {
  const sigset_t set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing a socket must not kill the process
}

int wait_for_shutdown() {
  const sigset_t set = shutdown_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

bool wait_for_shutdown(std::chrono::milliseconds timeout) {
  const sigset_t set = shutdown_set();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec ts{static_cast<time_t>(secs.count()),
                    static_cast<long>(std::chrono::nanoseconds(timeout - secs).count())};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}
}  // namespace po::signals
