#include "proxy/node_port_allocator.h"

#include <algorithm>

namespace kubenode::proxy {

namespace {

// Upstream's calculateRangeOffset for port ranges: min(max(16, size/32), 128), 0 for tiny ranges.
uint64_t StaticBand(int32_t size) {
  if (size <= 16) return 0;
  return std::clamp<uint64_t>(static_cast<uint64_t>(size) / 32, 16, 128);
}

}  // namespace

Result<NodePortAllocator> NodePortAllocator::Create(std::string_view text, uint64_t seed) {
  Result<PortRange> range = ParsePortRange(text);
  if (!range.ok()) return range.status().WithContext("--service-node-port-range");
  if (range->base == 0) return Status::Error("--service-node-port-range: " + std::string(text) + " includes port 0");
  return NodePortAllocator(*range, seed);
}

NodePortAllocator::NodePortAllocator(PortRange port_range, uint64_t seed)
    : port_range_(port_range), range_(port_range.size, StaticBand(port_range.size), seed) {}

Status NodePortAllocator::Allocate(int32_t port, const std::string& owner) {
  if (!InRange(port)) {
    return Status::Error("provided port is not in the valid range. The range of valid ports is " +
                         port_range_.ToString());
  }
  uint64_t offset = static_cast<uint64_t>(port - port_range_.base);
  if (!range_.Allocate(offset, owner)) {
    return Status::Error("provided port is already allocated to service " + *range_.Owner(offset));
  }
  return Status();
}

Result<int32_t> NodePortAllocator::AllocateNext(const std::string& owner) {
  std::optional<uint64_t> offset = range_.AllocateNext(owner);
  if (!offset) return Status::Error("failed to allocate a nodePort: range is full");
  return port_range_.base + static_cast<int32_t>(*offset);
}

void NodePortAllocator::Release(int32_t port) {
  if (InRange(port)) range_.Release(static_cast<uint64_t>(port - port_range_.base));
}

std::string NodePortAllocator::Owner(int32_t port) const {
  if (!InRange(port)) return "";
  const std::string* owner = range_.Owner(static_cast<uint64_t>(port - port_range_.base));
  return owner ? *owner : "";
}

}  // namespace kubenode::proxy
