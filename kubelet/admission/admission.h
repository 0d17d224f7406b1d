// Pod admission as upstream kubelet's lifecycle/predicate.go (GeneralPredicates): before a new pod gets
// anything from the runtime, the node checks that it fits -- allocatable pods/cpu/memory against the
// requests of the pods already admitted (scheduler noderesources.Fits), nodeSelector and required
// nodeAffinity against the node's labels, spec.nodeName, and host ports (NodePorts). Pure: the node's
// facts and the admitted pods come in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/pod.h"

namespace kubenode::kubelet::admission {

// What admission knows of the node (upstream: the Node object the kubelet would register).
struct NodeFacts {
  std::string name;
  int64_t allocatable_milli_cpu = 0;
  int64_t allocatable_memory = 0;             // bytes
  int64_t allocatable_ephemeral_storage = 0;  // bytes; 0: unknown, not checked
  int64_t max_pods = 110;
  api::Labels labels;  // kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch, ...
};

// The well-known labels a kubelet puts on its Node: hostname, os and arch (GOARCH spelling), with the
// deprecated beta.kubernetes.io/ pair upstream still sets.
api::Labels NodeLabels(const std::string& node_name, const std::string& arch);

// A node of `node_name` with the well-known labels for this build's architecture and no resource bound.
NodeFacts UnboundedNode(const std::string& node_name);

// Allocatable = capacity - systemReserved - kubeReserved - the hard eviction threshold for memory
// (upstream's default evictionHard memory.available<100Mi), never below zero.
struct Reserved {
  api::ResourceList system_reserved;
  api::ResourceList kube_reserved;
};
NodeFacts MakeNodeFacts(const std::string& node_name, const std::string& arch, int64_t cpu_count,
                        int64_t memory_bytes, int64_t max_pods, const Reserved& reserved);

// The pod's effective requests as the scheduler counts them (resource.PodRequests): the sum over its
// containers, or the largest init container's request if that is more.
struct PodRequest {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
};
PodRequest ComputePodRequest(const api::Pod& pod);

struct AdmitResult {
  bool admit = true;
  std::string reason;   // OutOfcpu, OutOfmemory, OutOfpods, NodeAffinity, NodePorts, NodeName, ...
  std::string message;  // as upstream's PodAdmitResult.Message (the status says "Pod was rejected: " + this)
  // Set when a critical pod is admitted although it does not fit: upstream would evict other pods to make
  // room; kubenode evicts nothing and says so in a Warning event with this message.
  std::string overcommit_warning;
};

// Upstream kubetypes.IsCriticalPod: static and mirror pods, and priority >= 2000000000 (system-cluster-
// critical / system-node-critical, also when only the class name is given: no apiserver resolves it).
bool IsCriticalPod(const api::Pod& pod);

// `admitted`: the pods already admitted and not terminal (the pod itself excluded).
AdmitResult Admit(const api::Pod& pod, const NodeFacts& node, const std::vector<const api::Pod*>& admitted);

}  // namespace kubenode::kubelet::admission
