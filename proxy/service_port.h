// What the ruleset planner balances: one entry per (Service, port) with its resolved endpoints. The proxy's
// inputs (manifest Services + pod-derived EndpointSlices today, an API-server watch later) are reduced to
// this by proxy/service_change_tracker; the planner (proxy/ruleset_planner) turns it into nftables state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/meta.h"
#include "api/service.h"

namespace kubenode::proxy {

struct EndpointInfo {
  std::string ip;        // IPv4 address of the pod
  int32_t port = 0;      // resolved targetPort
  bool ready = false;    // only ready endpoints receive new connections
  bool is_local = true;  // on this node; drives externalTrafficPolicy Local
  bool operator==(const EndpointInfo&) const = default;
};

struct ServicePortName {
  std::string ns;
  std::string name;
  std::string port;  // the ServicePort's name; may be empty for single-port services
  bool operator==(const ServicePortName&) const = default;
  auto operator<=>(const ServicePortName&) const = default;
  std::string ToString() const { return ns + "/" + name + (port.empty() ? "" : ":" + port); }
};

struct ServicePortInfo {
  ServicePortName id;
  api::Protocol protocol = api::Protocol::kTCP;
  std::string cluster_ip;  // always set (allocated if the manifest had none)
  int32_t port = 0;
  int32_t node_port = 0;   // 0 unless type NodePort
  api::SessionAffinity session_affinity = api::SessionAffinity::kNone;
  int32_t affinity_timeout_seconds = api::kDefaultClientIPTimeoutSeconds;
  api::TrafficPolicy external_traffic_policy = api::TrafficPolicy::kCluster;
  std::vector<EndpointInfo> endpoints;
  bool operator==(const ServicePortInfo&) const = default;
};

}  // namespace kubenode::proxy
