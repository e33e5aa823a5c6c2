// Dependency faults: the database or Redis goes away and comes back while platform-api keeps running.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "app_env.hpp"

using namespace apptest;
using nlohmann::json;

namespace {
double metric_value(const std::string& text, const std::string& series) {
  const auto pos = text.find("\n" + series + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + series.size() + 2));
}
}  // namespace

TEST_SUITE("faults") {
  TEST_CASE("database down: writes 503, cached reads served, health degraded; recovery without restart") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    const auto created = e.post("/api/v1/audits", json{{"html", small_page(7)}}.dump());
    REQUIRE(created.status == 201);
    const std::string id = body_of(created)["id"];

    e.pg.stop();
    // Readiness fails within a second or two (the kubelet's probe period is 5 s), liveness does not.
    const auto stopped = std::chrono::steady_clock::now();
    CHECK(eventually([&] { return http(e.port(), "GET", "/health/ready").status == 503; }, std::chrono::seconds(5)));
    CHECK(std::chrono::steady_clock::now() - stopped < std::chrono::seconds(3));
    CHECK(body_of(http(e.port(), "GET", "/health/ready"))["reasons"][0] == "database unreachable");
    CHECK(eventually([&] { return http(e.port(), "GET", "/health/database").status == 503; }));
    const auto db = body_of(http(e.port(), "GET", "/health/database"));
    CHECK(db["status"] == "down");
    CHECK(db["error"].is_string());
    CHECK(body_of(http(e.port(), "GET", "/health"))["status"] == "degraded");
    CHECK(body_of(http(e.port(), "GET", "/health"))["checks"]["database"]["status"] == "down");
    // The health answers are public (the gateway routes /health to the api): their error text must not
    // name the database's address, port, user or URL, which libpq's own messages do.
    for (const char* path : {"/health", "/health/database"}) {
      const auto body = http(e.port(), "GET", path).body;
      INFO(path << ": " << body);
      for (const std::string& leak : {std::string("127.0.0.1"), std::to_string(e.pg.port()), std::string("postgres@"),
                                      std::string("postgresql://"), std::string("user")})
        CHECK(body.find(leak) == std::string::npos);
    }
    CHECK_FALSE(db["error"].get<std::string>().empty());

    const auto write = e.post("/api/v1/audits", json{{"html", small_page(8)}}.dump());
    CHECK(write.status == 503);
    CHECK(error_code(write) == "database_unavailable");
    CHECK(write.headers.count("retry-after") == 1);
    const auto list = e.get("/api/v1/audits");
    CHECK(list.status == 503);
    CHECK(error_code(list) == "database_unavailable");

    const auto cached = e.get("/api/v1/audits/" + id);  // served from Redis
    CHECK(cached.status == 200);
    CHECK(body_of(cached)["id"] == id);
    CHECK(http(e.port(), "GET", "/health/live").status == 200);

    e.pg.start();
    CHECK(eventually([&] { return http(e.port(), "GET", "/health/database").status == 200; }));
    CHECK(eventually([&] { return http(e.port(), "GET", "/health/ready").status == 200; }, std::chrono::seconds(5)));
    const auto after = e.post("/api/v1/audits", json{{"html", small_page(9)}}.dump());
    CHECK(after.status == 201);
    CHECK(e.get("/api/v1/audits").status == 200);
    CHECK(body_of(http(e.port(), "GET", "/health"))["status"] == "healthy");
  }

  TEST_CASE("redis down: the cache is bypassed and counted, requests still succeed; recovery") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    const double bypassed_before = metric_value(http(e.port(), "GET", "/metrics").body, "cache_bypassed_total");

    e.redis.stop();
    const auto created = e.post("/api/v1/audits", json{{"html", small_page(10)}}.dump());
    CHECK(created.status == 201);
    CHECK(body_of(created)["cached"] == false);
    const std::string id = body_of(created)["id"];
    CHECK(e.get("/api/v1/audits/" + id).status == 200);  // from the database
    CHECK(e.get("/api/v1/audits").status == 200);

    const auto redis = http(e.port(), "GET", "/health/redis");
    CHECK(redis.status == 503);
    CHECK(body_of(redis)["status"] == "down");
    CHECK(body_of(http(e.port(), "GET", "/health"))["status"] == "degraded");
    const auto metrics = http(e.port(), "GET", "/metrics").body;
    CHECK(metric_value(metrics, "cache_bypassed_total") > std::max(0.0, bypassed_before));
    CHECK(metric_value(metrics, "redis_up") == 0);

    e.redis.start();
    CHECK(eventually([&] { return http(e.port(), "GET", "/health/redis").status == 200; }));
    const auto first = e.post("/api/v1/audits", json{{"html", small_page(11)}}.dump());
    REQUIRE(first.status == 201);
    const auto second = e.post("/api/v1/audits", json{{"html", small_page(11)}}.dump());
    REQUIRE(second.status == 201);
    CHECK(body_of(second)["cached"] == true);
  }

  TEST_CASE("a result cached in Redis but missing from the database is stored again") {
    auto& e = env();
    REQUIRE(e.api->wait_ready());
    const std::string body = json{{"html", small_page(12)}}.dump();
    REQUIRE(e.post("/api/v1/audits", body).status == 201);
    {  // the database loses its data (restored from an older backup, say) while Redis keeps the cache
      pqxx::connection c(e.pg.url());
      pqxx::work tx(c);
      tx.exec("TRUNCATE audits, audit_results");
      tx.commit();
    }
    const auto again = e.post("/api/v1/audits", body);
    REQUIRE(again.status == 201);
    CHECK(body_of(again)["cached"] == true);
    pqxx::connection c(e.pg.url());
    pqxx::read_transaction tx(c);
    CHECK(tx.exec1("SELECT count(*) FROM audit_results")[0].as<int>() == 1);
    CHECK(tx.exec1("SELECT count(*) FROM audits")[0].as<int>() == 1);
  }

  TEST_CASE("SIGTERM drains and exits 0; readiness fails while draining") {
    auto& e = env();
    auto vars = e.api_env();
    vars["SHUTDOWN_DELAY_SECONDS"] = "5";
    ApiServer extra(e.dir.path(), vars, "api-sigterm");
    REQUIRE(extra.wait_ready());
    extra.process().signal(SIGTERM);
    // During the shutdown delay the server still answers, but readiness fails.
    CHECK(eventually([&] {
      try {
        return http(extra.port(), "GET", "/health/ready").status == 503;
      } catch (const std::exception&) {
        return false;
      }
    }, std::chrono::seconds(10)));
    const auto code = extra.process().wait_for(std::chrono::seconds(60));
    REQUIRE(code);
    CHECK(*code == 0);
    CHECK(extra.process().log().find("draining") != std::string::npos);
  }
}
