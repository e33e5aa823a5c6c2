#include "server/audit_store.hpp"

#include <charconv>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <openssl/rand.h>

namespace a11y::server {

namespace {
constexpr char kCursorPrefix[] = "c1.";  // versioned so the encoding can change without misreading old cursors
constexpr const char* kCreatedAt = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

std::string encode_cursor(long long seq) {
  // Not a secret, only opaque: clients must not build cursors, so keep the format free to change.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  auto v = static_cast<unsigned long long>(seq) ^ 0x5bd1e995a11ca11cULL;
  for (int i = 0; i < 16; ++i, v >>= 4) hex.insert(hex.begin(), kHex[v & 0xf]);
  return kCursorPrefix + hex;
}

long long decode_cursor(const std::string& cursor) {
  if (cursor.size() != sizeof(kCursorPrefix) - 1 + 16 || cursor.rfind(kCursorPrefix, 0) != 0) {
    throw std::invalid_argument("malformed cursor");
  }
  unsigned long long v = 0;
  const char* begin = cursor.data() + sizeof(kCursorPrefix) - 1;
  const auto [ptr, ec] = std::from_chars(begin, cursor.data() + cursor.size(), v, 16);
  if (ec != std::errc{} || ptr != cursor.data() + cursor.size()) throw std::invalid_argument("malformed cursor");
  const auto seq = static_cast<long long>(v ^ 0x5bd1e995a11ca11cULL);
  if (seq <= 0) throw std::invalid_argument("malformed cursor");
  return seq;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string new_uuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("RAND_bytes failed");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xf];
  }
  return out;
}

