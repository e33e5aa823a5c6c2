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

class AuditWriter {
 public:
  AuditWriter(AuditStore& store, RedisCache& cache, std::chrono::seconds cache_ttl, std::size_t max_batch = 256);
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
  const std::size_t max_batch_;
  std::mutex mutex_;  // guards queue_
  std::condition_variable_any ready_;
  std::deque<PendingAudit> queue_;
  bool stopped_ = false;  // guarded by mutex_
  std::jthread thread_;  // last: joined before the queue goes
};

}  // namespace a11y::server
