// Test harness for the app tier: real PostgreSQL and Redis servers from the Debian packages, and the
// platform-api binary, all started on 127.0.0.1 ports chosen at run time, in a temporary directory.
// PostgreSQL refuses to run as root, so as root the data directory belongs to the `postgres` user and
// the server runs under setpriv with that user's ids.
#pragma once
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "../unit/common/http_test_client.hpp"

namespace apptest {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Polls pred until it holds or the deadline passes; returns the last result.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds deadline = 60s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(50ms);
  }
}

inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_accepts(std::uint16_t port) {
  try {
    po::testing::TestConnection c(port);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "po-apptest-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A child process with its own environment; output goes to a log file. Killed (SIGKILL) if still running
// when destroyed.
class Process {
 public:
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env, fs::path log, bool inherit_env = true)
      : log_(std::move(log)) {
    std::vector<std::string> envs;
    if (inherit_env) {
      for (char** e = environ; *e; ++e) {
        const std::string kv = *e;
        if (!env.count(kv.substr(0, kv.find('=')))) envs.push_back(kv);
      }
    }
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    // Everything the child needs is built before fork: the test process has threads, so the child may
    // only make async-signal-safe calls.
    std::vector<char*> a, e;
    for (auto& s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execve(a[0], a.data(), e.data());
      ::_exit(127);
    }
  }
  ~Process() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool running() {
    if (exited_) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      record(status);
      return false;
    }
    return true;
  }
  void signal(int sig) {
    if (!exited_) ::kill(pid_, sig);
  }
  int wait() {
    if (!exited_) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      record(status);
    }
    return exit_code_;
  }
  // Exit code, or nullopt if still running at the deadline.
  std::optional<int> wait_for(std::chrono::milliseconds deadline) {
    if (!eventually([&] { return !running(); }, deadline)) return std::nullopt;
    return exit_code_;
  }
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  void record(int status) {
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  pid_t pid_ = -1;
  fs::path log_;
  bool exited_ = false;
  int exit_code_ = -1;
};

// Runs argv to completion, returning its exit code (output in log).
inline int run(std::vector<std::string> argv, const fs::path& log) {
  Process p(std::move(argv), {}, log);
  return p.wait();
}

inline std::vector<std::string> as_postgres_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

class Postgres {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

  explicit Postgres(const fs::path& dir) : dir_(dir / "pg"), port_(free_port()) {
    fs::create_directories(dir_);
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) throw std::runtime_error("running as root needs a postgres user");
      // The parent directories must be traversable by postgres too.
      for (fs::path p = dir_; p != p.root_path(); p = p.parent_path()) {
        if (p == dir_ || p == dir) {
          if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown failed");
        }
      }
    }
    const int rc = run(as_postgres_user({std::string(kBin) + "/initdb", "-D", (dir_ / "data").string(), "-U", "postgres",
                                         "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"}),
                       dir / "initdb.log");
    if (rc != 0) throw std::runtime_error("initdb failed, see " + (dir / "initdb.log").string());
    start();
  }
  ~Postgres() { stop(); }

  void start() {
    process_ = std::make_unique<Process>(
        as_postgres_user({std::string(kBin) + "/postgres", "-D", (dir_ / "data").string(), "-p", std::to_string(port_),
                          "-k", dir_.string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                          "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"}),
        std::map<std::string, std::string>{}, dir_ / "postgres.log");
    // Accepting TCP connections is not enough: until recovery finishes the server answers
    // "the database system is starting up"; wait for a session to succeed.
    const std::string conninfo = url() + "?connect_timeout=2";
    const auto takes_sessions = [&] {
      try {
        pqxx::connection c(conninfo);
        return true;
      } catch (const std::exception&) {
        return false;
      }
    };
    if (!eventually([&] { return takes_sessions() || !process_->running(); }, 60s) ||
        !process_->running()) {
      throw std::runtime_error("postgres did not start: " + process_->log());
    }
  }
  // Fast shutdown (SIGINT): clients are disconnected, like a database going away.
  void stop() {
    if (!process_) return;
    process_->signal(SIGINT);
    if (!process_->wait_for(60s)) process_->signal(SIGKILL);
    process_->wait();
    process_.reset();
  }
  std::string url(const std::string& db = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  std::uint16_t port() const { return port_; }

 private:
  fs::path dir_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

class Redis {
 public:
  explicit Redis(const fs::path& dir) : dir_(dir), port_(free_port()) { start(); }
  ~Redis() { stop(); }
  void start() {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                 "--save", "", "--appendonly", "no", "--dir", dir_.string()},
        std::map<std::string, std::string>{}, dir_ / "redis.log");
    if (!eventually([&] { return port_accepts(port_) || !process_->running(); }, 30s) || !process_->running()) {
      throw std::runtime_error("redis did not start: " + process_->log());
    }
  }
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    if (!process_->wait_for(30s)) process_->signal(SIGKILL);
    process_->wait();
    process_.reset();
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

 private:
  fs::path dir_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

// One request on a fresh connection.
inline HttpResult http(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {}, std::map<std::string, std::string> headers = {}) {
  po::testing::TestConnection c(port);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n";
  c.send(req);
  c.send(body);  // may fail when the server rejects early (413); the response still arrives
  const auto r = c.read_response(60s);
  if (!r) throw std::runtime_error("no response to " + method + " " + target);
  return {r->status, r->headers, r->body};
}

// The platform-api binary under test.
class ApiServer {
 public:
  ApiServer(const fs::path& dir, std::map<std::string, std::string> env, const std::string& name = "api")
      : port_(free_port()) {
    env["PORT"] = std::to_string(port_);
    env.emplace("BIND_ADDRESS", "127.0.0.1");
    env.emplace("HTTP_THREADS", "4");
    process_ = std::make_unique<Process>(std::vector<std::string>{PO_PLATFORM_API_BIN, "--log-format", "json"}, env,
                                         dir / (name + ".log"));
    if (!eventually([&] { return port_accepts(port_) || !process_->running(); }, 60s) || !process_->running()) {
      throw std::runtime_error("platform-api did not start: " + process_->log());
    }
  }
  ~ApiServer() {
    if (process_) {
      process_->signal(SIGTERM);
      if (!process_->wait_for(30s)) process_->signal(SIGKILL);
    }
  }
  std::uint16_t port() const { return port_; }
  Process& process() { return *process_; }
  bool wait_ready(std::chrono::milliseconds deadline = 60s) {
    return eventually([&] { return http(port_, "GET", "/health/ready").status == 200; }, deadline);
  }

 private:
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

}  // namespace apptest
