// Service validation: upstream's ValidateService for ClusterIP and NodePort services, plus kubenode's
// rules (selector required, IPv4 only).
#include <arpa/inet.h>

#include <set>

#include "api/names.h"
#include "api/validate.h"

namespace kubenode::api {
namespace {

// The API server's default --service-node-port-range.
constexpr int32_t kNodePortMin = 30000;
constexpr int32_t kNodePortMax = 32767;
constexpr int32_t kMaxClientIPTimeoutSeconds = 86400;

bool IsIPv6Address(const std::string& value) {
  in6_addr addr;
  return inet_pton(AF_INET6, value.c_str(), &addr) == 1;
}

void ValidateClusterIP(FieldErrors& errs, const ServiceSpec& spec) {
  const std::string& ip = spec.cluster_ip;
  if (ip.empty()) return;
  if (ip == "None") {
    if (spec.type == ServiceType::kNodePort) {
      errs.push_back(field::Invalid("spec.clusterIP", ip, "may not be set to 'None' for NodePort services"));
    }
    return;
  }
  if (IsIPv4Address(ip)) return;
  if (IsIPv6Address(ip)) {
    errs.push_back(field::Invalid("spec.clusterIP", ip, "kubenode supports only IPv4 cluster IPs"));
  } else {
    errs.push_back(field::Invalid("spec.clusterIP", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
}

void ValidatePorts(FieldErrors& errs, const ServiceSpec& spec) {
  if (spec.ports.empty()) {
    errs.push_back(field::Required("spec.ports"));
    return;
  }
  std::set<std::string> names;
  std::set<std::string> port_keys;
  std::set<std::string> node_port_keys;
  for (size_t i = 0; i < spec.ports.size(); ++i) {
    const ServicePort& port = spec.ports[i];
    const std::string path = "spec.ports[" + std::to_string(i) + "]";
    if (port.name.empty()) {
      if (spec.ports.size() > 1) errs.push_back(field::Required(path + ".name"));
    } else {
      for (const auto& msg : IsDNS1123Label(port.name)) errs.push_back(field::Invalid(path + ".name", port.name, msg));
      if (!names.insert(port.name).second) errs.push_back(field::Duplicate(path + ".name", port.name));
    }
    for (const auto& msg : IsValidPortNum(port.port)) errs.push_back(field::Invalid(path + ".port", port.port, msg));
    auto target = ValidatePortNumOrName(port.target_port, path + ".targetPort");
    errs.insert(errs.end(), target.begin(), target.end());

    std::string key = std::to_string(port.port) + "/" + ToString(port.protocol);
    if (!port_keys.insert(key).second) errs.push_back(field::Duplicate(path, key));

    if (port.node_port == 0) continue;
    if (spec.type == ServiceType::kClusterIP) {
      errs.push_back(field::Forbidden(path + ".nodePort", "may not be used when `type` is 'ClusterIP'"));
      continue;
    }
    if (port.node_port < kNodePortMin || port.node_port > kNodePortMax) {
      errs.push_back(field::Invalid(path + ".nodePort", port.node_port,
                                    "provided port is not in the valid range. The range of valid ports is " +
                                        std::to_string(kNodePortMin) + "-" + std::to_string(kNodePortMax)));
    }
    std::string node_key = std::to_string(port.node_port) + "/" + ToString(port.protocol);
    if (!node_port_keys.insert(node_key).second) errs.push_back(field::Duplicate(path + ".nodePort", port.node_port));
  }
}

}  // namespace

FieldErrors ValidateService(const Service& service) {
  FieldErrors errs = ValidateObjectMeta(service.metadata, IsDNS1035Label);
  const ServiceSpec& spec = service.spec;
  ValidatePorts(errs, spec);
  ValidateClusterIP(errs, spec);
  if (spec.selector.empty()) {
    // kubenode has no EndpointSlice source other than pods matching a selector.
    errs.push_back(field::Required("spec.selector", "kubenode finds endpoints only through a selector"));
  } else {
    auto labels = ValidateLabels(spec.selector, "spec.selector");
    errs.insert(errs.end(), labels.begin(), labels.end());
  }
  if (spec.session_affinity == SessionAffinity::kClientIP) {
    int32_t timeout = spec.session_affinity_timeout_seconds;
    if (timeout <= 0 || timeout > kMaxClientIPTimeoutSeconds) {
      errs.push_back(field::Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                                    "must be greater than 0 and less than " + std::to_string(kMaxClientIPTimeoutSeconds)));
    }
  }
  if (spec.type == ServiceType::kClusterIP && spec.external_traffic_policy == TrafficPolicy::kLocal) {
    errs.push_back(field::Invalid("spec.externalTrafficPolicy", "Local",
                                  "may only be set for externally-accessible services"));
  }
  return errs;
}

Status Validate(const Service& service) { return ToStatus(ValidateService(service)); }

}  // namespace kubenode::api
