// Redis through hiredis, used only as a cache: every operation may fail, and a failure means "bypass"
// (the caller goes to the source of truth), never an error for the client. While Redis is unreachable
// the client does not retry on every request: it waits retry_delay between connection attempts.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/config.hpp"

struct redisContext;

namespace a11y::server {

class RedisCache {
 public:
  RedisCache(RedisEndpoint endpoint, std::chrono::milliseconds timeout = std::chrono::milliseconds(250),
             std::chrono::milliseconds retry_delay = std::chrono::milliseconds(1000));
  ~RedisCache();

  std::optional<std::string> get(const std::string& key);  // nullopt: miss or Redis unavailable
  bool set(const std::string& key, const std::string& value, std::chrono::seconds ttl);
  bool set_many(const std::vector<std::pair<std::string, std::string>>& entries, std::chrono::seconds ttl);
  // Adds member to the HyperLogLog at key (and gives the key a ttl); false when Redis is unavailable.
  bool pfadd(const std::string& key, const std::string& member, std::chrono::seconds ttl);
  std::optional<long long> pfcount(const std::string& key);
  bool ping();

  bool available() const;          // the last operation succeeded (or none failed yet)
  std::uint64_t failures() const;  // operations that found Redis unavailable since start

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;
  template <typename Fn>
  auto run(Fn&& fn) -> decltype(fn(std::declval<redisContext*>()));
  Context connect();

  const RedisEndpoint endpoint_;
  const std::chrono::milliseconds timeout_, retry_delay_;
  mutable std::mutex mutex_;  // guards idle_, retry_after_, available_, failures_
  std::vector<Context> idle_;
  std::chrono::steady_clock::time_point retry_after_{};
  bool available_ = true;
  std::uint64_t failures_ = 0;
};

}  // namespace a11y::server
