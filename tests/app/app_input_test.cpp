// Bad input: every rejection is a JSON error with a stable code, and the server keeps serving.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "app_env.hpp"

using namespace apptest;
using nlohmann::json;

TEST_SUITE("input") {
  TEST_CASE("malformed audit requests get 400 with a stable code") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "invalid_json"},
        {"{", "invalid_json"},
        {"{\"html\": \"<p>x</p>\",}", "invalid_json"},
        {"[1,2,3]", "invalid_request"},
        {"\"just a string\"", "invalid_request"},
        {"{}", "invalid_field"},
        {"{\"html\": 42}", "invalid_field"},
        {"{\"html\": null}", "invalid_field"},
        {"{\"html\": [\"<p>\"]}", "invalid_field"},
        {"{\"html\": \"\"}", "invalid_field"},
        {"{\"html\": \"<p>x</p>\", \"options\": 5}", "invalid_field"},
        {"{\"html\": \"<p>x</p>\", \"options\": {\"rules\": \"image-alt\"}}", "invalid_field"},
        {"{\"html\": \"<p>x</p>\", \"options\": {\"rules\": [\"no-such-rule\"]}}", "unknown_rule"},
        {"{\"html\": \"<p>x</p>\", \"options\": {\"maxFindings\": -1}}", "invalid_field"},
        {"{\"html\": \"<p>x</p>\", \"options\": {\"maxFindings\": \"10\"}}", "invalid_field"},
        {"{\"html\": \"<p>\xff\xfe</p>\"}", "invalid_utf8"},
        {"{\"html\": \"<p>\xc0\xaf</p>\"}", "invalid_utf8"},          // overlong '/'
        {"{\"html\": \"<p>\xed\xa0\x80</p>\"}", "invalid_utf8"},      // a UTF-16 surrogate
        {std::string(100, '[') + std::string(100, ']'), "invalid_json"},  // nesting bomb
    };
    for (const auto& [body, code] : cases) {
      INFO("body: " << body.substr(0, 80));
      const auto r = e.post("/api/v1/audits", body);
      CHECK(r.status == 400);
      CHECK(error_code(r) == code);
      CHECK(body_of(r)["error"]["requestId"] == r.headers.at("x-request-id"));
    }
    CHECK(e.get("/health/live").status == 200);
  }

  TEST_CASE("a 10 MB body is refused with 413 before it is read") {
    auto& e = env();
    const std::string huge = "{\"html\": \"" + std::string(10 << 20, 'a') + "\"}";
    const auto r = e.post("/api/v1/audits", huge);
    CHECK(r.status == 413);
    CHECK(error_code(r) == "payload_too_large");
    CHECK(http(e.port(), "GET", "/health/live").status == 200);
  }

  TEST_CASE("deeply nested and hostile HTML gets an answer, not a crash") {
    auto& e = env();
    std::string deep;
    for (int i = 0; i < 20000; ++i) deep += "<div>";
    deep += "x";
    const auto r = e.post("/api/v1/audits", json{{"html", deep}}.dump());
    CHECK((r.status == 201 || r.status == 422));
    if (r.status == 422) CHECK(error_code(r) == "unprocessable_html");

    for (const std::string& html : {std::string("<<<>>><!--"), std::string("<table><td><tr><svg><math>"),
                                    std::string(200000, '<'), std::string("\0\0<p>", 5)}) {
      const auto h = e.post("/api/v1/audits", json{{"html", html}}.dump());
      CHECK((h.status == 201 || h.status == 422));
    }
    CHECK(http(e.port(), "GET", "/health/live").status == 200);
  }

  TEST_CASE("raw protocol abuse is answered with JSON errors") {
    auto& e = env();
    po::testing::TestConnection c(e.port());
    REQUIRE(c.send("GARBAGE\r\n\r\n"));
    const auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(json::parse(r->body)["error"]["code"] == "bad_request");

    po::testing::TestConnection big_headers(e.port());
    REQUIRE(big_headers.send("GET /health HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'x') + "\r\n\r\n"));
    const auto h = big_headers.read_response();
    REQUIRE(h);
    CHECK(h->status == 431);
    CHECK(http(e.port(), "GET", "/health/live").status == 200);
  }

  TEST_CASE("cost bounds: whitespace-free attribute floods are refused fast, maxFindings is capped") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    std::string flood = "<div";
    for (int i = 0; i < 20000; ++i) flood += "/a" + std::to_string(i);
    flood += ">x</div>";
    const auto t0 = std::chrono::steady_clock::now();
    auto r = e.post("/api/v1/audits", json{{"html", flood}}.dump());
    CHECK(r.status == 422);
    CHECK(error_code(r) == "unprocessable_html");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    r = e.post("/api/v1/audits", json{{"html", "<p>x</p>"}, {"options", {{"maxFindings", 5000}}}}.dump());
    CHECK(r.status == 400);
    CHECK(error_code(r) == "invalid_field");
  }

  TEST_CASE("the metrics' method label is a fixed set, whatever method the client sends") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    for (const char* m : {"BREW", "XYZZY1", "XYZZY2"}) CHECK(http(e.port(), m, "/api/v1/rules").status == 401);
    const auto metrics = http(e.port(), "GET", "/metrics").body;
    CHECK(metrics.find("method=\"BREW\"") == std::string::npos);
    CHECK(metrics.find("method=\"XYZZY1\"") == std::string::npos);
    CHECK(metrics.find("method=\"other\"") != std::string::npos);
  }

  TEST_CASE("past AUDIT_CPU_BUDGET_MS an audit answers with a partial result that says so") {
    auto& e = env();
    auto vars = e.api_env();
    vars["AUDIT_CPU_BUDGET_MS"] = "10";
    ApiServer api(e.dir.path(), vars, "api-budget");
    REQUIRE(api.wait_ready());
    std::string page = "<!doctype html><html lang=en><title>t</title><body>";
    while (page.size() < 1'500'000) page += "<p><a href=#>read more</a><img src=x.png><input></p>";
    const auto r = http(api.port(), "POST", "/api/v1/audits", json{{"html", page}}.dump(),
                        {{"Authorization", "Bearer " + e.token("budget")}});
    REQUIRE(r.status == 201);
    const auto doc = body_of(r);
    CHECK(doc["partial"] == true);
    CHECK(doc["reason"] == "cpu budget");
    CHECK(doc["rulesRun"].size() < 14);
    // The default budget finishes a small page.
    const auto small = body_of(e.post("/api/v1/audits", json{{"html", small_page(77)}}.dump()));
    CHECK(small["partial"] == false);
    CHECK_FALSE(small.contains("reason"));
  }

  TEST_CASE("past MAX_CONNECTIONS a new connection is answered 503 and closed; the others keep working") {
    auto& e = env();
    auto vars = e.api_env();
    vars["MAX_CONNECTIONS"] = "16";
    ApiServer api(e.dir.path(), vars, "api-connections");
    REQUIRE(api.wait_ready());
    std::vector<std::unique_ptr<po::testing::TestConnection>> held;
    // Each held connection is served once (kept alive), so all 16 are accepted and counted before the
    // 17th arrives, however slowly this machine accepts them.
    for (int i = 0; i < 16; ++i) {
      held.push_back(std::make_unique<po::testing::TestConnection>(api.port()));
      REQUIRE(held.back()->send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
      const auto served = held.back()->read_response(std::chrono::seconds(10));
      REQUIRE(served);
      REQUIRE(served->status == 200);
    }
    po::testing::TestConnection extra(api.port());
    const auto refused = extra.read_response(std::chrono::seconds(10));
    REQUIRE(refused);
    CHECK(refused->status == 503);
    REQUIRE(held[0]->send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto ok = held[0]->read_response(std::chrono::seconds(10));
    REQUIRE(ok);
    CHECK(ok->status == 200);
    held.clear();
    CHECK(eventually([&] { return http(api.port(), "GET", "/health/live").status == 200; }, std::chrono::seconds(10)));
  }
}
