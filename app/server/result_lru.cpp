#include "server/result_lru.hpp"

namespace a11y::server {

std::optional<AuditOutcome> ResultLru::get(const std::string& key) {
  std::scoped_lock lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void ResultLru::put(const std::string& key, AuditOutcome value) {
  if (capacity_ == 0) return;
  std::scoped_lock lock(mutex_);
  if (const auto it = index_.find(key); it != index_.end()) {
    it->second->second = std::move(value);
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.emplace_front(key, std::move(value));
  index_.emplace(key, order_.begin());
  if (order_.size() > capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

std::size_t ResultLru::size() const {
  std::scoped_lock lock(mutex_);
  return order_.size();
}

}  // namespace a11y::server
