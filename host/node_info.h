// Facts about the node kubenode runs on, as kubelet reports them in Node.status (addresses, nodeInfo,
// capacity). Read from the kernel (netlink via libnl, uname, /proc, /etc) — nothing here is configured.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace kubenode::host {

struct NodeInfo {
  std::string hostname;
  std::string internal_ip;  // InternalIP: the node's primary IPv4 address
  std::string kernel_version;
  std::string os_image;          // PRETTY_NAME of /etc/os-release
  std::string architecture;      // GOARCH spelling: amd64, arm64
  std::string machine_id;
  std::string boot_id;
  int64_t cpu_count = 0;
  int64_t memory_bytes = 0;
};

// The primary IPv4 address as kubelet picks it when no --node-ip is given: the address of the interface
// that holds the default route, else the first global address of an up, non-loopback interface.
Result<std::string> PrimaryIPv4Address();

// Everything in NodeInfo; a missing optional source (e.g. no /etc/machine-id) leaves its field empty.
Result<NodeInfo> ReadNodeInfo();

// Hostname lowercased, as kubelet's node name default.
std::string NodeName();

}  // namespace kubenode::host
