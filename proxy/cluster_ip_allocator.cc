#include "proxy/cluster_ip_allocator.h"

#include <algorithm>

namespace kubenode::proxy {

namespace {

// Upstream's calculateRangeOffset for service CIDRs: min(max(16, size/16), 256), 0 for tiny ranges.
uint64_t StaticBand(uint64_t cidr_size) {
  if (cidr_size <= 16) return 0;
  return std::clamp<uint64_t>(cidr_size / 16, 16, 256);
}

// Usable addresses: all but the network and broadcast addresses.
uint64_t UsableSize(const IPv4Cidr& cidr) { return cidr.Size() > 2 ? cidr.Size() - 2 : 0; }

}  // namespace

Result<ClusterIPAllocator> ClusterIPAllocator::Create(std::string_view text, uint64_t seed) {
  Result<IPv4Cidr> cidr = ParseIPv4Cidr(text);
  if (!cidr.ok()) return cidr.status().WithContext("--service-cluster-ip-range");
  if (cidr->prefix_length < 12) {
    return Status::Error("--service-cluster-ip-range: " + std::string(text) +
                         " is too large; for 32-bit addresses, the mask must be >= 12");
  }
  if (UsableSize(*cidr) == 0) {
    return Status::Error("--service-cluster-ip-range: " + std::string(text) + " has no usable addresses");
  }
  return ClusterIPAllocator(*cidr, seed);
}

ClusterIPAllocator::ClusterIPAllocator(IPv4Cidr cidr, uint64_t seed)
    : cidr_(cidr), base_(cidr.network + 1), range_(UsableSize(cidr), StaticBand(cidr.Size()), seed) {}

std::optional<uint64_t> ClusterIPAllocator::Offset(const std::string& ip) const {
  std::optional<uint32_t> address = ParseIPv4(ip);
  if (!address || !cidr_.Contains(*address) || *address < base_) return std::nullopt;
  uint64_t offset = *address - base_;
  if (offset >= range_.size()) return std::nullopt;
  return offset;
}

bool ClusterIPAllocator::InRange(const std::string& ip) const { return Offset(ip).has_value(); }

Status ClusterIPAllocator::Allocate(const std::string& ip, const std::string& owner) {
  auto failed = [&](const std::string& why) { return Status::Error("failed to allocate IP " + ip + ": " + why); };
  if (!ParseIPv4(ip)) return failed("not a valid IPv4 address");
  std::optional<uint64_t> offset = Offset(ip);
  if (!offset) {
    return failed("the provided IP (" + ip + ") is not in the valid range. The range of valid IPs is " +
                  cidr_.ToString());
  }
  if (!range_.Allocate(*offset, owner)) {
    return failed("provided IP is already allocated to service " + *range_.Owner(*offset));
  }
  return Status();
}

Result<std::string> ClusterIPAllocator::AllocateNext(const std::string& owner) {
  std::optional<uint64_t> offset = range_.AllocateNext(owner);
  if (!offset) return Status::Error("failed to allocate a serviceIP: range is full");
  return FormatIPv4(base_ + static_cast<uint32_t>(*offset));
}

void ClusterIPAllocator::Release(const std::string& ip) {
  if (std::optional<uint64_t> offset = Offset(ip)) range_.Release(*offset);
}

std::string ClusterIPAllocator::Owner(const std::string& ip) const {
  std::optional<uint64_t> offset = Offset(ip);
  const std::string* owner = offset ? range_.Owner(*offset) : nullptr;
  return owner ? *owner : "";
}

}  // namespace kubenode::proxy
