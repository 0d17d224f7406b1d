#include "kubelet/runtime/container_resources.h"

#include <filesystem>
#include <map>

#include <unistd.h>

#include "kubelet/cm/qos.h"
#include "kubelet/cm/resources.h"

namespace kubenode::kubelet {
namespace {

constexpr int64_t kGuaranteedOOMScoreAdj = -997;  // upstream qos.guaranteedOOMScoreAdj
constexpr int64_t kBestEffortOOMScoreAdj = 1000;

MachineInfo ReadMachineInfo() {
  MachineInfo info;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) info.memory_capacity = static_cast<int64_t>(pages) * page_size;
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus > 0) info.milli_cpu = static_cast<int64_t>(cpus) * 1000;
  // /sys/kernel/mm/hugepages/hugepages-2048kB → "2MB" (upstream libcontainer HugePageSizes).
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("hugepages-") || !name.ends_with("kB")) continue;
    try {
      const int64_t kb = std::stoll(name.substr(10, name.size() - 12));
      info.hugepage_sizes.push_back(cm::HugePageUnitSize(kb * 1024));
    } catch (const std::exception&) {
      continue;
    }
  }
  return info;
}

const api::Quantity* Find(const api::ResourceList& list, const char* name) {
  auto it = list.find(name);
  return it == list.end() ? nullptr : &it->second;
}

}  // namespace

const MachineInfo& HostMachineInfo() {
  static const MachineInfo info = ReadMachineInfo();
  return info;
}

int64_t ContainerOOMScoreAdjust(const api::Pod& pod, const api::Container& container, int64_t memory_capacity) {
  if (cm::IsNodeCriticalPod(pod)) return kGuaranteedOOMScoreAdj;
  switch (cm::GetPodQOS(pod)) {
    case cm::QOSClass::kGuaranteed: return kGuaranteedOOMScoreAdj;
    case cm::QOSClass::kBestEffort: return kBestEffortOOMScoreAdj;
    case cm::QOSClass::kBurstable: break;
  }
  const auto* request = Find(container.resources.requests, "memory");
  const int64_t memory_request = request ? request->Value() : 0;
  int64_t adjust = 1000;
  if (memory_capacity > 0) {
    // 1000 × request / capacity without overflowing: a request is at most the int64 range of bytes.
    adjust = 1000 - static_cast<int64_t>(static_cast<__int128>(1000) * memory_request / memory_capacity);
  }
  // Burstable stays above Guaranteed (-997 + 1000 = 3) and below BestEffort.
  if (adjust < 1000 + kGuaranteedOOMScoreAdj) return 1000 + kGuaranteedOOMScoreAdj;
  if (adjust == kBestEffortOOMScoreAdj) return adjust - 1;
  return adjust;
}

cri::LinuxContainerResources GenerateLinuxContainerResources(const api::Pod& pod, const api::Container& container,
                                                             const MachineInfo& machine) {
  cri::LinuxContainerResources out;
  const auto* cpu_request = Find(container.resources.requests, "cpu");
  const auto* cpu_limit = Find(container.resources.limits, "cpu");
  const auto* memory_limit = Find(container.resources.limits, "memory");
  const int64_t limit_milli = cpu_limit ? cpu_limit->milli : 0;
  // A limit without a request: the request defaults to the limit (the apiserver does this too).
  out.cpu_shares = cm::MilliCPUToShares(cpu_request ? cpu_request->milli : limit_milli);
  if (memory_limit && memory_limit->Value() != 0) out.memory_limit_in_bytes = memory_limit->Value();
  out.cpu_period = cm::kQuotaPeriod;
  out.cpu_quota = cm::MilliCPUToQuota(limit_milli, cm::kQuotaPeriod);
  out.oom_score_adj = ContainerOOMScoreAdjust(pod, container, machine.memory_capacity);

  std::map<std::string, uint64_t> wanted;
  for (const auto& [name, q] : container.resources.limits) {
    if (auto size = cm::HugePageSize(name)) wanted[cm::HugePageUnitSize(*size)] = static_cast<uint64_t>(q.Value());
  }
  for (const auto& size : machine.hugepage_sizes) {
    auto it = wanted.find(size);
    out.hugepage_limits.push_back({size, it == wanted.end() ? 0 : it->second});
  }
  return out;
}

}  // namespace kubenode::kubelet
