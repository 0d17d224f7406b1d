#include "kubelet/runtime/sysctls.h"

#include <regex>

namespace kubenode::kubelet {
namespace {

constexpr size_t kSysctlMaxLength = 253;
// A sysctl name or pattern: segments of [a-z0-9] with inner '-' / '_', separated by '.' or '/'; the last
// may end in '*' for a prefix pattern ("kernel.msg*", "net.*"), as upstream's IsValidSysctlPattern.
constexpr char kSysctlPatternFmt[] = R"(([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*])";

bool IsValidSysctlPattern(const std::string& pattern) {
  static const std::regex re(std::string("^") + kSysctlPatternFmt + "$");
  return pattern.size() <= kSysctlMaxLength && std::regex_match(pattern, re);
}

const char* NamespaceName(SysctlNamespace ns) { return ns == SysctlNamespace::kIpc ? "ipc" : "net"; }

}  // namespace

SysctlNamespace SysctlNamespaceOf(const std::string& name) {
  if (name == "kernel.sem") return SysctlNamespace::kIpc;
  for (const char* prefix : {"kernel.shm", "kernel.msg", "fs.mqueue."}) {
    if (name.starts_with(prefix)) return SysctlNamespace::kIpc;
  }
  if (name.starts_with("net.")) return SysctlNamespace::kNet;
  return SysctlNamespace::kUnknown;
}

std::string SysctlDotsName(const std::string& name) {
  const auto first = name.find_first_of("./");
  if (first == std::string::npos || name[first] == '.') return name;
  std::string out = name;
  for (char& c : out) {
    if (c == '.') {
      c = '/';
    } else if (c == '/') {
      c = '.';
    }
  }
  return out;
}

const std::vector<std::string>& SafeSysctls() {
  // net.ipv4.ip_local_reserved_ports needs Linux 3.16, which every supported node has.
  static const std::vector<std::string> names = {
      "kernel.shm_rmid_forced",    "net.ipv4.ip_local_port_range",       "net.ipv4.tcp_syncookies",
      "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
  };
  return names;
}

Result<SysctlAllowlist> SysctlAllowlist::Create(const std::vector<std::string>& allowed_unsafe) {
  SysctlAllowlist list;
  std::vector<std::string> patterns = SafeSysctls();
  patterns.insert(patterns.end(), allowed_unsafe.begin(), allowed_unsafe.end());
  for (const auto& pattern : patterns) {
    if (!IsValidSysctlPattern(pattern)) {
      return Status::Error("sysctl \"" + pattern + "\" must have at most " + std::to_string(kSysctlMaxLength) +
                           " characters and match regex " + kSysctlPatternFmt);
    }
    const std::string s = SysctlDotsName(pattern);
    if (s.ends_with("*")) {
      const std::string prefix = s.substr(0, s.size() - 1);
      const auto ns = SysctlNamespaceOf(prefix);
      if (ns == SysctlNamespace::kUnknown) {
        return Status::Error("the sysctls \"" + s + "\" are not known to be namespaced");
      }
      list.prefixes_[prefix] = ns;
    } else {
      const auto ns = SysctlNamespaceOf(s);
      if (ns == SysctlNamespace::kUnknown) {
        return Status::Error("the sysctl \"" + s + "\" are not known to be namespaced");
      }
      list.names_[s] = ns;
    }
  }
  return list;
}

Status SysctlAllowlist::Check(const std::string& raw, bool host_network, bool host_ipc) const {
  const std::string name = SysctlDotsName(raw);
  auto shared_with_host = [&](SysctlNamespace ns) -> Status {
    if ((ns == SysctlNamespace::kIpc && host_ipc) || (ns == SysctlNamespace::kNet && host_network)) {
      return Status::Error("\"" + name + "\" not allowed with host " + NamespaceName(ns) + " enabled");
    }
    return {};
  };
  if (auto it = names_.find(name); it != names_.end()) return shared_with_host(it->second);
  for (const auto& [prefix, ns] : prefixes_) {
    if (name.starts_with(prefix)) return shared_with_host(ns);
  }
  return Status::Error("\"" + name + "\" not allowlisted");
}

AdmitResult SysctlAllowlist::Admit(const api::Pod& pod) const {
  for (const auto& s : pod.spec.security_context.sysctls) {
    if (auto st = Check(s.name, pod.spec.host_network, pod.spec.host_ipc); !st.ok()) {
      return {false, kSysctlForbiddenReason, "forbidden sysctl: " + st.message()};
    }
  }
  return {};
}

}  // namespace kubenode::kubelet
