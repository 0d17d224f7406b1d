#include "kubelet/runtime/service_env.h"

#include <algorithm>
#include <cctype>

namespace kubenode::kubelet {
namespace {

// Upstream's makeEnvVariableName: upper case, '-' as '_' (Service names are DNS labels).
std::string VariableName(const std::string& name) {
  std::string out = name;
  for (char& c : out) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool HasClusterIP(const ServiceInfo& s) { return !s.cluster_ip.empty() && s.cluster_ip != "None"; }

// net.JoinHostPort: IPv6 addresses in brackets.
std::string HostPort(const std::string& ip, int32_t port) {
  const std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return host + ":" + std::to_string(port);
}

}  // namespace

std::vector<api::EnvVar> ServiceEnvVars(const std::vector<ServiceInfo>& services) {
  std::vector<api::EnvVar> out;
  for (const ServiceInfo& s : services) {
    // A ClusterIP Service has at least one port (API validation); one without is skipped, not guessed.
    if (!HasClusterIP(s) || s.ports.empty()) continue;
    const std::string prefix = VariableName(s.name);
    out.push_back({prefix + "_SERVICE_HOST", s.cluster_ip});
    out.push_back({prefix + "_SERVICE_PORT", std::to_string(s.ports[0].port)});
    for (const ServicePortInfo& p : s.ports) {
      if (!p.name.empty()) out.push_back({prefix + "_SERVICE_PORT_" + VariableName(p.name), std::to_string(p.port)});
    }
    for (size_t i = 0; i < s.ports.size(); ++i) {
      const ServicePortInfo& p = s.ports[i];
      const std::string protocol = p.protocol.empty() ? "TCP" : p.protocol;
      const std::string url = Lower(protocol) + "://" + HostPort(s.cluster_ip, p.port);
      if (i == 0) out.push_back({prefix + "_PORT", url});  // Docker's name for the first port
      const std::string port_prefix = prefix + "_PORT_" + std::to_string(p.port) + "_" + Upper(protocol);
      out.push_back({port_prefix, url});
      out.push_back({port_prefix + "_PROTO", Lower(protocol)});
      out.push_back({port_prefix + "_PORT", std::to_string(p.port)});
      out.push_back({port_prefix + "_ADDR", s.cluster_ip});
    }
  }
  return out;
}

std::map<std::string, std::string> ServiceEnvMap(const ServiceLister* lister, const std::string& ns,
                                                 bool enable_service_links) {
  std::map<std::string, std::string> out;
  if (lister == nullptr) return out;
  // By name: the master Service (`kubernetes` in default) first come, first kept; the pod's namespace's
  // Services replace one of the same name, as upstream's serviceMap.
  std::map<std::string, ServiceInfo> by_name;
  for (ServiceInfo& s : lister->List()) {
    if (!HasClusterIP(s)) continue;
    if (s.ns == "default" && s.name == "kubernetes") {
      by_name.emplace(s.name, std::move(s));
    } else if (s.ns == ns && enable_service_links) {
      by_name[s.name] = std::move(s);
    }
  }
  std::vector<ServiceInfo> services;
  for (auto& [name, s] : by_name) services.push_back(std::move(s));
  for (const api::EnvVar& e : ServiceEnvVars(services)) out[e.name] = e.value;
  return out;
}

}  // namespace kubenode::kubelet
