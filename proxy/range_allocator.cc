#include "proxy/range_allocator.h"

#include <algorithm>

namespace kubenode::proxy {

RangeAllocator::RangeAllocator(uint64_t size, uint64_t static_band, uint64_t seed)
    : size_(size), static_band_(std::min(static_band, size)), rng_(seed) {}

bool RangeAllocator::Allocate(uint64_t offset, const std::string& owner) {
  if (offset >= size_) return false;
  auto [it, inserted] = owners_.emplace(offset, owner);
  return inserted || it->second == owner;
}

// A random start then a linear scan, as upstream's randomScanStrategy: O(1) while the range is sparse and
// still finds the last free value of a nearly full range.
std::optional<uint64_t> RangeAllocator::ScanFree(uint64_t begin, uint64_t end) {
  if (begin >= end) return std::nullopt;
  uint64_t span = end - begin;
  uint64_t start = std::uniform_int_distribution<uint64_t>(0, span - 1)(rng_);
  for (uint64_t i = 0; i < span; ++i) {
    uint64_t offset = begin + (start + i) % span;
    if (!owners_.contains(offset)) return offset;
  }
  return std::nullopt;
}

std::optional<uint64_t> RangeAllocator::AllocateNext(const std::string& owner) {
  if (owners_.size() >= size_) return std::nullopt;
  std::optional<uint64_t> offset = ScanFree(static_band_, size_);
  if (!offset) offset = ScanFree(0, static_band_);
  if (offset) owners_.emplace(*offset, owner);
  return offset;
}

void RangeAllocator::Release(uint64_t offset) { owners_.erase(offset); }

const std::string* RangeAllocator::Owner(uint64_t offset) const {
  auto it = owners_.find(offset);
  return it == owners_.end() ? nullptr : &it->second;
}

}  // namespace kubenode::proxy
