#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <memory>
#include <vector>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "http_test_client.hpp"
#include "po/common/http_server.hpp"

using namespace std::chrono_literals;
using po::testing::TestConnection;

namespace {

po::http::ServerOptions test_options() {
  po::http::ServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.body_limit = 1024;
  return o;
}

po::http::Response echo(const po::http::Request& req) {
  if (req.path == "/throw") throw std::runtime_error("boom");
  if (req.path != "/echo") return po::http::json_error(404, "not_found", "no route for " + req.path, req.request_id);
  nlohmann::json j = {{"method", req.method}, {"path", req.path},     {"query", req.query},
                      {"body", req.body},     {"id", req.request_id}, {"remote", req.remote_address},
                      {"x-test", std::string(req.header("x-test"))}};
  return {200, "application/json", {{"X-Extra", "1"}}, j.dump()};
}

nlohmann::json error_of(const po::testing::ParsedResponse& r) { return nlohmann::json::parse(r.body).at("error"); }

}  // namespace

TEST_CASE("http server: keep-alive serves several requests on one connection and parses the request") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  REQUIRE(server.port() != 0);
  TestConnection c(server.port());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send("POST /echo?a=1&b=2 HTTP/1.1\r\nHost: x\r\nX-Test: v" + std::to_string(i) +
                   "\r\nContent-Length: 5\r\n\r\nhello"));
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->headers.at("content-type") == "application/json");
    CHECK(r->headers.at("x-extra") == "1");
    const auto j = nlohmann::json::parse(r->body);
    CHECK(j["method"] == "POST");
    CHECK(j["path"] == "/echo");
    CHECK(j["query"] == "a=1&b=2");
    CHECK(j["body"] == "hello");
    CHECK(j["x-test"] == "v" + std::to_string(i));
    CHECK(j["remote"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
    CHECK(r->headers.at("x-request-id") == j["id"]);
  }
  // Pipelined requests in one write are answered in order.
  REQUIRE(c.send("GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(nlohmann::json::parse(c.read_response()->body)["query"] == "n=1");
  CHECK(nlohmann::json::parse(c.read_response()->body)["query"] == "n=2");
}

TEST_CASE("http server: X-Request-Id is propagated when usable and generated otherwise") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  TestConnection c(server.port());
  REQUIRE(c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n\r\n"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->headers.at("x-request-id") == "abc-123");
  CHECK(nlohmann::json::parse(r->body)["id"] == "abc-123");

  std::set<std::string> generated;
  for (const char* bad : {"", "X-Request-Id: has space\r\n", "X-Request-Id: \"quoted\"\r\n"}) {
    REQUIRE(c.send(std::string("GET /echo HTTP/1.1\r\nHost: x\r\n") + bad + "\r\n"));
    r = c.read_response();
    REQUIRE(r);
    const auto id = r->headers.at("x-request-id");
    CHECK(id.size() == 32);
    CHECK(po::http::valid_request_id(id));
    generated.insert(id);
  }
  CHECK(generated.size() == 3);
}

TEST_CASE("http server: bodies over the limit get 413 JSON, by Content-Length and by chunked length") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  {
    TestConnection c(server.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: big-1\r\nContent-Length: 2000\r\n\r\n"));
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(error_of(*r)["code"] == "payload_too_large");
    CHECK(error_of(*r)["requestId"] == "big-1");
    CHECK(r->headers.at("connection") == "close");
    CHECK(c.closed_by_peer_within(10s));
  }
  {
    TestConnection c(server.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk(600, 'a');
    REQUIRE(c.send("258\r\n" + chunk + "\r\n"));
    c.send("258\r\n" + chunk + "\r\n0\r\n\r\n");  // the server may already have closed
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(error_of(*r)["code"] == "payload_too_large");
  }
  {  // exactly at the limit is fine
    TestConnection c(server.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'b')));
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("http server: Expect 100-continue gets an interim response before the body is sent") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  TestConnection c(server.port());
  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  const auto interim = c.read_response();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(c.send("abc"));
  const auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(nlohmann::json::parse(r->body)["body"] == "abc");
}

TEST_CASE("http server: handler errors are JSON; a throwing handler is a 500 and the connection lives on") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  TestConnection c(server.port());
  REQUIRE(c.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(error_of(*r)["code"] == "not_found");
  CHECK(error_of(*r)["requestId"] == r->headers.at("x-request-id"));

  REQUIRE(c.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(error_of(*r)["code"] == "internal");
  CHECK(error_of(*r)["message"] == "internal server error");  // no internals leak to the client

  REQUIRE(c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("http server: a malformed request gets 400 JSON and the connection is closed") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  TestConnection c(server.port());
  REQUIRE(c.send("GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"));
  const auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(error_of(*r)["code"] == "bad_request");
  CHECK(c.closed_by_peer_within(10s));
}

TEST_CASE("http server: HEAD gets headers without a body") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  TestConnection c(server.port());
  c.expect_head_only(true);
  REQUIRE(c.send("HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(std::stoul(r->headers.at("content-length")) > 0);
  c.expect_head_only(false);
  REQUIRE(c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));  // the next response starts right after the head
  const auto next = c.read_response();
  REQUIRE(next);
  CHECK(next->status == 200);
}

TEST_CASE("http server: a slowloris client is cut off at the header timeout and holds no worker") {
  auto opts = test_options();
  opts.threads = 1;
  opts.header_timeout = 300ms;
  po::http::HttpServer server(opts, echo);
  server.start();

  TestConnection slow(server.port());
  REQUIRE(slow.send("GET /echo HTTP/1.1\r\n"));
  // While the slow client dribbles, the single worker still serves others.
  TestConnection fast(server.port());
  REQUIRE(fast.send("GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const auto r = fast.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);

  // Drip one header byte at a time; the deadline is fixed from the accept, so the server must close.
  bool closed = false;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!closed && std::chrono::steady_clock::now() < give_up) {
    if (!slow.send("X")) {
      closed = true;
      break;
    }
    closed = slow.closed_by_peer_within(50ms);
  }
  CHECK(closed);

  // A connection that never sends a byte is closed too.
  TestConnection silent(server.port());
  CHECK(silent.closed_by_peer_within(20s));
}

TEST_CASE("http server: an idle keep-alive connection is closed after the idle timeout") {
  auto opts = test_options();
  opts.idle_timeout = 200ms;
  po::http::HttpServer server(opts, echo);
  server.start();
  TestConnection c(server.port());
  REQUIRE(c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(c.read_response());
  CHECK(c.closed_by_peer_within(20s));
}

TEST_CASE("http server: stop() drains an in-flight request and closes idle connections") {
  std::mutex m;
  std::condition_variable cv;
  bool entered = false, release = false;
  auto handler = [&](const po::http::Request& req) {
    if (req.path == "/slow") {
      std::unique_lock lk(m);
      entered = true;
      cv.notify_all();
      cv.wait(lk, [&] { return release; });
    }
    return po::http::Response{200, "text/plain", {}, "done " + req.path};
  };
  po::http::HttpServer server(test_options(), handler);
  server.start();

  TestConnection idle(server.port());
  REQUIRE(idle.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(idle.read_response());

  TestConnection busy(server.port());
  REQUIRE(busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  {
    std::unique_lock lk(m);
    REQUIRE(cv.wait_for(lk, 20s, [&] { return entered; }));
  }
  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  CHECK(idle.closed_by_peer_within(20s));  // idle keep-alive connections are closed at once
  CHECK(stopped.wait_for(0ms) == std::future_status::timeout);  // still draining the slow request
  {
    std::scoped_lock lk(m);
    release = true;
  }
  cv.notify_all();
  const auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "done /slow");
  CHECK(r->headers.at("connection") == "close");
  CHECK(stopped.wait_for(20s) == std::future_status::ready);
}

TEST_CASE("http server: after close_after_responses() each response says Connection: close and the connection ends") {
  po::http::HttpServer server(test_options(), echo);
  server.start();
  TestConnection kept(server.port());
  REQUIRE(kept.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto before = kept.read_response();
  REQUIRE(before);
  CHECK(before->headers.count("connection") == 0);  // HTTP/1.1 keep-alive by default
  server.close_after_responses();
  // A connection kept alive before still gets its next request answered, then is closed: the client
  // learns it from the response, never by a close racing its next request.
  REQUIRE(kept.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto r = kept.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->headers.at("connection") == "close");
  CHECK(kept.closed_by_peer_within(20s));
  // New connections are still accepted and served (until stop()), one request each.
  TestConnection fresh(server.port());
  REQUIRE(fresh.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto f = fresh.read_response();
  REQUIRE(f);
  CHECK(f->status == 200);
  CHECK(f->headers.at("connection") == "close");
  server.stop();
}

TEST_CASE("http server: bind failure throws from start()") {
  po::http::HttpServer first(test_options(), echo);
  first.start();
  auto opts = test_options();
  opts.port = first.port();
  po::http::HttpServer second(opts, echo);
  CHECK_THROWS(second.start());
}

TEST_CASE("json_error has the shared shape and survives invalid UTF-8 in the message") {
  const auto r = po::http::json_error(422, "invalid_input", "bad byte \xff here", "rid");
  CHECK(r.status == 422);
  CHECK(r.content_type == "application/json");
  const auto j = nlohmann::json::parse(r.body);
  CHECK(j["error"]["code"] == "invalid_input");
  CHECK(j["error"]["requestId"] == "rid");
  CHECK(j["error"]["message"].get<std::string>().find("bad byte") == 0);
}

TEST_CASE("http server: past max_connections a new connection gets 503 and is closed; the others are served") {
  auto o = test_options();
  o.max_connections = 3;
  po::http::HttpServer server(o, echo);
  server.start();
  std::vector<std::unique_ptr<TestConnection>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<TestConnection>(server.port()));
  REQUIRE(held[2]->send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));   // all three accepted by now
  REQUIRE(held[2]->read_response());
  TestConnection extra(server.port());
  const auto refused = extra.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(error_of(*refused)["code"] == "overloaded");
  CHECK(refused->headers.at("connection") == "close");
  CHECK(extra.closed_by_peer_within(10s));
  REQUIRE(held[0]->send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto ok = held[0]->read_response();
  REQUIRE(ok);
  CHECK(ok->status == 200);
  held.clear();   // room again
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    TestConnection again(server.port());
    again.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = again.read_response();
    served = r && r->status == 200;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  CHECK(served);
}

TEST_CASE("http server: request bodies in flight are bounded by bytes; a body that does not fit gets 503 unread") {
  auto o = test_options();
  o.body_limit = 1000;
  o.max_inflight_body_bytes = 1600;
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> handling{0};
  po::http::HttpServer server(o, [&](const po::http::Request& req) {
    ++handling;
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
    return po::http::Response{200, "text/plain", {}, std::to_string(req.body.size())};
  });
  server.start();
  TestConnection first(server.port());
  REQUIRE(first.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'a')));
  for (int i = 0; i < 200 && handling == 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(handling == 1);   // 1,000 of 1,600 bytes held by the handler
  TestConnection second(server.port());
  REQUIRE(second.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 700\r\n\r\n"));   // head only: refused unread
  const auto refused = second.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(error_of(*refused)["code"] == "overloaded");
  TestConnection small(server.port());
  REQUIRE(small.send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 400\r\n\r\n" + std::string(400, 'c')));
  for (int i = 0; i < 200 && handling < 2; ++i) std::this_thread::sleep_for(10ms);
  CHECK(handling == 2);     // 400 more fit (with room for the 503 being written)
  {
    std::scoped_lock lock(m);
    release = true;
  }
  cv.notify_all();
  REQUIRE(first.read_response());
  REQUIRE(small.read_response());
  // Released with the responses: a body of 1,000 fits again.
  TestConnection later(server.port());
  REQUIRE(later.send("POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'd')));
  const auto r = later.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "1000");
}
