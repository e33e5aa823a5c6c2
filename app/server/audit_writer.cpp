#include "server/audit_writer.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace a11y::server {

namespace {
std::size_t row_bytes(const PendingAudit& p) { return (p.result ? p.result->size() : 0) + AuditWriter::kRowOverheadBytes; }
}  // namespace

AuditWriter::AuditWriter(AuditStore& store, RedisCache& cache, std::chrono::seconds cache_ttl, std::size_t max_batch,
                         std::size_t max_queued, std::size_t max_queued_bytes)
    : store_(store), cache_(cache), cache_ttl_(cache_ttl), max_batch_(max_batch), max_queued_(max_queued),
      max_queued_bytes_(max_queued_bytes),
      thread_([this](std::stop_token stop) { run(stop); }) {}

AuditWriter::~AuditWriter() { shutdown(); }

void AuditWriter::shutdown() {
  {
    std::scoped_lock lock(mutex_);
    stopped_ = true;
  }
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void AuditWriter::submit(PendingAudit audit) {
  const std::size_t bytes = row_bytes(audit);
  bool full = false;
  {
    std::scoped_lock lock(mutex_);
    full = queue_.size() >= max_queued_ || queued_bytes_ + bytes > max_queued_bytes_;
    if (!stopped_ && !full) {
      queued_bytes_ += bytes;
      queue_.push_back(std::move(audit));
      ready_.notify_one();
      return;
    }
  }
  if (full) return audit.done({}, std::make_exception_ptr(WriterOverloaded("the audit writer's queue is full")));
  audit.done({}, std::make_exception_ptr(DbUnavailable("shutting down")));
}

void AuditWriter::run(std::stop_token stop) {
  std::vector<PendingAudit> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, stop, [&] { return !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      // Whatever arrived while the previous batch was being written goes in this one.
      while (!queue_.empty() && batch.size() < max_batch_) {
        queued_bytes_ -= std::min(queued_bytes_, row_bytes(queue_.front()));
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    write(batch);
    batch.clear();
  }
}

void AuditWriter::write(std::vector<PendingAudit>& batch) {
  std::vector<AuditStore::NewAudit> rows;
  rows.reserve(batch.size());
  for (const auto& p : batch) rows.push_back({&p.owner, &p.audit, p.result.get(), p.result_known_stored});
  std::vector<AuditStore::Inserted> inserted;
  try {
    inserted = store_.insert_batch(rows);
  } catch (...) {
    inserted.assign(batch.size(), AuditStore::Inserted{{}, std::current_exception()});   // the whole batch failed
  }
  std::vector<std::pair<std::string, std::string>> entries;
  entries.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!inserted[i].error && !batch[i].cache_key.empty())
      entries.emplace_back(batch[i].cache_key, batch[i].cache_value(inserted[i].created_at));
  }
  if (!entries.empty()) cache_.set_many(entries, cache_ttl_);  // a failure is a cache bypass, counted by the cache
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      batch[i].done(inserted[i].created_at, inserted[i].error);
    } catch (const std::exception& e) {
      spdlog::error("audit writer: completing a request failed: {}", e.what());
    }
  }
}

}  // namespace a11y::server
