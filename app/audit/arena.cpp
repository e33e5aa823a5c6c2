#include "audit/arena.hpp"

#include <algorithm>

namespace a11y::audit {
namespace {

constexpr std::size_t kAlign = alignof(std::max_align_t);

// One cached arena per thread: a lease takes it, and gives it back when done.
thread_local std::unique_ptr<Arena> t_cached;

}  // namespace

void* Arena::allocate(std::size_t size) {
  size = (std::max<std::size_t>(size, 1) + kAlign - 1) & ~(kAlign - 1);
  while (current_ < blocks_.size()) {
    Block& b = blocks_[current_];
    if (b.size - used_ >= size) {
      void* p = b.data.get() + used_;
      used_ += size;
      return p;
    }
    ++current_;
    used_ = 0;
  }
  Block b;
  b.size = std::max(kBlockBytes, size);
  b.data = std::make_unique_for_overwrite<std::byte[]>(b.size);
  reserved_ += b.size;
  blocks_.push_back(std::move(b));
  current_ = blocks_.size() - 1;
  used_ = size;
  return blocks_.back().data.get();
}

void Arena::reset() {
  // Keep the first blocks up to the retain budget; a huge document does not pin its memory forever.
  std::size_t kept = 0, keep_count = 0;
  while (keep_count < blocks_.size() && kept + blocks_[keep_count].size <= kRetainBytes) kept += blocks_[keep_count++].size;
  blocks_.resize(keep_count);
  reserved_ = kept;
  current_ = 0;
  used_ = 0;
}

ArenaLease::ArenaLease() : arena_(t_cached ? std::move(t_cached) : std::make_unique<Arena>()) {}

ArenaLease::~ArenaLease() {
  arena_->reset();
  if (!t_cached) t_cached = std::move(arena_);
}

}  // namespace a11y::audit
