// Pod-level resource arithmetic and CFS conversions, as upstream's pkg/kubelet/cm/helpers_linux.go
// (MilliCPUToShares, MilliCPUToQuota, ResourceConfigForPod, HugePageLimits) and
// pkg/api/v1/resource (PodRequests, PodLimits: the sum over app containers, at least the largest init
// container's value).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "api/pod.h"

namespace kubenode::kubelet::cm {

inline constexpr int64_t kMinShares = 2;
inline constexpr int64_t kMaxShares = 262144;
inline constexpr int64_t kSharesPerCPU = 1024;
inline constexpr int64_t kQuotaPeriod = 100000;   // µs, the CFS period kubelet always uses (no CPUCFSQuotaPeriod)
inline constexpr int64_t kMinQuotaPeriod = 1000;  // µs, the smallest quota the kernel accepts

// cpu.shares for a request in millicores: 1024 per core, within [2, 262144]; 0 → 2.
int64_t MilliCPUToShares(int64_t milli_cpu);
// cpu.cfs_quota_us for a limit in millicores over `period` µs: 0 (no limit) stays 0, else at least 1000.
int64_t MilliCPUToQuota(int64_t milli_cpu, int64_t period);

// Milli-values by resource name.
using MilliResources = std::map<std::string, int64_t>;
MilliResources PodRequests(const api::Pod& pod);
MilliResources PodLimits(const api::Pod& pod);

// "hugepages-2Mi" → 2097152; nullopt for other names or a malformed size.
std::optional<int64_t> HugePageSize(const std::string& resource_name);
// 2097152 → "2MB", 1073741824 → "1GB" (hugetlb's file names; upstream HugePageUnitSizeFromByteSize).
std::string HugePageUnitSize(int64_t bytes);

// What a cgroup is set to; unset members are left alone.
struct ResourceConfig {
  std::optional<int64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;  // -1: no quota
  std::optional<int64_t> cpu_period;
  std::optional<int64_t> memory;     // bytes; -1: no limit
  std::map<int64_t, int64_t> hugepage_limits;  // page size in bytes → limit in bytes
  bool operator==(const ResourceConfig&) const = default;
};

// The pod cgroup's settings (upstream ResourceConfigForPod with CFS quota enforced): Guaranteed pods get
// shares, quota and the memory limit; Burstable pods shares, and quota / memory limit only when every
// container declares that limit; BestEffort pods the minimum shares. Hugepage limits from the requests.
ResourceConfig ResourceConfigForPod(const api::Pod& pod);

}  // namespace kubenode::kubelet::cm
