// Owner-tracking allocation of offsets [0, size), shared by the cluster IP and node port allocators. Like
// upstream's bitmap allocators with a static band (KEP-3070, KEP-3668): random picks prefer the upper part
// of the range, [static_band, size), so the lower part stays free for values users write into manifests;
// only when the upper part is full does a random pick fall back to the lower part.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

namespace kubenode::proxy {

class RangeAllocator {
 public:
  RangeAllocator(uint64_t size, uint64_t static_band, uint64_t seed);

  uint64_t size() const { return size_; }
  size_t used() const { return owners_.size(); }

  // Takes `offset` for `owner`. True if it was free or already held by the same owner.
  bool Allocate(uint64_t offset, const std::string& owner);
  // Takes a random free offset; nullopt when the range is full.
  std::optional<uint64_t> AllocateNext(const std::string& owner);
  void Release(uint64_t offset);
  // The owner of `offset`, or nullptr if it is free.
  const std::string* Owner(uint64_t offset) const;

 private:
  std::optional<uint64_t> ScanFree(uint64_t begin, uint64_t end);

  uint64_t size_;
  uint64_t static_band_;
  std::unordered_map<uint64_t, std::string> owners_;
  std::mt19937_64 rng_;
};

}  // namespace kubenode::proxy