void AuditStore::prepare(pqxx::connection& c) {
  // An audit is a recomputable record: losing the last few hundred milliseconds of them in a database
  // crash is acceptable, waiting for a WAL flush on every insert is not (it dominated request latency).
  // Durability of the database itself is unaffected.
  {
    pqxx::nontransaction tx(c);
    tx.exec("SET synchronous_commit = off");
  }
  c.prepare("audit_insert", std::string("INSERT INTO audits (id, owner, content_hash, score, finding_count, html_bytes) "
                                        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING ") + kCreatedAt);
  c.prepare("audit_result_insert",
            "INSERT INTO audit_results (content_hash, result) VALUES ($1, $2) ON CONFLICT DO NOTHING");
  c.prepare("audit_get",
            "SELECT id::text, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
            "a.content_hash, score, finding_count, html_bytes, r.result "
            "FROM audits a JOIN audit_results r USING (content_hash) WHERE id = $1 AND owner = $2");
  c.prepare("audit_list",
            "SELECT seq, id::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
            "content_hash, score, finding_count, html_bytes FROM audits WHERE owner = $1 AND seq < $2 "
            "ORDER BY seq DESC LIMIT $3");
}

std::string AuditStore::insert(const std::string& owner, const StoredAudit& a, bool result_known_stored) {
  return pool_.with_connection([&](pqxx::connection& c) {
    if (result_known_stored) {
      try {
        pqxx::work tx(c);
        const auto row = tx.exec_prepared1("audit_insert", a.id, owner, a.content_hash, a.score, a.finding_count, a.html_bytes);
        tx.commit();
        return row[0].as<std::string>();
      } catch (const pqxx::foreign_key_violation&) {
        // The cache outlived the database's copy (a restored or new database): store the result too.
      }
    }
    pqxx::work tx(c);
    tx.exec_prepared("audit_result_insert", a.content_hash, a.result_json);
    const auto row = tx.exec_prepared1("audit_insert", a.id, owner, a.content_hash, a.score, a.finding_count, a.html_bytes);
    tx.commit();
    return row[0].as<std::string>();
  });
}

std::vector<AuditStore::Inserted> AuditStore::insert_batch(const std::vector<NewAudit>& rows) {
  if (rows.empty()) return {};
  return pool_.with_connection([&](pqxx::connection& c) {
    // One transaction for the rows in [begin, end).
    const auto attempt = [&](std::size_t begin, std::size_t end, bool every_result) {
      pqxx::work tx(c);
      // Plain multi-row statements (one round trip each), values quoted by libpq.
      std::string results;
      std::unordered_set<std::string_view> hashes;
      for (std::size_t i = begin; i < end; ++i) {
        const auto& r = rows[i];
        if ((every_result || !r.result_known_stored) && hashes.insert(r.audit->content_hash).second) {
          results += results.empty() ? "(" : ",(";
          results += tx.quote(r.audit->content_hash) + "," + tx.quote(*r.result) + ")";
        }
      }
      if (!results.empty()) {
        tx.exec("INSERT INTO audit_results (content_hash, result) VALUES " + results + " ON CONFLICT DO NOTHING");
      }
      std::string audits = "INSERT INTO audits (id, owner, content_hash, score, finding_count, html_bytes) VALUES ";
      for (std::size_t i = begin; i < end; ++i) {
        const auto& a = *rows[i].audit;
        if (i > begin) audits += ',';
        audits += "(" + tx.quote(a.id) + "," + tx.quote(*rows[i].owner) + "," + tx.quote(a.content_hash) + "," +
                  pqxx::to_string(a.score) + "," + std::to_string(a.finding_count) + "," +
                  std::to_string(a.html_bytes) + ")";
      }
      audits += std::string(" RETURNING id::text, ") + kCreatedAt;
      const auto returned = tx.exec(audits);
      tx.commit();
      std::unordered_map<std::string, std::string> created;
      for (const auto& row : returned) created.emplace(row[0].as<std::string>(), row[1].as<std::string>());
      std::vector<Inserted> out;
      out.reserve(end - begin);
      for (std::size_t i = begin; i < end; ++i) out.push_back({created.at(rows[i].audit->id), nullptr});
      return out;
    };
    const auto with_fk_retry = [&](std::size_t begin, std::size_t end) {
      try {
        return attempt(begin, end, false);
      } catch (const pqxx::foreign_key_violation&) {
        return attempt(begin, end, true);
      }
    };
    try {
      return with_fk_retry(0, rows.size());
    } catch (const pqxx::sql_error& e) {
      if (classify_sqlstate(e.sqlstate()) != SqlFailure::Permanent || rows.size() == 1) throw;
    }
    // Something in the data: find the row at fault by writing each alone. A failure of the server itself
    // on the way (connection lost, shutdown, timeout) still fails what is left, through with_connection.
    std::vector<Inserted> out;
    out.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      try {
        out.push_back(with_fk_retry(i, i + 1).front());
      } catch (const pqxx::sql_error& e) {
        if (classify_sqlstate(e.sqlstate()) != SqlFailure::Permanent) throw;
        out.push_back({{}, std::current_exception()});
      }
    }
    return out;
  });
}

std::optional<StoredAudit> AuditStore::get(const std::string& owner, const std::string& id) {
  return pool_.with_connection([&](pqxx::connection& c) -> std::optional<StoredAudit> {
    pqxx::read_transaction tx(c);
    const auto rows = tx.exec_prepared("audit_get", id, owner);
    if (rows.empty()) return std::nullopt;
    const auto& r = rows[0];
    return StoredAudit{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<double>(),
                       r[4].as<int>(),         r[5].as<int>(),         r[6].as<std::string>()};
  });
}

AuditPage AuditStore::list(const std::string& owner, std::size_t limit, const std::string& cursor) {
  const long long before = cursor.empty() ? std::numeric_limits<long long>::max() : decode_cursor(cursor);
  return pool_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    // One extra row tells whether another page exists.
    const auto rows = tx.exec_prepared("audit_list", owner, before, static_cast<long long>(limit + 1));
    AuditPage page;
    long long last_seq = 0;
    for (const auto& r : rows) {
      if (page.items.size() == limit) {
        page.next_cursor = encode_cursor(last_seq);
        break;
      }
      last_seq = r[0].as<long long>();
      page.items.push_back({r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(),
                            r[4].as<double>(), r[5].as<int>(), r[6].as<int>(), {}});
    }
    return page;
  });
}

}  // namespace a11y::server
