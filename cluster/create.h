// `kubenode cluster create` and `delete`: the orchestration, printed step by step as kind prints it. The
// work itself is behind two interfaces: ClusterFiles (everything written below the state directory: PKI,
// kubeconfigs, control-plane manifests, images) and NodeBackend (what runs on the host: the cluster network,
// one node per config entry, its containerd and kubenode). A failed step is reported with " ✗ <step>" and
// everything made so far is removed again, as kind does without --retain.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "cluster/config.h"
#include "cluster/state.h"

namespace kubenode::cluster {

struct NodePlan {
  std::string name;  // kind's naming: <cluster>-control-plane, <cluster>-worker2, ...
  NodeRole role = NodeRole::kControlPlane;
  size_t index = 0;  // into ClusterConfig::nodes
  std::string ip;    // on the cluster network; set by NodeBackend::CreateNetwork
};

// What one `create` works on; NodeBackend::CreateNetwork fills in the addresses and the API server port.
struct ClusterPlan {
  ClusterConfig config;
  ClusterState state;
  std::vector<NodePlan> nodes;  // config order
  int32_t api_server_port = 0;  // networking.apiServerPort, or the random port picked when that is 0
  std::string k8s_binaries;     // --k8s-binaries: kube-apiserver, kube-controller-manager, kube-scheduler, etcd

  const NodePlan& control_plane() const;
  std::vector<const NodePlan*> workers() const;
};

// The plan of `config` in `state_dir`, before any address is known.
ClusterPlan MakePlan(ClusterConfig config, const std::string& state_dir, std::string k8s_binaries = "");

// Files below ClusterState::dir(); no process, no host change.
class ClusterFiles {
 public:
  virtual ~ClusterFiles() = default;
  // OCI image archives of the control-plane components (and test images) from plan.k8s_binaries.
  virtual Status BuildImages(const ClusterPlan& plan) = 0;
  // CA, serving and client certificates, service-account keys (kubeadm's pki/ layout); needs the node IPs.
  virtual Status WritePki(const ClusterPlan& plan) = 0;
  // admin.conf, controller-manager.conf, scheduler.conf and each node's kubelet.conf.
  virtual Status WriteKubeconfigs(const ClusterPlan& plan) = 0;
  // etcd, kube-apiserver, kube-controller-manager, kube-scheduler static pods in the control-plane node's
  // manifest directory.
  virtual Status WriteControlPlaneManifests(const ClusterPlan& plan) = 0;
};

// The cluster on the host. Every call may leave partial work behind when it fails: Delete removes it.
class NodeBackend {
 public:
  virtual ~NodeBackend() = default;
  // The cluster bridge and an address per node (into plan.nodes[].ip), the API server port (when 0) and the
  // host port mappings (API server, extraPortMappings).
  virtual Status CreateNetwork(ClusterPlan& plan) = 0;
  // The node's namespace, its containerd (with the images imported) and its kubelet config; not started.
  virtual Status ProvisionNode(const ClusterPlan& plan, const NodePlan& node) = 0;
  // Starts the control-plane node's kubenode, which runs the control plane as static pods; returns once the
  // API server answers and the node carries kubeadm's control-plane label and taint, or `deadline` passed.
  virtual Status StartControlPlane(const ClusterPlan& plan, const NodePlan& node,
                                   std::chrono::steady_clock::time_point deadline) = 0;
  // Pod routes between the nodes (kindnet's job in kind).
  virtual Status InstallPodNetwork(const ClusterPlan& plan) = 0;
  // Starts a worker's kubenode; returns once its Node is registered, or `deadline` passed.
  virtual Status JoinNode(const ClusterPlan& plan, const NodePlan& node,
                          std::chrono::steady_clock::time_point deadline) = 0;
  // True once every control-plane node is Ready, false when `deadline` passed first.
  virtual Result<bool> WaitForControlPlaneReady(const ClusterPlan& plan,
                                                std::chrono::steady_clock::time_point deadline) = 0;
  // Removes every node, process, namespace, interface, route, nftables table and mount of the cluster named
  // in `plan`, whatever state it is in; OK when there is nothing.
  virtual Status Delete(const ClusterPlan& plan) = 0;
};

// The parts `create` and `delete` use; unset parts make create refuse, naming them.
struct ClusterParts {
  ClusterFiles* files = nullptr;
  NodeBackend* nodes = nullptr;
  const Clock* clock = nullptr;  // RealClock when unset
};

struct CreateOptions {
  std::string state_dir;     // resolved (ResolveStateDir)
  std::string k8s_binaries;  // --k8s-binaries
  std::string kubeconfig;    // the user's kubeconfig to merge into (KubeconfigPath())
  std::chrono::nanoseconds wait{0};  // --wait: how long to wait for the control plane to be Ready; 0: not
  // How long the control plane and each worker may take to come up (kubeadm waits 4m for the API server).
  std::chrono::nanoseconds start_timeout = std::chrono::minutes(4);
};

// What is missing from `parts` for `create`, e.g. {"node backend (network-namespace nodes)"}; empty when
// nothing is.
std::vector<std::string> MissingParts(const ClusterParts& parts);

// Creates the cluster of `config`, printing kind's progress lines to `out`. Refuses, changing nothing, when
// a part is missing or the cluster exists.
Status CreateCluster(const ClusterConfig& config, const CreateOptions& options, const ClusterParts& parts,
                     std::ostream& out);

// Deletes cluster `name` (nodes through parts.nodes when set, the kubeconfig entries, the state directory),
// printing kind's lines. OK when there is no such cluster, as kind.
Status DeleteCluster(const std::string& name, const std::string& state_dir, const std::string& kubeconfig,
                     const ClusterParts& parts, std::ostream& out);

// Go's Duration.Round(time.Second).String(), as kind prints waits: "1m0s", "15s", "0s".
std::string FormatSeconds(std::chrono::nanoseconds d);

}  // namespace kubenode::cluster
