// `kubenode describe node`: the node as `kubectl describe node` shows it (addresses, capacity, system info).
#pragma once

#include <string>

#include "base/status.h"
#include "cri/runtime_service.h"
#include "host/node_info.h"

namespace kubenode::cmd {

// Renders the description; `runtime_version` is "containerd://1.6.20~ds1" as in Node.status.nodeInfo.
std::string FormatNodeDescription(const host::NodeInfo& info, const std::string& runtime_version,
                                  const std::string& kubelet_version);

// Reads the node and asks the runtime for its version through CRI Version.
Result<std::string> DescribeNode(cri::RuntimeService& runtime, const std::string& kubelet_version);

}  // namespace kubenode::cmd
