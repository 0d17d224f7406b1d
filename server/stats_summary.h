// The node's resource usage as upstream's statsapi.Summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1), built
// the way the kubelet's CRI stats provider does it without cadvisor: containers and their usage from CRI
// (ListContainers + ListContainerStats), pods from ListPodSandboxStats (the pod cgroup and network, which
// containerd 1.6 gives) or else as the sum of their running containers, the node from the root cgroup and
// /proc. usageNanoCores
// needs two samples, so the provider keeps the previous CPU sample per container, pod and node (as
// cadvisor and the CRI provider's cache do) and computes the rate when the runtime did not.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "cri/runtime_service.h"

namespace kubenode::server {

struct CpuStats {
  int64_t time_ns = 0;
  std::optional<uint64_t> usage_nano_cores;
  std::optional<uint64_t> usage_core_nano_seconds;
};

struct MemoryStats {
  int64_t time_ns = 0;
  std::optional<uint64_t> available_bytes;
  std::optional<uint64_t> usage_bytes;
  std::optional<uint64_t> working_set_bytes;
  std::optional<uint64_t> rss_bytes;
  std::optional<uint64_t> page_faults;
  std::optional<uint64_t> major_page_faults;
};

struct InterfaceStats {
  std::string name;
  std::optional<uint64_t> rx_bytes, rx_errors, tx_bytes, tx_errors;
};

struct NetworkStats {
  int64_t time_ns = 0;
  InterfaceStats default_interface;  // flattened into the object, as upstream's embedded InterfaceStats
  std::vector<InterfaceStats> interfaces;
};

struct FsStats {
  int64_t time_ns = 0;
  std::optional<uint64_t> available_bytes, capacity_bytes, used_bytes, inodes_free, inodes, inodes_used;
};

struct ContainerSummary {
  std::string name;
  int64_t start_time_ns = 0;
  std::optional<CpuStats> cpu;
  std::optional<MemoryStats> memory;
  std::optional<FsStats> rootfs;
};

struct PodSummary {
  std::string name, ns, uid;
  int64_t start_time_ns = 0;
  std::vector<ContainerSummary> containers;
  std::optional<CpuStats> cpu;
  std::optional<MemoryStats> memory;
  std::optional<NetworkStats> network;
};

struct NodeSummary {
  std::string node_name;
  int64_t start_time_ns = 0;  // boot time
  std::optional<CpuStats> cpu;
  std::optional<MemoryStats> memory;
  std::optional<NetworkStats> network;
  std::optional<FsStats> fs;
};

struct Summary {
  NodeSummary node;
  std::vector<PodSummary> pods;
};

// The JSON of a statsapi.Summary (times as metav1.Time: RFC 3339, seconds).
std::string SummaryJson(const Summary& summary);

// What /stats/summary and /metrics/resource read.
class StatsProvider {
 public:
  virtual ~StatsProvider() = default;
  virtual Result<Summary> GetSummary() = 0;
};

// The node's own usage, behind an interface so the summary is testable without the host's numbers.
class NodeStatsSource {
 public:
  virtual ~NodeStatsSource() = default;
  // cpu (usage_core_nano_seconds), memory, network, fs and boot time; fields it cannot read stay unset.
  virtual NodeSummary Read() = 0;
};

// Reads the host under `root` ("/" on a node; a directory of fake files in tests): the root cgroup v1
// (cpuacct.usage; memory.usage_in_bytes and memory.stat's total_inactive_file for the working set, as
// cadvisor), falling back to /proc/stat and /proc/meminfo on cgroup v2; /proc/net/dev with the default
// route's interface (/proc/net/route); statvfs of `fs_path` (the kubelet's root directory).
class HostNodeStatsSource : public NodeStatsSource {
 public:
  HostNodeStatsSource(std::string root, std::string fs_path);
  NodeSummary Read() override;

 private:
  std::string root_;
  std::string fs_path_;
};

class CriStatsProvider : public StatsProvider {
 public:
  CriStatsProvider(cri::RuntimeService& runtime, NodeStatsSource& node, std::string node_name);
  Result<Summary> GetSummary() override;

 private:
  // Fills cpu->usage_nano_cores from the previous sample under `key` (when the runtime gave none) and keeps
  // this one. The first sample of a key has no rate (as upstream: the field is then absent).
  void Rate(const std::string& key, CpuStats* cpu);

  cri::RuntimeService& runtime_;
  NodeStatsSource& node_;
  std::string node_name_;
  std::mutex mu_;
  std::map<std::string, CpuStats> previous_;  // by "node", "pod/<uid>", "container/<id>"
};

}  // namespace kubenode::server
