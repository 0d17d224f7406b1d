// Cluster IPs from --service-cluster-ip-range (default 10.96.0.0/12), following upstream's ipallocator:
// the network and broadcast addresses are never handed out; random allocation prefers addresses above the
// static band (the first min(max(16, size/16), 256) addresses, e.g. 10.96.0.1-10.96.1.0 for the default
// range), which is why the `kubernetes` Service's conventional 10.96.0.1 is never picked at random.
// Not thread-safe; ServiceAllocator serializes access.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "proxy/ip_range.h"
#include "proxy/range_allocator.h"

namespace kubenode::proxy {

inline constexpr char kDefaultServiceClusterIPRange[] = "10.96.0.0/12";

class ClusterIPAllocator {
 public:
  // Errors for ranges upstream's kube-apiserver also refuses: larger than /12 or without usable addresses.
  static Result<ClusterIPAllocator> Create(std::string_view cidr, uint64_t seed);

  const IPv4Cidr& cidr() const { return cidr_; }
  bool InRange(const std::string& ip) const;

  // Takes `ip` for `owner` ("namespace/name"); OK if `owner` already holds it.
  Status Allocate(const std::string& ip, const std::string& owner);
  Result<std::string> AllocateNext(const std::string& owner);
  void Release(const std::string& ip);
  // The owner of `ip`, or "" if it is free or not in the range.
  std::string Owner(const std::string& ip) const;
  size_t used() const { return range_.used(); }

 private:
  ClusterIPAllocator(IPv4Cidr cidr, uint64_t seed);
  // Offset of `ip` from the first usable address, if `ip` is a usable address of the range.
  std::optional<uint64_t> Offset(const std::string& ip) const;

  IPv4Cidr cidr_;
  uint32_t base_;  // first usable address: network + 1
  RangeAllocator range_;
};

}  // namespace kubenode::proxy
