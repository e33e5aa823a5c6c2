#include "server/migrations.hpp"

#include <set>

#include <spdlog/spdlog.h>

namespace a11y::server {
namespace {
// Any fixed 64-bit key; it only has to be the same in every replica of this app.
constexpr long long kMigrationLockKey = 0x6131317961756474LL;  // "a11yaudt"
}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "audit results (one per content hash) and audits referencing them",
       R"(CREATE TABLE audit_results (
            content_hash  text PRIMARY KEY,
            result        text NOT NULL,  -- the JSON document exactly as the API returns it; never queried
                                          -- inside, and jsonb's parse on insert cost more than the audit
            created_at    timestamptz NOT NULL DEFAULT now()
          );
          CREATE TABLE audits (
            seq           bigserial PRIMARY KEY,
            id            uuid NOT NULL UNIQUE,
            owner         text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            content_hash  text NOT NULL REFERENCES audit_results (content_hash),
            score         double precision NOT NULL,
            finding_count integer NOT NULL,
            html_bytes    integer NOT NULL
          );
          CREATE INDEX audits_owner_seq ON audits (owner, seq DESC);)"},
      {2, "index audits by content hash (result lookups and cleanup)",
       "CREATE INDEX audits_content_hash ON audits (content_hash);"},
  };
  return all;
}

std::vector<int> migrate(pqxx::connection& conn) {
  std::vector<int> applied;
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SET lock_timeout = 0");
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
  }
  try {
    {
      pqxx::work tx(conn);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY, description text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
    std::set<int> done;
    {
      pqxx::read_transaction tx(conn);
      for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) done.insert(row[0].as<int>());
    }
    for (const auto& m : migrations()) {
      if (done.count(m.version)) continue;
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)", m.version, m.description);
      tx.commit();
      spdlog::info("applied schema migration {}: {}", m.version, m.description);
      applied.push_back(m.version);
    }
  } catch (...) {
    try {
      pqxx::nontransaction tx(conn);
      tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
    } catch (...) {  // the session is gone; the server released the lock with it
    }
    throw;
  }
  pqxx::nontransaction tx(conn);
  tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  return applied;
}

}  // namespace a11y::server
