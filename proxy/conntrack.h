// Conntrack cleanup behind an interface. When a UDP endpoint goes away, connections already DNATed to it
// would keep being sent there (UDP has no close), so the proxier deletes them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kubenode::proxy {

class Conntrack {
 public:
  virtual ~Conntrack() = default;
  // Deletes UDP entries whose reply comes from `ip:port` (i.e. that were DNATed to that endpoint). Returns
  // how many were deleted.
  virtual Result<int> DeleteUdpToEndpoint(const std::string& ip, uint16_t port) = 0;
};

// libnetfilter_conntrack over netlink; `netns_path` as for NftnlBackend.
class NetlinkConntrack : public Conntrack {
 public:
  explicit NetlinkConntrack(std::string netns_path = "") : netns_path_(std::move(netns_path)) {}
  Result<int> DeleteUdpToEndpoint(const std::string& ip, uint16_t port) override;

 private:
  std::string netns_path_;
};

class FakeConntrack : public Conntrack {
 public:
  Result<int> DeleteUdpToEndpoint(const std::string& ip, uint16_t port) override {
    deleted.emplace_back(ip, port);
    return 0;
  }
  std::vector<std::pair<std::string, uint16_t>> deleted;
};

}  // namespace kubenode::proxy
