#include "agent/describe_node.h"

#include <sstream>

namespace kubenode::agent {

std::string FormatNodeDescription(const host::NodeInfo& info, const std::string& runtime_version,
                                  const std::string& kubelet_version) {
  std::ostringstream out;
  const std::string memory_ki = std::to_string(info.memory_bytes / 1024) + "Ki";
  out << "Name:               " << info.hostname << "\n"
      << "Roles:              <none>\n"
      << "Labels:             beta.kubernetes.io/arch=" << info.architecture << "\n"
      << "                    beta.kubernetes.io/os=linux\n"
      << "                    kubernetes.io/arch=" << info.architecture << "\n"
      << "                    kubernetes.io/hostname=" << info.hostname << "\n"
      << "                    kubernetes.io/os=linux\n"
      << "Addresses:\n"
      << "  InternalIP:  " << info.internal_ip << "\n"
      << "  Hostname:    " << info.hostname << "\n"
      << "Capacity:\n"
      << "  cpu:     " << info.cpu_count << "\n"
      << "  memory:  " << memory_ki << "\n"
      << "System Info:\n"
      << "  Machine ID:                 " << info.machine_id << "\n"
      << "  Boot ID:                    " << info.boot_id << "\n"
      << "  Kernel Version:             " << info.kernel_version << "\n"
      << "  OS Image:                   " << info.os_image << "\n"
      << "  Operating System:           linux\n"
      << "  Architecture:               " << info.architecture << "\n"
      << "  Container Runtime Version:  " << runtime_version << "\n"
      << "  Kubelet Version:            " << kubelet_version << "\n"
      << "  Kube-Proxy Version:         " << kubelet_version << "\n";
  return out.str();
}

Result<std::string> DescribeNode(cri::RuntimeService& runtime, host::NodeInfo info, const std::string& node_name,
                                 const std::string& node_ip, const std::string& kubelet_version) {
  // As kubelet with --hostname-override: the node's name, its Hostname address and hostname label agree.
  info.hostname = node_name;
  info.internal_ip = node_ip;
  auto version = runtime.Version();
  if (!version.ok()) return version.status().WithContext("container runtime");
  return FormatNodeDescription(info, version->runtime_name + "://" + version->runtime_version, kubelet_version);
}

}  // namespace kubenode::agent
