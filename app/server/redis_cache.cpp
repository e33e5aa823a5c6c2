#include "server/redis_cache.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace a11y::server {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Reply command(redisContext* c, std::vector<std::string> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

constexpr std::size_t kMaxIdle = 16;

}  // namespace

void RedisCache::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

RedisCache::RedisCache(RedisEndpoint endpoint, std::chrono::milliseconds timeout, std::chrono::milliseconds retry_delay)
    : endpoint_(std::move(endpoint)), timeout_(timeout), retry_delay_(retry_delay) {}

RedisCache::~RedisCache() = default;

RedisCache::Context RedisCache::connect() {
  Context c(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(timeout_)));
  if (!c || c->err) return nullptr;
  if (redisSetTimeout(c.get(), to_timeval(timeout_)) != REDIS_OK) return nullptr;
  if (!endpoint_.password.empty()) {
    auto r = command(c.get(), {"AUTH", endpoint_.password});
    if (!r || r->type == REDIS_REPLY_ERROR) return nullptr;
  }
  if (endpoint_.db != 0) {
    auto r = command(c.get(), {"SELECT", std::to_string(endpoint_.db)});
    if (!r || r->type == REDIS_REPLY_ERROR) return nullptr;
  }
  return c;
}

// Runs fn on a pooled context. fn returns std::optional<T>; nullopt from fn or a broken context means
// Redis is unavailable (the context is dropped, the failure counted, and retries wait retry_delay).
template <typename Fn>
auto RedisCache::run(Fn&& fn) -> decltype(fn(std::declval<redisContext*>())) {
  Context ctx;
  {
    std::scoped_lock lock(mutex_);
    if (!idle_.empty()) {
      ctx = std::move(idle_.back());
      idle_.pop_back();
    } else if (std::chrono::steady_clock::now() < retry_after_) {
      ++failures_;
      return std::nullopt;
    }
  }
  if (!ctx) ctx = connect();
  auto result = ctx ? fn(ctx.get()) : std::nullopt;
  std::scoped_lock lock(mutex_);
  if (result && ctx && !ctx->err) {
    if (!available_) spdlog::info("redis is reachable again");
    available_ = true;
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(ctx));
  } else {
    if (available_) spdlog::warn("redis unavailable, bypassing the cache: {}", ctx ? ctx->errstr : "cannot connect");
    available_ = false;
    ++failures_;
    retry_after_ = std::chrono::steady_clock::now() + retry_delay_;
    idle_.clear();  // the others most likely broke with it
  }
  return result;
}

std::optional<std::string> RedisCache::get(const std::string& key) {
  // Outer optional: Redis answered; inner: the key existed.
  auto r = run([&](redisContext* c) -> std::optional<std::optional<std::string>> {
    auto reply = command(c, {"GET", key});
    if (!reply || reply->type == REDIS_REPLY_ERROR) return std::nullopt;
    if (reply->type == REDIS_REPLY_STRING) return std::optional<std::string>(std::string(reply->str, reply->len));
    return std::optional<std::string>();
  });
  return r ? *r : std::nullopt;
}

bool RedisCache::set(const std::string& key, const std::string& value, std::chrono::seconds ttl) {
  return run([&](redisContext* c) -> std::optional<bool> {
           auto reply = command(c, {"SET", key, value, "EX", std::to_string(ttl.count())});
           if (!reply || reply->type == REDIS_REPLY_ERROR) return std::nullopt;
           return true;
         })
      .has_value();
}

bool RedisCache::set_many(const std::vector<std::pair<std::string, std::string>>& entries, std::chrono::seconds ttl) {
  if (entries.empty()) return true;
  return run([&](redisContext* c) -> std::optional<bool> {
           // Pipelined: one round trip for the whole batch.
           const std::string ttl_text = std::to_string(ttl.count());
           for (const auto& [key, value] : entries) {
             const char* argv[] = {"SET", key.data(), value.data(), "EX", ttl_text.data()};
             const size_t lens[] = {3, key.size(), value.size(), 2, ttl_text.size()};
             if (redisAppendCommandArgv(c, 5, argv, lens) != REDIS_OK) return std::nullopt;
           }
           bool ok = true;
           for (std::size_t i = 0; i < entries.size(); ++i) {
             void* raw = nullptr;
             if (redisGetReply(c, &raw) != REDIS_OK) return std::nullopt;
             Reply reply(static_cast<redisReply*>(raw));
             ok = ok && reply && reply->type != REDIS_REPLY_ERROR;
           }
           return ok ? std::optional<bool>(true) : std::nullopt;
         })
      .has_value();
}

bool RedisCache::pfadd(const std::string& key, const std::string& member, std::chrono::seconds ttl) {
  return run([&](redisContext* c) -> std::optional<bool> {
           // Pipelined: one round trip for both commands.
           const std::string ttl_text = std::to_string(ttl.count());
           const char* pf[] = {"PFADD", key.c_str(), member.c_str()};
           const size_t pf_len[] = {5, key.size(), member.size()};
           const char* ex[] = {"EXPIRE", key.c_str(), ttl_text.c_str()};
           const size_t ex_len[] = {6, key.size(), ttl_text.size()};
           if (redisAppendCommandArgv(c, 3, pf, pf_len) != REDIS_OK) return std::nullopt;
           if (redisAppendCommandArgv(c, 3, ex, ex_len) != REDIS_OK) return std::nullopt;
           for (int i = 0; i < 2; ++i) {
             void* raw = nullptr;
             if (redisGetReply(c, &raw) != REDIS_OK) return std::nullopt;
             Reply reply(static_cast<redisReply*>(raw));
             if (!reply || reply->type == REDIS_REPLY_ERROR) return std::nullopt;
           }
           return true;
         })
      .has_value();
}

std::optional<long long> RedisCache::pfcount(const std::string& key) {
  return run([&](redisContext* c) -> std::optional<long long> {
    auto reply = command(c, {"PFCOUNT", key});
    if (!reply || reply->type != REDIS_REPLY_INTEGER) return std::nullopt;
    return reply->integer;
  });
}

bool RedisCache::ping() {
  return run([&](redisContext* c) -> std::optional<bool> {
           auto reply = command(c, {"PING"});
           if (!reply || reply->type == REDIS_REPLY_ERROR) return std::nullopt;
           return true;
         })
      .has_value();
}

bool RedisCache::available() const {
  std::scoped_lock lock(mutex_);
  return available_;
}

std::uint64_t RedisCache::failures() const {
  std::scoped_lock lock(mutex_);
  return failures_;
}

}  // namespace a11y::server
