// core/v1 Service: ClusterIP and NodePort services.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/meta.h"

namespace kubenode::api {

enum class ServiceType { kClusterIP, kNodePort };
const char* ToString(ServiceType type);

enum class SessionAffinity { kNone, kClientIP };
const char* ToString(SessionAffinity affinity);

enum class TrafficPolicy { kCluster, kLocal };
const char* ToString(TrafficPolicy policy);

struct ServicePort {
  std::string name;
  Protocol protocol = Protocol::kTCP;
  int32_t port = 0;
  IntOrString target_port;  // defaulted to `port` when absent
  int32_t node_port = 0;    // 0: allocate (NodePort services) / none
  bool operator==(const ServicePort&) const = default;
};

inline constexpr int32_t kDefaultClientIPTimeoutSeconds = 10800;

struct ServiceSpec {
  ServiceType type = ServiceType::kClusterIP;
  std::string cluster_ip;  // "" allocate, "None" headless, or an IPv4 address
  Labels selector;
  std::vector<ServicePort> ports;
  SessionAffinity session_affinity = SessionAffinity::kNone;
  int32_t session_affinity_timeout_seconds = kDefaultClientIPTimeoutSeconds;  // sessionAffinityConfig.clientIP.timeoutSeconds
  TrafficPolicy external_traffic_policy = TrafficPolicy::kCluster;  // defaulted to Cluster for NodePort
  bool operator==(const ServiceSpec&) const = default;
};

struct Service {
  ObjectMeta metadata;
  ServiceSpec spec;
  bool operator==(const Service&) const = default;
};

}  // namespace kubenode::api
