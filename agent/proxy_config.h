// kube-proxy's configuration file: kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, decoded strictly
// with upstream's field names and defaults, for the nftables mode (the only one kubenode implements).
// Unknown fields are an error naming the file, line and field. Every accepted field takes effect (cmd/run.cc
// wires them into DaemonOptions), with these decisions:
// - takes effect: hostnameOverride (the node's name when the kubelet config sets none; a different one is an
//   error: one node), clusterCIDR (masquerade of off-pod traffic), nftables.syncPeriod (drift check period),
//   nftables.minSyncPeriod, nftables.masqueradeBit, nftables.masqueradeAll, nodePortAddresses (IPv4 CIDRs;
//   empty: every local address including 127.0.0.1, with the route_localnet guard; see proxy/README.md),
//   serviceClusterIPRange (allocation, and the "no such Service" reject rule), serviceNodePortRange,
//   mode ("" or nftables), detectLocalMode ("" or ClusterCIDR: what clusterCIDR does).
// - bindAddress only chooses the defaults of the two addresses below (as upstream, where it binds nothing
//   in nftables mode).
// - healthzBindAddress: kube-proxy's /healthz (plain HTTP, upstream's JSON body; "" turns it off).
// - metricsBindAddress: no metrics server is run (the kubeproxy_* metrics are on the kubelet server's
//   /metrics). The defaults (127.0.0.1:10249, or the IPv6 one) and "" pass and are not served; any other value
//   is "field not supported by kubenode".
// - accepted without effect, by design: iptables, ipvs, winkernel, windowsRunAsService (other modes and
//   platforms: upstream ignores them in nftables mode too), clientConnection and configSyncPeriod (the
//   API-server connection; kubenode reads manifests). Logged at debug level.
// - "field not supported by kubenode" when present: conntrack, oomScoreAdj, detectLocal, logging,
//   enableProfiling, showHiddenMetricsForVersion, portRange, bindAddressHardFail, and featureGates unless {}.
// Two of kubenode's own settings, API-server flags upstream, live here too: serviceClusterIPRange and
// serviceNodePortRange (kubenode allocates cluster IPs and node ports itself).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/kubelet_config.h"  // Duration, ParseGoDuration
#include "base/status.h"

namespace kubenode::agent {

// Upstream's --service-node-port-range: "30000-32767", "30000+2767" (base+size) or "30000".
struct NodePortRange {
  int32_t first = 30000;
  int32_t last = 32767;

  std::string ToString() const { return std::to_string(first) + "-" + std::to_string(last); }
  bool operator==(const NodePortRange&) const = default;
};

// Accepts 1 <= first <= last <= 65535. Error: `invalid port range "x": ...`.
Result<NodePortRange> ParseNodePortRange(std::string_view text);

struct ProxyConfig {
  std::string hostname_override;
  std::string bind_address = "0.0.0.0";
  // IP:port; an IP alone gets the default port. Defaults are "[::]:10256" and "[::1]:10249" when
  // bindAddress is IPv6.
  std::string healthz_bind_address = "0.0.0.0:10256";
  std::string metrics_bind_address = "127.0.0.1:10249";
  // clusterCIDR split at its comma (one CIDR, or a dual-stack pair); empty: no pod-CIDR masquerade rule.
  std::vector<std::string> cluster_cidrs;
  struct NFTables {
    Duration sync_period = std::chrono::seconds(30);
    Duration min_sync_period = std::chrono::seconds(1);
    int32_t masquerade_bit = 14;
    bool masquerade_all = false;
  } nftables;
  // CIDRs; empty: node ports on every local address.
  std::vector<std::string> node_port_addresses;

  // --- kubenode's own (API-server flags upstream) ---
  std::string service_cluster_ip_range = "10.96.0.0/12";  // IPv4, host bits zero
  NodePortRange service_node_port_range;
};

inline constexpr char kProxyConfigAPIVersion[] = "kubeproxy.config.k8s.io/v1alpha1";
inline constexpr char kProxyConfigKind[] = "KubeProxyConfiguration";

// Decodes, defaults and validates `yaml_text`; `file` names it in errors, one per line:
//   <file>: line <l>: <field.path>: <message>
Result<ProxyConfig> ParseProxyConfig(std::string_view yaml_text, const std::string& file);
Result<ProxyConfig> LoadProxyConfig(const std::string& path);

}  // namespace kubenode::agent
