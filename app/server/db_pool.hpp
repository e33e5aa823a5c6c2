// A small PostgreSQL connection pool (libpqxx). Connections are opened lazily up to `size`; a broken
// connection is dropped and reopened on a later acquire, so the pool recovers from a database restart
// without a process restart. While the database is unreachable, acquire() fails fast (no connect storm).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace a11y::server {

// The database cannot serve the request now (down, pool exhausted, connection broken): HTTP 503.
class DbUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a failed statement means for the request. ServerGone: the server is going away, not yet accepting,
// or the connection failed (57P01-57P03, class 08): 503, and the pool reconnects. Transient: worth
// retrying later on the same server (serialization failure 40001, deadlock 40P01, lock not available 55P03,
// statement timeout 57014, insufficient resources class 53: too many connections, disk full, out of
// memory): 503. Permanent: the statement itself is wrong for this data (data exceptions 22, integrity
// violations 23, syntax 42, ...): 500, and retrying it will not help.
enum class SqlFailure { ServerGone, Transient, Permanent };
SqlFailure classify_sqlstate(std::string_view sqlstate);

struct PoolStats {
  std::size_t size = 0;    // configured maximum
  std::size_t open = 0;    // connections open now
  std::size_t in_use = 0;  // leased out
  std::size_t waiting = 0; // callers waiting for a connection
};

class DbPool {
 public:
  using Prepare = std::function<void(pqxx::connection&)>;  // runs on every new connection
  DbPool(std::string url, std::size_t size, Prepare prepare, std::chrono::milliseconds acquire_timeout = std::chrono::seconds(2));
  ~DbPool();

  class Lease {
   public:
    Lease(DbPool* pool, std::unique_ptr<pqxx::connection> c) : pool_(pool), conn_(std::move(c)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }
    void discard() { broken_ = true; }  // do not return this connection to the pool

   private:
    DbPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  Lease acquire();  // throws DbUnavailable

  // Runs fn(connection); a broken connection is discarded and reported as DbUnavailable.
  template <typename Fn>
  auto with_connection(Fn&& fn) {
    auto lease = acquire();
    try {
      return fn(*lease);
    } catch (const pqxx::broken_connection& e) {
      lease.discard();
      mark_down();
      throw DbUnavailable(std::string("database connection lost: ") + e.what());
    } catch (const pqxx::sql_error& e) {
      const std::string state = e.sqlstate();
      switch (classify_sqlstate(state)) {
        case SqlFailure::ServerGone:
          lease.discard();
          mark_down();
          throw DbUnavailable(std::string("database unavailable: ") + e.what());
        case SqlFailure::Transient:
          throw DbUnavailable(std::string("database busy (SQLSTATE ") + state + "): " + e.what());
        case SqlFailure::Permanent:
          break;
      }
      throw;
    }
  }

  PoolStats stats() const;
  // Drops the idle connections (they most likely died with the server), so that they are reopened.
  void mark_down();
  // The database answered on another connection: stop failing fast, connect on the next acquire.
  void mark_up();
  const std::string& url() const { return url_; }

 private:
  void release(std::unique_ptr<pqxx::connection> c, bool broken);
  std::unique_ptr<pqxx::connection> open_connection();

  const std::string url_;
  const std::size_t size_;
  const Prepare prepare_;
  const std::chrono::milliseconds acquire_timeout_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_ = 0, in_use_ = 0, waiting_ = 0;
  std::chrono::steady_clock::time_point retry_after_{};  // fail fast until then after a connect failure
};

// Appends connect_timeout (seconds) to a postgres URL unless it sets one.
std::string with_connect_timeout(const std::string& url, int seconds);

}  // namespace a11y::server
