// Parsing of the allocator flags: --service-cluster-ip-range (an IPv4 CIDR) and --service-node-port-range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ipv4.h"
#include "base/status.h"

namespace kubenode::proxy {

using ::kubenode::FormatIPv4;  // base/ipv4.h
using ::kubenode::ParseIPv4;

struct IPv4Cidr {
  uint32_t network = 0;  // host byte order, host bits zero
  int prefix_length = 0;

  uint64_t Size() const { return uint64_t{1} << (32 - prefix_length); }
  bool Contains(uint32_t address) const { return address - network < Size(); }
  std::string ToString() const { return FormatIPv4(network) + "/" + std::to_string(prefix_length); }
};

// "10.96.0.0/12". Host bits must be zero, as upstream's ParseCIDR-based flag validation effectively
// demands ("10.96.0.1/12" names the same network but is almost always a typo).
Result<IPv4Cidr> ParseIPv4Cidr(std::string_view text);

struct PortRange {
  int32_t base = 0;
  int32_t size = 0;

  int32_t Last() const { return base + size - 1; }
  bool Contains(int32_t port) const { return port >= base && port - base < size; }
  std::string ToString() const { return std::to_string(base) + "-" + std::to_string(Last()); }
};

// Upstream's utilnet.PortRange syntax: "30000-32767", "30000+2767" or a single port "30000".
Result<PortRange> ParsePortRange(std::string_view text);

}  // namespace kubenode::proxy
