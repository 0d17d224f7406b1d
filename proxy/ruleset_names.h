// The names of the proxy table's fixed sets, shared by the planner's two halves (ruleset_planner.cc plans
// elements, ruleset_static.cc definitions and rules). Private to proxy/.
#pragma once

#include <cstdint>
#include <string>

namespace kubenode::proxy::names {

inline constexpr char kNoEndpointServices[] = "no-endpoint-services";
inline constexpr char kNoEndpointNodePorts[] = "no-endpoint-nodeports";
inline constexpr char kNoLocalEndpointNodePorts[] = "no-local-endpoint-nodeports";
inline constexpr char kClusterIps[] = "cluster-ips";
inline constexpr char kNodePortsMasq[] = "nodeports-masquerade";
inline constexpr char kHairpin[] = "hairpin";

inline std::string AffinityServices(int32_t t) { return "affinity-services-" + std::to_string(t); }
inline std::string AffinityNodePorts(int32_t t) { return "affinity-nodeports-" + std::to_string(t); }

}  // namespace kubenode::proxy::names
