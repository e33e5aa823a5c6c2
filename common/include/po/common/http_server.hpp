// Contract for the one HTTP server both binaries use (Boost.Beast). Implemented in common/http_server.cpp.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace po::http {

struct Request {
  std::string method;        // "GET", "POST", ...
  std::string target;        // raw request target, e.g. "/api/v1/audits?limit=10"
  std::string path;          // target without the query string
  std::string query;         // text after '?', without it
  std::map<std::string, std::string, std::less<>> headers;  // lower-cased names
  std::string body;
  std::string remote_address;
  std::string request_id;    // from X-Request-Id or generated

  std::string_view header(std::string_view lower_name) const;  // "" when absent
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::map<std::string, std::string, std::less<>> headers;
  std::string body;
};

using Handler = std::function<Response(const Request&)>;
// Completes one request; callable from any thread, at most once (a second call is ignored).
using Responder = std::function<void(Response)>;
// A handler that must not block the I/O threads: it may hand the request to other threads and answer
// later through the responder. A responder dropped without being called answers 500.
using AsyncHandler = std::function<void(Request, Responder)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;                 // 0 = pick a free port (see HttpServer::port())
  unsigned threads = 0;                   // 0 = std::thread::hardware_concurrency()
  std::size_t body_limit = 1 << 20;       // larger bodies get 413 with a JSON error
  std::chrono::milliseconds header_timeout{10'000};  // whole request head must arrive in this time
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive connection idle limit
  std::chrono::milliseconds drain_timeout{30'000};   // graceful stop waits this long for in-flight requests
  std::chrono::milliseconds body_timeout{30'000};    // body read and response write must finish in this time
  // 0 = no cap. Past max_connections open connections, a new one is answered 503 and closed.
  std::size_t max_connections = 0;
  // 0 = no cap. Bytes of request bodies being read or handled and of responses being written, over all
  // connections: a request whose Content-Length (or, chunked, body_limit) does not fit is answered 503
  // before its body is read, so memory for bodies is bounded by bytes, whatever the number of clients.
  // Responses are charged as they are written (they may push the total past the cap; new bodies wait).
  std::size_t max_inflight_body_bytes = 0;
};

// Routes requests to one handler; the handler must not throw (a throw becomes a 500 JSON error).
class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);       // runs handler on the I/O threads
  HttpServer(ServerOptions options, AsyncHandler handler);  // handler is called on an I/O thread
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();                  // binds and starts the worker threads; throws on bind failure
  void stop();                   // stops accepting, drains in-flight requests (drain_timeout), joins
  // Before stop(), while still serving: every response from now on says `Connection: close` and the
  // connection is closed after it, so keep-alive clients (a proxy's upstream pool) open new connections
  // elsewhere instead of sending a request on a connection that stop() closes under it.
  void close_after_responses();
  std::uint16_t port() const;    // the bound port

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// JSON error body used by every server: {"error":{"code":...,"message":...,"requestId":...}}
Response json_error(int status, std::string_view code, std::string_view message, std::string_view request_id);

// A fresh random request id (32 hex digits); the server uses it when X-Request-Id is absent or unusable.
std::string new_request_id();
// True for an X-Request-Id the server propagates as is: 1..128 chars of [A-Za-z0-9._:-].
bool valid_request_id(std::string_view id);

}  // namespace po::http
