// A plain-HTTP server on 127.0.0.1 that speaks just enough of the API server's list and watch for the
// watch-health tests, over raw sockets so it can do what a dead network does to a watch: send the response
// head and some events, then nothing, with the connection still open. Lists answer an empty list at
// resourceVersion "1". Watch number i (from 0) sends the event lines scripted for it, then goes silent
// until the client closes the connection or the server is destroyed. A script line "sleep" is no event:
// the server waits 600 ms there.
#pragma once
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace po::kube::testing {

class StallingWatchServer {
 public:
  explicit StallingWatchServer(std::vector<std::vector<std::string>> watch_scripts)
      : scripts_(std::move(watch_scripts)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 16) != 0)
      throw std::runtime_error("StallingWatchServer: cannot listen");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::jthread([this](std::stop_token stop) { accept_loop(stop); });
  }
  ~StallingWatchServer() {
    acceptor_.request_stop();
    acceptor_.join();
    std::vector<std::jthread> connections;
    {
      std::scoped_lock lock(mu_);
      connections.swap(connections_);
    }
    connections.clear();  // stops and joins (outside the lock, which the connections take)
    ::close(listener_);
  }
  StallingWatchServer(const StallingWatchServer&) = delete;
  StallingWatchServer& operator=(const StallingWatchServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int watches() const { return watches_.load(); }
  // Request targets in arrival order.
  std::vector<std::string> targets() const {
    std::scoped_lock lock(mu_);
    return targets_;
  }

 private:
  // Waits until fd is readable or stop is requested; false on stop.
  static bool wait_readable(int fd, const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 20);
      if (r > 0) return true;
      if (r < 0) return false;
    }
    return false;
  }
  static void send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }
  static std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
  }

  void accept_loop(std::stop_token stop) {
    while (wait_readable(listener_, stop)) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::scoped_lock lock(mu_);
      connections_.emplace_back([this, fd](std::stop_token s) { serve(fd, s); });
    }
  }

  void serve(int fd, std::stop_token stop) {
    // One request per connection is all a watch or a list needs here.
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (!wait_readable(fd, stop)) return (void)::close(fd);
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return (void)::close(fd);
      head.append(buf, static_cast<std::size_t>(n));
    }
    const auto line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const auto sp1 = request_line.find(' ');
    const std::string target = request_line.substr(sp1 + 1, request_line.rfind(' ') - sp1 - 1);
    {
      std::scoped_lock lock(mu_);
      targets_.push_back(target);
    }
    if (target.find("watch=true") == std::string::npos) {
      const std::string body = R"({"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]})";
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
    } else {
      const int index = watches_.fetch_add(1);
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      if (index < static_cast<int>(scripts_.size()))
        for (const auto& line : scripts_[static_cast<std::size_t>(index)]) {
          if (line == "sleep") {
            for (int i = 0; i < 60 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          } else {
            send_all(fd, chunk(line + "\n"));
          }
        }
    }
    // Then silence: hold the connection until the client closes it or the test ends.
    while (wait_readable(fd, stop)) {
      if (::recv(fd, buf, sizeof buf, 0) <= 0) break;
    }
    ::close(fd);
  }

  std::vector<std::vector<std::string>> scripts_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> watches_{0};
  mutable std::mutex mu_;  // guards targets_ and connections_
  std::vector<std::string> targets_;
  std::vector<std::jthread> connections_;
  std::jthread acceptor_;
};

}  // namespace po::kube::testing
