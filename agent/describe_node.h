// `kubenode describe node`: the node as `kubectl describe node` shows it (addresses, capacity, system info).
// Served by the daemon, which knows its node name and IP and talks to the runtime it was configured with.
#pragma once

#include <string>

#include "base/status.h"
#include "cri/runtime_service.h"
#include "host/node_info.h"

namespace kubenode::agent {

// Renders the description; `runtime_version` is "containerd://1.6.20~ds1" as in Node.status.nodeInfo.
std::string FormatNodeDescription(const host::NodeInfo& info, const std::string& runtime_version,
                                  const std::string& kubelet_version);

// `info` (host::ReadNodeInfo()) as the daemon runs the node: named `node_name` (--hostname-override), at
// `node_ip` (--node-ip), with the runtime's version asked through CRI Version.
Result<std::string> DescribeNode(cri::RuntimeService& runtime, host::NodeInfo info, const std::string& node_name,
                                 const std::string& node_ip, const std::string& kubelet_version);

}  // namespace kubenode::agent
