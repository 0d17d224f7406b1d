// The Node object a kubelet registers and the status it reports (upstream kubelet_node_status.go and
// nodestatus/setters.go): labels, addresses, capacity / allocatable, nodeInfo, conditions with upstream's
// reasons and messages, daemonEndpoints. Pure: the reporter (node_status_reporter.h) feeds it facts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/meta.h"
#include "host/node_info.h"

namespace kubenode::kubelet {

// The version a node reports as kubeletVersion / kubeProxyVersion: the Kubernetes release whose behaviour
// kubenode follows, with kubenode's own version as a suffix ("v1.28.7-kubenode.0.4.0"), so that the
// control plane's version-skew rules accept it.
inline constexpr char kKubernetesVersion[] = "v1.28.7";
std::string NodeVersion(const std::string& kubenode_version);

struct NodeFacts {
  std::string name;
  host::NodeInfo host;
  std::string node_ip;  // --node-ip, else host.internal_ip
  std::string runtime_version;  // "containerd://1.6.20~ds1"
  std::string kubelet_version;  // NodeVersion(...)
  std::map<std::string, std::string> extra_labels;  // --node-labels
  std::vector<nlohmann::json> taints;               // registerWithTaints
  int32_t max_pods = 110;
  int64_t ephemeral_storage_bytes = 0;      // capacity of the root dir's filesystem
  // Allocatable as admission computes it (kubelet/admission/admission.h MakeNodeFacts: capacity minus
  // systemReserved, kubeReserved and the hard eviction threshold); negative: the capacity.
  int64_t allocatable_milli_cpu = -1;
  int64_t allocatable_memory = -1;
  int32_t kubelet_port = 10250;
  // Ready is false with this message when set (e.g. the container runtime is down).
  std::string not_ready_message;
};

// POST body for /api/v1/nodes.
nlohmann::json NodeForRegistration(const NodeFacts& facts);
// The labels a kubelet owns and sets on its Node (kubernetes.io/hostname, os, arch and the beta ones).
std::map<std::string, std::string> NodeLabels(const NodeFacts& facts);

// status as this node reports it now. `previous` is the status last reported (or null): a condition keeps
// its lastTransitionTime while its status stays the same.
nlohmann::json NodeStatus(const NodeFacts& facts, const nlohmann::json& previous, api::Time now);

// The status without heartbeat times, to decide whether anything changed since the last report.
nlohmann::json WithoutHeartbeats(nlohmann::json status);

}  // namespace kubenode::kubelet
