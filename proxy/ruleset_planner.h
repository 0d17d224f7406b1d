// The pure part of the proxy: Services (with endpoints) in, the desired nftables table out. The ruleset has a
// constant number of rules (one per endpoint-count group and per affinity timeout in use); everything that
// names a Service or an endpoint lives in set and map elements. See proxy/README.md.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "netfilter/model.h"
#include "netfilter/transaction.h"
#include "proxy/service_port.h"

namespace kubenode::proxy {

inline constexpr char kProxyTable[] = "kubenode-proxy";
inline constexpr uint32_t kMasqueradeMark = 0x4000;

struct PlannerConfig {
  std::string table = kProxyTable;
  // The pod network; traffic to a ClusterIP from outside it is masqueraded (upstream's clusterCIDR with
  // masqueradeAll=false). Empty: no such masquerading.
  std::string pod_cidr;
  // NodePorts also answer on 127.0.0.1 (needs net.ipv4.conf.all.route_localnet=1).
  bool localhost_nodeports = true;
};

struct Plan {
  netfilter::Table table;
  std::vector<std::string> skipped;  // service ports or endpoints left out, and why
};

// Desired state for `services`. Fails only on a bad config (e.g. an unparsable pod CIDR).
Result<Plan> PlanRuleset(const std::vector<ServicePortInfo>& services, const PlannerConfig& config);

// The minimal transaction from `previous` (nullptr: nothing there) to `desired`.
netfilter::Transaction PlanTransaction(const netfilter::Table* previous, const netfilter::Table& desired);

// Set and map names, for tests and tools.
std::string ServiceIpsMap(size_t endpoints);     // "service-ips-3"
std::string NodePortsMap(size_t endpoints);      // "service-nodeports-3"
std::string AffinityMap(int32_t timeout_seconds);  // "affinity-10800"

}  // namespace kubenode::proxy
