#include "server/db_pool.hpp"

#include <spdlog/spdlog.h>

namespace a11y::server {

namespace {
constexpr auto kRetryDelay = std::chrono::milliseconds(500);
}

SqlFailure classify_sqlstate(std::string_view state) {
  if (state.rfind("57P", 0) == 0 || state.rfind("08", 0) == 0) return SqlFailure::ServerGone;
  if (state == "40001" || state == "40P01" || state == "55P03" || state == "57014" || state.rfind("53", 0) == 0)
    return SqlFailure::Transient;
  return SqlFailure::Permanent;
}

std::string with_connect_timeout(const std::string& url, int seconds) {
  if (url.find("connect_timeout=") != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + std::to_string(seconds);
}

DbPool::DbPool(std::string url, std::size_t size, Prepare prepare, std::chrono::milliseconds acquire_timeout)
    : url_(with_connect_timeout(url, 2)), size_(size), prepare_(std::move(prepare)), acquire_timeout_(acquire_timeout) {}

DbPool::~DbPool() = default;

DbPool::Lease::~Lease() {
  if (pool_ && conn_) pool_->release(std::move(conn_), broken_);
}

std::unique_ptr<pqxx::connection> DbPool::open_connection() {
  auto c = std::make_unique<pqxx::connection>(url_);
  {
    pqxx::nontransaction tx(*c);
    tx.exec("SET statement_timeout = 5000");
  }
  if (prepare_) prepare_(*c);
  return c;
}

DbPool::Lease DbPool::acquire() {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
  for (;;) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->is_open()) {  // dropped while idle
        --open_;
        continue;
      }
      ++in_use_;
      return Lease(this, std::move(c));
    }
    if (open_ < size_) {
      if (std::chrono::steady_clock::now() < retry_after_) throw DbUnavailable("database unreachable (retrying shortly)");
      ++open_;
      ++in_use_;
      lock.unlock();
      try {
        return Lease(this, open_connection());
      } catch (const std::exception& e) {
        lock.lock();
        --open_;
        --in_use_;
        retry_after_ = std::chrono::steady_clock::now() + kRetryDelay;
        available_.notify_one();
        throw DbUnavailable(std::string("cannot connect to the database: ") + e.what());
      }
    }
    ++waiting_;
    const bool woke = available_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < size_; });
    --waiting_;
    if (!woke) throw DbUnavailable("database pool exhausted");
  }
}

void DbPool::release(std::unique_ptr<pqxx::connection> c, bool broken) {
  std::scoped_lock lock(mutex_);
  --in_use_;
  if (broken || !c->is_open()) {
    --open_;
  } else {
    idle_.push_back(std::move(c));
  }
  available_.notify_one();
}

void DbPool::mark_down() {
  // The other idle connections most likely died with the server; drop them so they are reopened.
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  std::scoped_lock lock(mutex_);
  open_ -= idle_.size();
  dropped.swap(idle_);
  available_.notify_all();
}

void DbPool::mark_up() {
  std::scoped_lock lock(mutex_);
  retry_after_ = {};
}

PoolStats DbPool::stats() const {
  std::scoped_lock lock(mutex_);
  return {size_, open_, in_use_, waiting_};
}

}  // namespace a11y::server
