// The client's TLS against a loopback TLS server with certificates made for the test (openssl CLI):
// only the configured CA is trusted, and tls-server-name is the name verified (issue 13 #12).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "po/kube/client.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A CA and a server certificate it signs, for one subjectAltName; made with the openssl command.
struct Pki {
  fs::path dir;
  explicit Pki(const std::string& tag) {
    dir = fs::temp_directory_path() / ("po-tls-test-" + std::to_string(::getpid()) + "-" + tag);
    fs::create_directories(dir);
  }
  ~Pki() { fs::remove_all(dir); }
  void make(const std::string& ca, const std::string& server, const std::string& san) {
    const auto d = dir.string();
    std::ofstream(d + "/" + server + ".ext") << "subjectAltName=" << san << "\n";
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    const std::string cmd =
        "cd " + d + " && openssl req -x509" + key + "-keyout " + ca + ".key -out " + ca + ".crt -subj /CN=" + ca +
        " -days 1 2>/dev/null && openssl req" + key + "-keyout " + server + ".key -out " + server +
        ".csr -subj /CN=" + server + " 2>/dev/null && openssl x509 -req -in " + server + ".csr -CA " + ca +
        ".crt -CAkey " + ca + ".key -CAcreateserial -out " + server + ".crt -days 1 -extfile " + server +
        ".ext 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  std::string pem(const std::string& name) const { return read(dir / name); }
};

// Answers every request on 127.0.0.1 with 200 {} over TLS, with the given certificate.
class TlsServer {
 public:
  TlsServer(const std::string& cert_pem, const std::string& key_pem)
      : ctx_(asio::ssl::context::tls_server), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain(asio::buffer(cert_pem));
    ctx_.use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        asio::ip::tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stop.stop_requested()) return;
        asio::ssl::stream<asio::ip::tcp::socket> tls(std::move(socket), ctx_);
        tls.handshake(asio::ssl::stream_base::server, ec);
        if (ec) continue;  // the client refused our certificate
        asio::streambuf request;
        asio::read_until(tls, request, "\r\n\r\n", ec);
        if (ec) continue;
        const std::string response =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        asio::write(tls, asio::buffer(response), ec);
        tls.shutdown(ec);
      }
    });
  }
  ~TlsServer() {
    thread_.request_stop();
    boost::system::error_code ec;
    asio::ip::tcp::socket wake(io_);
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
  }
  std::uint16_t port() const { return port_; }

 private:
  asio::io_context io_;
  asio::ssl::context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::jthread thread_;
};

po::kube::Config config_for(std::uint16_t port, const std::string& ca_pem) {
  po::kube::Config c;
  c.server = "https://127.0.0.1:" + std::to_string(port);
  c.ca_pem = ca_pem;
  c.token = "t";
  return c;
}

}  // namespace

TEST_CASE("tls-server-name is the name the server certificate is verified against (issue 13 #12)") {
  Pki pki("name");
  pki.make("ca", "apiserver", "DNS:kubernetes.test");
  TlsServer server(pki.pem("apiserver.crt"), pki.pem("apiserver.key"));
  auto config = config_for(server.port(), pki.pem("ca.crt"));
  {
    po::kube::Client client(config);
    CHECK_FALSE(client.request("GET", "/version").ok());  // the certificate is not for 127.0.0.1
  }
  config.tls_server_name = "kubernetes.test";
  po::kube::Client client(config);
  const auto r = client.request("GET", "/version");
  CHECK_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().to_string()));
}

TEST_CASE("with a CA configured, the system's trusted roots are not trusted (issue 13 #12)") {
  Pki pki("roots");
  pki.make("configured", "unused", "DNS:unused.test");
  pki.make("system", "apiserver", "IP:127.0.0.1");
  TlsServer server(pki.pem("apiserver.crt"), pki.pem("apiserver.key"));
  // OpenSSL's default verify paths honour SSL_CERT_FILE: the "system store" holds the server's CA.
  const char* before = std::getenv("SSL_CERT_FILE");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("SSL_CERT_FILE", (pki.dir / "system.crt").c_str(), 1);
  {
    po::kube::Client trusting_system(config_for(server.port(), ""));  // no CA configured: the system's roots
    CHECK(trusting_system.request("GET", "/version").ok());
    po::kube::Client client(config_for(server.port(), pki.pem("configured.crt")));
    CHECK_FALSE(client.request("GET", "/version").ok());
  }
  if (before != nullptr) ::setenv("SSL_CERT_FILE", saved.c_str(), 1);
  else ::unsetenv("SSL_CERT_FILE");
}
