// Which sysctls a pod may set, as upstream kubelet v1.28 (pkg/kubelet/sysctl): the safe set, plus the
// KubeletConfiguration's allowedUnsafeSysctls (names or "prefix*" patterns). Admission refuses a pod that
// sets any other with reason SysctlForbidden.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/status.h"

namespace kubenode::kubelet {

inline constexpr char kSysctlForbiddenReason[] = "SysctlForbidden";

// The kernel namespace a sysctl belongs to; kUnknown: not known to be namespaced (it would change the node).
enum class SysctlNamespace { kUnknown, kIpc, kNet };
SysctlNamespace SysctlNamespaceOf(const std::string& name);

// "net/ipv4/ip_forward" -> "net.ipv4.ip_forward"; names that use dots first are unchanged (a dot after a
// slash is part of a segment, e.g. an interface "eth0.100").
std::string SysctlDotsName(const std::string& name);

// Upstream's safe sysctls (v1.28): namespaced and without effect on other pods.
const std::vector<std::string>& SafeSysctls();

struct AdmitResult {
  bool admit = true;
  std::string reason;
  std::string message;
};

class SysctlAllowlist {
 public:
  // The safe sysctls and `allowed_unsafe`; an error names a pattern that is malformed or not namespaced.
  static Result<SysctlAllowlist> Create(const std::vector<std::string>& allowed_unsafe);

  // Every spec.securityContext.sysctls entry must be allowed, and not of a namespace the pod shares with the
  // host (net with hostNetwork, ipc with hostIPC).
  AdmitResult Admit(const api::Pod& pod) const;

 private:
  Status Check(const std::string& name, bool host_network, bool host_ipc) const;

  std::map<std::string, SysctlNamespace> names_;
  std::map<std::string, SysctlNamespace> prefixes_;
};

}  // namespace kubenode::kubelet
