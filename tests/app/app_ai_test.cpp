// The AI client against providers on loopback that misbehave at the socket level: one that trickles its
// answer (each read gets a byte, so no per-operation timeout ever fires), one that answers garbage, one that
// fails. No database: these exercise AiClient itself.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "harness.hpp"
#include "server/ai_client.hpp"

using namespace apptest;
using a11y::server::AiClient;
using a11y::server::AiOutcome;
using a11y::server::CircuitBreaker;

namespace {

// A loopback HTTP server that reads each request whole, then hands the connection to `answer`, which writes
// whatever it likes and may watch `stopping()`. One connection at a time, on its own thread.
class RawProvider {
 public:
  using Answer = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  explicit RawProvider(Answer answer) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RawProvider() {
    stopping_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_; }

  static void write_all(int fd, const std::string& data) {
    for (std::size_t at = 0; at < data.size();) {
      const auto n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return;
      at += static_cast<std::size_t>(n);
    }
  }
  static std::string response(int status, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }

 private:
  void serve() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      if (read_request(c)) {
        ++requests_;
        answer_(c, stopping_);
      }
      ::close(c);
    }
  }
  bool read_request(int c) {
    std::string in;
    char buf[4096];
    std::size_t need = std::string::npos;
    while (!stopping_ && (need == std::string::npos || in.size() < need)) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<std::size_t>(n));
      const auto end = in.find("\r\n\r\n");
      if (need == std::string::npos && end != std::string::npos) {
        std::size_t length = 0;
        std::string lower = in.substr(0, end);
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (const auto at = lower.find("content-length:"); at != std::string::npos) {
          length = std::stoul(lower.substr(at + 15));
        }
        need = end + 4 + length;
      }
    }
    return !stopping_;
  }

  Answer answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

a11y::server::Config provider_at(std::uint16_t port, std::chrono::milliseconds timeout) {
  a11y::server::Config c;
  c.ai_provider = a11y::server::AiProvider::OpenAi;
  c.ai_api_key = "k";
  c.ai_base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  c.ai_model = "m";
  c.ai_timeout = timeout;
  return c;
}

const std::vector<a11y::server::SuggestionInput> kFindings = {{"image-alt", "no alt", "img", "<img src=a.png>"}};

}  // namespace

TEST_SUITE("ai") {
  TEST_CASE("a provider that trickles its answer is cut off at the whole-call deadline") {
    // Headers at once, then one byte of the body every 100 ms for 10 s: every read gets data well within
    // the 500 ms timeout, so only a deadline on the whole call ends it.
    RawProvider provider([](int fd, const std::atomic<bool>& stopping) {
      const std::string body(100, ' ');
      RawProvider::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n");
      for (std::size_t i = 0; i < body.size() && !stopping; ++i) {
        RawProvider::write_all(fd, " ");
        std::this_thread::sleep_for(100ms);
      }
    });
    AiClient client(provider_at(provider.port(), 500ms));
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = client.suggest(kFindings);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(r.outcome == AiOutcome::UpstreamError);
    CHECK(r.error.find("deadline") != std::string::npos);
    CHECK(took < 1500ms);
    CHECK(provider.requests() == 1);
  }

  TEST_CASE("answers that cannot be read do not open the circuit; failures to answer do") {
    std::atomic<int> mode{0};
    RawProvider provider([&](int fd, const std::atomic<bool>&) {
      switch (mode.load()) {
        case 0: return RawProvider::write_all(fd, RawProvider::response(200, "<html>a proxy's page</html>"));
        case 1: return RawProvider::write_all(fd, RawProvider::response(200, R"({"choices":[]})"));
        case 2:
          return RawProvider::write_all(
              fd, RawProvider::response(200, R"({"choices":[{"message":{"content":"I would rather not."}}]})"));
        default: return RawProvider::write_all(fd, RawProvider::response(500, "{}"));
      }
    });
    AiClient client(provider_at(provider.port(), 2000ms));
    for (int m = 0; m < 3; ++m) {
      mode = m;
      for (int i = 0; i < 6; ++i) {
        const auto r = client.suggest(kFindings);
        CHECK(r.outcome == AiOutcome::BadOutput);
        CHECK(!r.error.empty());
      }
      CHECK(client.circuit_state() == CircuitBreaker::State::Closed);
    }
    CHECK(provider.requests() == 18);
    mode = 3;  // HTTP 500: the provider is failing, five in a row open the circuit
    for (int i = 0; i < 5; ++i) CHECK(client.suggest(kFindings).outcome == AiOutcome::UpstreamError);
    CHECK(client.suggest(kFindings).outcome == AiOutcome::CircuitOpen);
    CHECK(provider.requests() == 23);
  }
}
