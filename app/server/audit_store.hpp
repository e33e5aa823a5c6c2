// Audits in PostgreSQL: insert, fetch by id, list newest first with an opaque cursor.
#pragma once
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "server/db_pool.hpp"

namespace a11y::server {

struct StoredAudit {
  std::string id;          // uuid
  std::string created_at;  // RFC 3339, UTC
  std::string content_hash;
  double score = 0;
  int finding_count = 0;
  int html_bytes = 0;
  std::string result_json;  // the audit result document (findings etc.)
};

struct AuditPage {
  std::vector<StoredAudit> items;  // result_json left empty: lists carry summaries
  std::string next_cursor;         // empty on the last page
};

class AuditStore {
 public:
  explicit AuditStore(DbPool& pool) : pool_(pool) {}
  static void prepare(pqxx::connection& c);  // prepared statements, run on every new pool connection

  // Inserts and returns created_at. The result document is stored once per content hash: when
  // result_known_stored is true (the result came from the cache, so an earlier request stored it) only
  // the small audit row is sent, and the result is added only if the database turns out not to have it.
  // Throws DbUnavailable.
  std::string insert(const std::string& owner, const StoredAudit& audit, bool result_known_stored);
  // Inserts many audits in one transaction (group commit) and returns, in order, each one's created_at
  // or the error that stopped it. Each row's result document is stored unless result_known_stored; on a
  // foreign-key violation (the cache outlived the database's copy) the whole batch is retried with every
  // result. When the batch fails for a reason in the data (a permanent SQL error, see classify_sqlstate),
  // the rows are inserted one by one, so only the row at fault fails. Throws DbUnavailable when the
  // database cannot take the batch at all (every row would fail the same way).
  struct NewAudit {
    const std::string* owner;
    const StoredAudit* audit;        // result_json is not read: see result
    const std::string* result;       // the result document
    bool result_known_stored;
  };
  struct Inserted {
    std::string created_at;          // when error is null
    std::exception_ptr error;        // this row's own failure
  };
  std::vector<Inserted> insert_batch(const std::vector<NewAudit>& rows);
  std::optional<StoredAudit> get(const std::string& owner, const std::string& id);
  // Throws std::invalid_argument for a malformed cursor.
  AuditPage list(const std::string& owner, std::size_t limit, const std::string& cursor);

 private:
  DbPool& pool_;
};

std::string encode_cursor(long long seq);
long long decode_cursor(const std::string& cursor);  // throws std::invalid_argument
bool is_uuid(std::string_view s);
std::string new_uuid();

}  // namespace a11y::server
