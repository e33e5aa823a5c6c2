// In-process cache of audit results keyed by the SHA-256 of the raw request body, in front of Redis:
// the same body always parses to the same request, so a hit skips the JSON parse, the content hash and
// the Redis round trip. Bounded by the bytes it holds, least recently used out first; thread-safe.
#pragma once
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace a11y::server {

struct AuditOutcome {
  std::string content_hash;
  int html_bytes = 0;
  double score = 0;
  int finding_count = 0;
  std::shared_ptr<const std::string> doc;  // the result document, shared by every response that carries it
  bool partial = false;                    // the CPU budget ran out: not worth caching
};

class ResultLru {
 public:
  explicit ResultLru(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  std::optional<AuditOutcome> get(const std::string& key);
  // A value larger than an eighth of the budget is not kept (it would evict too much).
  void put(const std::string& key, AuditOutcome value);
  std::size_t size() const;
  std::size_t bytes() const;

 private:
  using Item = std::pair<std::string, AuditOutcome>;
  static std::size_t cost(const Item& item);
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;  // guards order_, index_ and bytes_
  std::list<Item> order_;     // most recently used first
  std::unordered_map<std::string, std::list<Item>::iterator> index_;
  std::size_t bytes_ = 0;
};

}  // namespace a11y::server
