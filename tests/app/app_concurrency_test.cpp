// Slow requests must not hold the HTTP I/O threads: while audit writes wait on a locked table, health,
// readiness and the pure API routes are still answered on other connections. A slow AI provider must not
// hold the audit workers: suggestions have their own lane.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "app_env.hpp"

using namespace apptest;
using nlohmann::json;

namespace {

int lock_waiters(pqxx::connection& c) {
  pqxx::nontransaction tx(c);
  return tx.exec1("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%audits%'")[0]
      .as<int>();
}

}  // namespace

TEST_SUITE("concurrency") {
  TEST_CASE("audit writes blocked in the database do not stop /health from being answered") {
    auto& e = env();
    // Few threads everywhere, so that the blocked writes outnumber the HTTP threads, the worker pool
    // and the database pool together.
    auto vars = e.api_env();
    vars["HTTP_THREADS"] = "2";
    vars["DB_POOL_SIZE"] = "3";
    ApiServer api(e.dir.path(), vars, "api-concurrency");
    REQUIRE(api.wait_ready());
    const std::string token = e.token("alice");
    const auto first = http(api.port(), "POST", "/api/v1/audits", json{{"html", small_page(1)}}.dump(),
                            {{"Authorization", "Bearer " + token}});
    REQUIRE(first.status == 201);

    pqxx::connection locker(e.pg.url());
    pqxx::work lock_tx(locker);
    lock_tx.exec("LOCK TABLE audits IN ACCESS EXCLUSIVE MODE");

    constexpr int kWrites = 12;
    std::vector<std::unique_ptr<po::testing::TestConnection>> writes;
    for (int i = 0; i < kWrites; ++i) {
      const auto body = json{{"html", small_page(100 + i)}}.dump();
      auto c = std::make_unique<po::testing::TestConnection>(api.port());
      REQUIRE(c->send("POST /api/v1/audits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body));
      writes.push_back(std::move(c));
    }
    pqxx::connection watcher(e.pg.url());
    REQUIRE(eventually([&] { return lock_waiters(watcher) >= 1; }, 30s));

    // Each on a fresh connection, while every write is still waiting for the lock.
    CHECK(http(api.port(), "GET", "/health/live").status == 200);
    CHECK(http(api.port(), "GET", "/health/ready").status == 200);
    const auto health = http(api.port(), "GET", "/health");
    CHECK(health.status == 200);
    CHECK(body_of(health)["checks"]["database"]["status"] == "up");  // its own connection, not the busy pool
    CHECK(http(api.port(), "GET", "/api/v1/rules", {}, {{"Authorization", "Bearer " + token}}).status == 200);

    // The writes were still outstanding when those answers came: none has been answered yet.
    CHECK(lock_waiters(watcher) >= 1);
    for (auto& c : writes) CHECK_FALSE(c->read_response(std::chrono::milliseconds(1)));

    lock_tx.commit();  // releases the lock: the writes complete
    int created = 0;
    for (auto& c : writes) {
      const auto r = c->read_response(60s);
      REQUIRE(r);
      CHECK((r->status == 201 || r->status == 503));  // 503: gave up waiting for a database connection
      created += r->status == 201;
    }
    CHECK(created >= 1);
  }

  TEST_CASE("a slow AI provider holds the AI lane, never the audit workers") {
    auto& e = env();
    auto vars = e.api_env();
    vars["WORKER_THREADS"] = "2";
    vars["DB_POOL_SIZE"] = "2";
    vars["AI_THREADS"] = "2";
    vars["AI_QUEUE"] = "2";
    vars["AI_TIMEOUT_MS"] = "3000";
    ApiServer api(e.dir.path(), vars, "api-ai-lane");
    REQUIRE(api.wait_ready());
    const std::string token = e.token("alice");
    const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token}};
    const auto first = http(api.port(), "POST", "/api/v1/audits", json{{"html", small_page(300)}}.dump(), auth);
    REQUIRE(first.status == 201);
    const std::string id = body_of(first)["id"];

    // Three times as many suggestion requests as there are audit workers, each held 3 s by the provider.
    e.ai.set_mode(AiStub::Mode::Slow);
    const int calls_before = e.ai.calls();
    constexpr int kAsks = 6;
    std::vector<std::unique_ptr<po::testing::TestConnection>> asks;
    for (int i = 0; i < kAsks; ++i) {
      auto c = std::make_unique<po::testing::TestConnection>(api.port());
      REQUIRE(c->send("POST /api/v1/audits/" + id + "/suggestions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                      token + "\r\nContent-Length: 0\r\n\r\n"));
      asks.push_back(std::move(c));
    }
    REQUIRE(eventually([&] { return e.ai.calls() >= calls_before + 2; }, 10s));

    // Audits are created and read at once while the provider holds every suggestion request.
    for (int i = 0; i < 3; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = http(api.port(), "POST", "/api/v1/audits", json{{"html", small_page(310 + i)}}.dump(), auth);
      CHECK(r.status == 201);
      CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    }
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(http(api.port(), "GET", "/api/v1/audits/" + id, {}, auth).status == 200);
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);

    // The lane ran two at a time and queued two; the rest were refused at once, never queued without bound.
    int deadline = 0, refused = 0;
    for (auto& c : asks) {
      const auto r = c->read_response(30s);
      REQUIRE(r);
      const auto code = error_code(HttpResult{r->status, r->headers, r->body});
      if (r->status == 502 && code == "ai_upstream_error") ++deadline;
      if (r->status == 503 && code == "overloaded") ++refused;
    }
    CHECK(deadline >= 2);
    CHECK(refused >= 1);
    CHECK(deadline + refused == kAsks);
    e.ai.set_mode(AiStub::Mode::Ok);
  }
}
