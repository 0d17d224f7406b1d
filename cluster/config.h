// The cluster file: kind's `kind: Cluster`, `apiVersion: kind.x-k8s.io/v1alpha4`, decoded strictly (an
// unknown field is an error naming it) with kind's defaults and validation. kind fields kubenode cannot honour
// (kubeadm patches, node images, IPv6, more than one control-plane node, ...) are errors saying "not
// supported", never silently dropped. Errors read "<file>: line <l>: <field.path>: <message>".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/meta.h"
#include "base/status.h"

namespace kubenode::cluster {

inline constexpr char kClusterAPIVersion[] = "kind.x-k8s.io/v1alpha4";
inline constexpr char kClusterKind[] = "Cluster";
// kind's default cluster name is "kind"; ours names the tool, so contexts read "kubenode-kubenode".
inline constexpr char kDefaultClusterName[] = "kubenode";

enum class NodeRole { kControlPlane, kWorker };
const char* ToString(NodeRole role);

struct PortMapping {
  int32_t container_port = 0;
  int32_t host_port = 0;  // 0 (or -1): a random port, as kind
  std::string listen_address = "0.0.0.0";
  std::string protocol = "TCP";  // TCP | UDP | SCTP
  bool operator==(const PortMapping&) const = default;
};

struct Mount {
  std::string host_path;
  std::string container_path;
  bool read_only = false;
  bool operator==(const Mount&) const = default;
};

struct NodeConfig {
  NodeRole role = NodeRole::kControlPlane;
  api::Labels labels;
  std::vector<Mount> extra_mounts;
  std::vector<PortMapping> extra_port_mappings;
};

struct Networking {
  std::string ip_family = "ipv4";  // the only family supported
  std::string api_server_address = "127.0.0.1";
  int32_t api_server_port = 0;  // 0: random
  std::string pod_subnet = "10.244.0.0/16";
  std::string service_subnet = "10.96.0.0/16";
  bool disable_default_cni = false;
  std::string kube_proxy_mode = "iptables";  // kind's default; kubenode's proxy serves iptables and nftables
};

struct ClusterConfig {
  std::string name = kDefaultClusterName;
  std::vector<NodeConfig> nodes;  // after defaulting: at least one, exactly one control-plane first or not
  Networking networking;
  std::map<std::string, bool> feature_gates;
  std::map<std::string, std::string> runtime_config;
  std::vector<std::string> containerd_config_patches;  // TOML fragments merged into each node's containerd config
};

// Decodes, defaults and validates `text`; `file` names it in errors. A non-empty `name_override` (--name)
// replaces the file's `name`, as kind's flag does; neither gives "kubenode".
Result<ClusterConfig> ParseClusterConfig(std::string_view text, const std::string& file,
                                         const std::string& name_override = "");
Result<ClusterConfig> LoadClusterConfig(const std::string& path, const std::string& name_override = "");
// The config of `kubenode cluster create` without --config: one control-plane node, kind's defaults.
Result<ClusterConfig> DefaultClusterConfig(const std::string& name_override = "");

// Node names as kind gives them, in config order: <name>-control-plane, <name>-control-plane2, ...,
// <name>-worker, <name>-worker2, ...
std::vector<std::string> NodeNames(const ClusterConfig& config);

// The config written back as a v1alpha4 document (the state directory's cluster.yaml), all defaults explicit.
std::string EncodeClusterConfig(const ClusterConfig& config);

}  // namespace kubenode::cluster
