// A container's LinuxContainerResources, as upstream's kuberuntime generateLinuxContainerResources /
// calculateLinuxResources, GetHugepageLimitsFromResources and qos.GetContainerOOMScoreAdjust. Pure,
// except HostMachineInfo(), which reads the host once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/pod.h"
#include "cri/types.h"

namespace kubenode::kubelet {

struct MachineInfo {
  int64_t memory_capacity = 0;              // bytes (MemTotal)
  int64_t milli_cpu = 0;                    // online CPUs × 1000
  std::vector<std::string> hugepage_sizes;  // "2MB", "1GB": the host's huge page sizes
};

// Read from the host on first use (sysconf, /sys/kernel/mm/hugepages), then cached.
const MachineInfo& HostMachineInfo();

// Upstream qos policy: node-critical pods and Guaranteed pods -997, BestEffort 1000, Burstable
// 1000 - 1000 × memory request / capacity, kept within [3, 999].
int64_t ContainerOOMScoreAdjust(const api::Pod& pod, const api::Container& container, int64_t memory_capacity);

// cpu_shares from the cpu request (or the limit when only that is given), cpu_quota / cpu_period from
// the cpu limit (period 100000 µs, quota 0 without a limit), memory limit, oom_score_adj, and a hugepage
// limit for every host page size (0 unless the container's limits name it).
cri::LinuxContainerResources GenerateLinuxContainerResources(const api::Pod& pod, const api::Container& container,
                                                             const MachineInfo& machine);

}  // namespace kubenode::kubelet
