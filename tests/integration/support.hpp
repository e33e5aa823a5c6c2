// Shared helpers for the integration tests: the envtest kubeconfig, a namespace per test, polling, processes.
#pragma once
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "po/kube/client.hpp"

namespace it {

using namespace std::chrono_literals;
using nlohmann::json;

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
inline std::string kubeconfig_path() { return env("PO_ENVTEST_DIR") + "/kubeconfig"; }
inline po::kube::Config config() { return po::kube::load_kubeconfig(kubeconfig_path()); }

// Polls until pred holds or the deadline passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds deadline = 30s, std::chrono::milliseconds every = 50ms) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

// A namespace of its own for one test case, deleted afterwards.
class TestNamespace {
 public:
  TestNamespace(po::kube::Client& client, const std::string& prefix) : client_(client) {
    name_ = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++);
    auto r = client_.create(po::kube::resources::kNamespaces, "",
                            {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}});
    if (!r) throw std::runtime_error("creating namespace " + name_ + ": " + r.error().to_string());
  }
  ~TestNamespace() { client_.remove(po::kube::resources::kNamespaces, "", name_); }
  const std::string& name() const { return name_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  po::kube::Client& client_;
  std::string name_;
};

inline json configmap(const std::string& ns, const std::string& name, json data = json::object()) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}}, {"data", data}};
}

// Runs a function when the scope ends (also when a REQUIRE throws), e.g. to stop a manager before joining it.
class OnExit {
 public:
  explicit OnExit(std::function<void()> f) : f_(std::move(f)) {}
  ~OnExit() { f_(); }
  OnExit(const OnExit&) = delete;
  OnExit& operator=(const OnExit&) = delete;

 private:
  std::function<void()> f_;
};

// A child process, killed (SIGKILL) and reaped when the handle goes away, so failures leave nothing behind.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    if (posix_spawn(&pid_, args[0], nullptr, &attr, args.data(), environ) != 0) pid_ = -1;
    posix_spawnattr_destroy(&attr);
    if (pid_ <= 0) throw std::runtime_error("cannot start " + argv[0]);
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) { ::kill(pid_, sig); }
  // Waits up to timeout for the exit; returns the exit code, or -1 on timeout / death by signal.
  int wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
    return !exited_;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace it
