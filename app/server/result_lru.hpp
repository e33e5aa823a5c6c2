// In-process cache of audit results keyed by the SHA-256 of the raw request body, in front of Redis:
// the same body always parses to the same request, so a hit skips the JSON parse, the content hash and
// the Redis round trip. Bounded by entry count, least recently used out first; thread-safe.
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
};

class ResultLru {
 public:
  explicit ResultLru(std::size_t capacity) : capacity_(capacity) {}
  std::optional<AuditOutcome> get(const std::string& key);
  void put(const std::string& key, AuditOutcome value);
  std::size_t size() const;

 private:
  using Item = std::pair<std::string, AuditOutcome>;
  const std::size_t capacity_;
  mutable std::mutex mutex_;  // guards order_ and index_
  std::list<Item> order_;     // most recently used first
  std::unordered_map<std::string, std::list<Item>::iterator> index_;
};

}  // namespace a11y::server
