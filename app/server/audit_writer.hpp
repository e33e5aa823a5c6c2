// Group commit for audit rows: requests queue their row, one writer thread inserts everything queued in
// one transaction, then completes each request. A request is answered only after its row is committed
// (or with the error that stopped the batch), and the write cost per row falls as the load rises.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/audit_store.hpp"
#include "server/redis_cache.hpp"

namespace a11y::server {

struct PendingAudit {
  std::string owner;
  StoredAudit audit;  // result_json unused: see result
  std::shared_ptr<const std::string> result;
  bool result_known_stored = false;
  // After the commit and before done runs, cache_key is set in Redis to cache_value(created_at), for the
  // whole batch in one pipelined round trip.
  std::string cache_key;
  std::function<std::string(const std::string& created_at)> cache_value;
  // created_at on success; otherwise error is set (DbUnavailable, or another failure).
  std::function<void(const std::string& created_at, std::exception_ptr error)> done;
};

// The writer's queue is full (rows or bytes): the request is answered 503 overloaded, not queued.
class WriterOverloaded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AuditWriter {
 public:
  // The queue holds at most max_queued rows and max_queued_bytes of result documents (each row counts
  // its result's size plus kRowOverheadBytes); past either, submit completes the row with WriterOverloaded.
  AuditWriter(AuditStore& store, RedisCache& cache, std::chrono::seconds cache_ttl, std::size_t max_batch = 256,
              std::size_t max_queued = 4096, std::size_t max_queued_bytes = 64 << 20);
  static constexpr std::size_t kRowOverheadBytes = 512;
  ~AuditWriter();   // shutdown()
  void shutdown();  // writes what is queued, then joins; later submissions fail at once
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  void submit(PendingAudit audit);

 private:
  void run(std::stop_token stop);
  void write(std::vector<PendingAudit>& batch);

  AuditStore& store_;
  RedisCache& cache_;
  const std::chrono::seconds cache_ttl_;
  const std::size_t max_batch_, max_queued_, max_queued_bytes_;
  std::mutex mutex_;  // guards queue_, queued_bytes_ and stopped_
  std::condition_variable_any ready_;
  std::deque<PendingAudit> queue_;
  std::size_t queued_bytes_ = 0;
  bool stopped_ = false;
  std::jthread thread_;  // last: joined before the queue goes
};

}  // namespace a11y::server
