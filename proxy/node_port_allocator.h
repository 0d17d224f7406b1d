// Node ports from --service-node-port-range (default 30000-32767), following upstream's portallocator:
// one owner per port number whatever the protocol (a Service may use its port for both TCP and UDP, two
// Services may not share it), random picks above the static band of min(max(16, size/32), 128) ports
// (30000-30085 for the default range). Not thread-safe; ServiceAllocator serializes access.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "proxy/ip_range.h"
#include "proxy/range_allocator.h"

namespace kubenode::proxy {

inline constexpr char kDefaultServiceNodePortRange[] = "30000-32767";

class NodePortAllocator {
 public:
  static Result<NodePortAllocator> Create(std::string_view port_range, uint64_t seed);

  const PortRange& port_range() const { return port_range_; }
  bool InRange(int32_t port) const { return port_range_.Contains(port); }

  // Takes `port` for `owner` ("namespace/name"); OK if `owner` already holds it.
  Status Allocate(int32_t port, const std::string& owner);
  Result<int32_t> AllocateNext(const std::string& owner);
  void Release(int32_t port);
  // The owner of `port`, or "" if it is free or not in the range.
  std::string Owner(int32_t port) const;
  size_t used() const { return range_.used(); }

 private:
  NodePortAllocator(PortRange port_range, uint64_t seed);

  PortRange port_range_;
  RangeAllocator range_;
};

}  // namespace kubenode::proxy
