// A bump allocator for gumbo's parse tree. One parse makes thousands of small allocations and the tree is
// dropped as a whole, so the arena hands out memory from large blocks and frees nothing until reset.
// Reset also replaces gumbo_destroy_output, whose recursive walk is a stack risk on deeply nested input.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

namespace a11y::audit {

class Arena {
 public:
  void* allocate(std::size_t size);
  // Forget every allocation; keep up to kRetainBytes of blocks for the next parse.
  void reset();
  std::size_t bytes_reserved() const { return reserved_; }

  static constexpr std::size_t kBlockBytes = 256 * 1024;
  static constexpr std::size_t kRetainBytes = 4 * 1024 * 1024;

 private:
  struct Block {
    std::unique_ptr<std::byte[]> data;
    std::size_t size = 0;
  };
  std::vector<Block> blocks_;
  std::size_t current_ = 0;   // index into blocks_ of the block being filled
  std::size_t used_ = 0;      // bytes used in that block
  std::size_t reserved_ = 0;
};

// An arena for the calling thread, returned on destruction (RAII lease). Threads never share one.
class ArenaLease {
 public:
  ArenaLease();
  ~ArenaLease();
  ArenaLease(const ArenaLease&) = delete;
  ArenaLease& operator=(const ArenaLease&) = delete;
  Arena& arena() { return *arena_; }

 private:
  std::unique_ptr<Arena> arena_;
};

}  // namespace a11y::audit
