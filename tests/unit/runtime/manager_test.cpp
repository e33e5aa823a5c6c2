#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "po/kube/config.hpp"
#include "po/runtime/manager.hpp"

using namespace po::runtime;

namespace {
// A listening socket on 127.0.0.1 holding a port, closed on destruction.
struct HeldPort {
  int fd = -1;
  std::uint16_t port = 0;
  HeldPort() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~HeldPort() { close(fd); }
};

po::kube::Config unreachable_cluster() {
  po::kube::Config c;
  c.server = "https://127.0.0.1:1";
  c.token = "t";
  return c;
}
}  // namespace

TEST_CASE("a busy metrics or probe port ends run() with a start-up error, not an exception (issue 13 #14)") {
  HeldPort busy;
  const auto address = "127.0.0.1:" + std::to_string(busy.port);
  SUBCASE("metrics") {
    ManagerOptions o;
    o.metrics_bind_address = address;
    o.health_probe_bind_address = "0";
    Manager m(o, unreachable_cluster());
    int code = 0;
    CHECK_NOTHROW(code = m.run());
    CHECK(code == 2);
  }
  SUBCASE("probes") {
    ManagerOptions o;
    o.metrics_bind_address = "0";
    o.health_probe_bind_address = address;
    Manager m(o, unreachable_cluster());
    int code = 0;
    CHECK_NOTHROW(code = m.run());
    CHECK(code == 2);
  }
}
