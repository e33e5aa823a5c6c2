// Schema migrations under concurrency, and start-up configuration errors.
#include <doctest/doctest.h>

#include <algorithm>

#include <pqxx/pqxx>

#include "app_env.hpp"
#include "server/audit_store.hpp"
#include "server/auth.hpp"
#include "server/db_pool.hpp"
#include "server/migrations.hpp"

using namespace apptest;

namespace {
int count(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::read_transaction tx(c);
  return tx.exec1(sql)[0].as<int>();
}
void create_database(const std::string& admin_url, const std::string& name) {
  pqxx::connection c(admin_url);
  pqxx::nontransaction tx(c);
  tx.exec("CREATE DATABASE " + name);
}
}  // namespace

TEST_SUITE("migrations") {
  TEST_CASE("two platform-api processes migrating one empty database at once both come up, each migration applied once") {
    TempDir dir;
    Postgres pg(dir.path());
    Redis redis(dir.path());
    create_database(pg.url(), "racing");
    std::map<std::string, std::string> env = {{"DATABASE_URL", pg.url("racing")},
                                              {"REDIS_URL", redis.url()},
                                              {"SECRET_KEY", "test-secret-key-0123456789abcdef"}};
    ApiServer a(dir.path(), env, "api-a");
    ApiServer b(dir.path(), env, "api-b");
    REQUIRE(a.wait_ready());
    REQUIRE(b.wait_ready());
    const int n = static_cast<int>(a11y::server::migrations().size());
    CHECK(count(pg.url("racing"), "SELECT count(*) FROM schema_migrations") == n);
    CHECK(count(pg.url("racing"), "SELECT count(DISTINCT version) FROM schema_migrations") == n);
    const auto la = a.process().log(), lb = b.process().log();
    // Exactly one of them applied the migrations; the other found the schema current.
    const bool a_applied = la.find("applied schema migration 1") != std::string::npos;
    const bool b_applied = lb.find("applied schema migration 1") != std::string::npos;
    CHECK(a_applied != b_applied);
  }

  TEST_CASE("eight concurrent migrate() calls apply each migration exactly once") {
    TempDir dir;
    Postgres pg(dir.path());
    create_database(pg.url(), "threads");
    std::vector<std::vector<int>> applied(8);
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 0; i < applied.size(); ++i) {
        threads.emplace_back([&, i] {
          pqxx::connection c(pg.url("threads"));
          applied[i] = a11y::server::migrate(c);
        });
      }
    }
    std::vector<int> all;
    for (const auto& v : applied) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected;
    for (const auto& m : a11y::server::migrations()) expected.push_back(m.version);
    CHECK(all == expected);
    pqxx::connection c(pg.url("threads"));
    CHECK(a11y::server::migrate(c).empty());  // idempotent
  }

  TEST_CASE("a server started before its database comes up migrates once the database appears") {
    TempDir dir;
    Redis redis(dir.path());
    Postgres pg(dir.path());
    pg.stop();
    std::map<std::string, std::string> env = {
        {"DATABASE_URL", pg.url()}, {"REDIS_URL", redis.url()}, {"SECRET_KEY", "test-secret-key-0123456789abcdef"}};
    ApiServer api(dir.path(), env, "api-early");
    CHECK(http(api.port(), "GET", "/health/ready").status == 503);
    CHECK(http(api.port(), "GET", "/health/database").status == 503);
    CHECK(http(api.port(), "GET", "/health/live").status == 200);
    const auto write = http(api.port(), "POST", "/api/v1/audits", "{\"html\": \"<p>x</p>\"}",
                            {{"Authorization", "Bearer " + a11y::server::Authenticator(env["SECRET_KEY"]).issue("u", std::chrono::seconds(60))}});
    CHECK(write.status == 503);
    CHECK(error_code(write) == "database_unavailable");

    pg.start();
    CHECK(api.wait_ready());
    CHECK(count(pg.url(), "SELECT count(*) FROM schema_migrations") == static_cast<int>(a11y::server::migrations().size()));
  }

  TEST_CASE("a missing or malformed required variable is one error line and exit code 2") {
    TempDir dir;
    const std::map<std::string, std::string> good = {{"DATABASE_URL", "postgresql://u@127.0.0.1:1/db"},
                                                     {"REDIS_URL", "redis://127.0.0.1:1"},
                                                     {"SECRET_KEY", "0123456789abcdef0123456789abcdef"}};
    const std::vector<std::pair<std::string, std::string>> broken = {
        {"DATABASE_URL", ""}, {"DATABASE_URL", "mysql://x"}, {"REDIS_URL", ""},       {"REDIS_URL", "redis://h:notaport"},
        {"SECRET_KEY", ""},   {"SECRET_KEY", "short"},       {"SECRET_KEY", std::string(31, 'k')}, {"PORT", "eighty"}, {"PORT", "70000"},
        {"AI_PROVIDER", "x"}, {"DB_POOL_SIZE", "0"},         {"AI_BASE_URL", "ftp://x"}};
    int i = 0;
    for (const auto& [name, value] : broken) {
      INFO(name << "=" << value);
      auto env = good;
      env[name] = value;
      const auto log = dir.path() / ("cfg" + std::to_string(i++) + ".log");
      Process p({PO_PLATFORM_API_BIN}, env, log, /*inherit_env=*/false);
      const auto code = p.wait_for(std::chrono::seconds(30));
      REQUIRE(code);
      CHECK(*code == 2);
      const auto out = p.log();
      CHECK(std::count(out.begin(), out.end(), '\n') == 1);
      CHECK(out.find(name) != std::string::npos);
    }
  }

  TEST_CASE("group commit: a row the database refuses fails alone, the rest of the batch is stored") {
    TempDir dir;
    Postgres pg(dir.path());
    create_database(pg.url(), "batch");
    {
      pqxx::connection c(pg.url("batch"));
      (void)a11y::server::migrate(c);
    }
    a11y::server::DbPool pool(pg.url("batch"), 2, a11y::server::AuditStore::prepare);
    a11y::server::AuditStore store(pool);
    const std::string owner = "o", result = "{\"findings\":[]}";
    std::vector<a11y::server::StoredAudit> audits(3);
    for (std::size_t i = 0; i < audits.size(); ++i) {
      audits[i].id = a11y::server::new_uuid();
      audits[i].content_hash = "hash" + std::to_string(i);
    }
    audits[1].id = "not-a-uuid";   // 22P02: a permanent error in this row's data
    std::vector<a11y::server::AuditStore::NewAudit> rows;
    for (const auto& a : audits) rows.push_back({&owner, &a, &result, false});
    const auto inserted = store.insert_batch(rows);
    REQUIRE(inserted.size() == 3);
    CHECK_FALSE(inserted[0].error);
    CHECK_FALSE(inserted[0].created_at.empty());
    CHECK(inserted[1].error);
    CHECK_FALSE(inserted[2].error);
    CHECK(count(pg.url("batch"), "SELECT count(*) FROM audits") == 2);

    // The database gone: the whole batch fails as unavailable (503), not row by row.
    pg.stop();
    audits[1].id = a11y::server::new_uuid();
    CHECK_THROWS_AS(store.insert_batch(rows), a11y::server::DbUnavailable);
  }
}
