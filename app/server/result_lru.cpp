#include "server/result_lru.hpp"

namespace a11y::server {

std::optional<AuditOutcome> ResultLru::get(const std::string& key) {
  std::scoped_lock lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

std::size_t ResultLru::cost(const Item& item) {
  return item.first.size() + item.second.content_hash.size() + (item.second.doc ? item.second.doc->size() : 0) + 128;
}

void ResultLru::put(const std::string& key, AuditOutcome value) {
  Item item{key, std::move(value)};
  const auto item_cost = cost(item);
  std::scoped_lock lock(mutex_);
  if (const auto it = index_.find(key); it != index_.end()) {
    bytes_ -= cost(*it->second);
    order_.erase(it->second);
    index_.erase(it);
  }
  if (item_cost > max_bytes_ / 8) return;
  order_.push_front(std::move(item));
  index_.emplace(key, order_.begin());
  bytes_ += item_cost;
  while (bytes_ > max_bytes_) {
    bytes_ -= cost(order_.back());
    index_.erase(order_.back().first);
    order_.pop_back();
  }
}

std::size_t ResultLru::size() const {
  std::scoped_lock lock(mutex_);
  return order_.size();
}

std::size_t ResultLru::bytes() const {
  std::scoped_lock lock(mutex_);
  return bytes_;
}

}  // namespace a11y::server
