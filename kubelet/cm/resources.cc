#include "kubelet/cm/resources.h"

#include <algorithm>

#include "kubelet/cm/qos.h"

namespace kubenode::kubelet::cm {
namespace {

constexpr char kHugePagesPrefix[] = "hugepages-";

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  return __builtin_add_overflow(a, b, &out) ? INT64_MAX : out;
}

void Add(MilliResources& into, const api::ResourceList& list) {
  for (const auto& [name, q] : list) into[name] = SaturatingAdd(into[name], q.milli);
}

void Max(MilliResources& into, const MilliResources& other) {
  for (const auto& [name, v] : other) into[name] = std::max(into[name], v);
}

// Sum over app containers, then per resource at least what the largest init container asks.
template <typename Get>
MilliResources Aggregate(const api::Pod& pod, Get get) {
  MilliResources out;
  for (const auto& c : pod.spec.containers) Add(out, get(c));
  MilliResources init;
  for (const auto& c : pod.spec.init_containers) {
    MilliResources one;
    Add(one, get(c));
    Max(init, one);
  }
  Max(out, init);
  return out;
}

int64_t Whole(int64_t milli) { return milli / 1000 + (milli % 1000 > 0 ? 1 : 0); }

}  // namespace

int64_t MilliCPUToShares(int64_t milli_cpu) {
  if (milli_cpu <= 0) return kMinShares;
  // Divide first when the product would overflow: the result is capped at kMaxShares anyway.
  const int64_t shares = milli_cpu > INT64_MAX / kSharesPerCPU ? kMaxShares : milli_cpu * kSharesPerCPU / 1000;
  return std::clamp(shares, kMinShares, kMaxShares);
}

int64_t MilliCPUToQuota(int64_t milli_cpu, int64_t period) {
  if (milli_cpu <= 0) return 0;
  const int64_t quota = milli_cpu > INT64_MAX / period ? INT64_MAX : milli_cpu * period / 1000;
  return std::max(quota, kMinQuotaPeriod);
}

MilliResources PodRequests(const api::Pod& pod) {
  return Aggregate(pod, [](const api::Container& c) -> const api::ResourceList& { return c.resources.requests; });
}

MilliResources PodLimits(const api::Pod& pod) {
  return Aggregate(pod, [](const api::Container& c) -> const api::ResourceList& { return c.resources.limits; });
}

std::optional<int64_t> HugePageSize(const std::string& resource_name) {
  if (!resource_name.starts_with(kHugePagesPrefix)) return std::nullopt;
  auto q = api::ParseQuantity(resource_name.substr(sizeof(kHugePagesPrefix) - 1));
  if (!q || q->milli <= 0) return std::nullopt;
  return q->Value();
}

std::string HugePageUnitSize(int64_t bytes) {
  static const char* const kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  size_t unit = 0;
  while (bytes >= 1024 && bytes % 1024 == 0 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

ResourceConfig ResourceConfigForPod(const api::Pod& pod) {
  const MilliResources requests = PodRequests(pod);
  const MilliResources limits = PodLimits(pod);
  // A limit counts as declared only if every container (init containers too) sets it to non-zero.
  bool cpu_limits_declared = true;
  bool memory_limits_declared = true;
  auto check = [&](const api::Container& c) {
    auto cpu = c.resources.limits.find("cpu");
    if (cpu == c.resources.limits.end() || cpu->second.milli == 0) cpu_limits_declared = false;
    auto memory = c.resources.limits.find("memory");
    if (memory == c.resources.limits.end() || memory->second.milli == 0) memory_limits_declared = false;
  };
  for (const auto& c : pod.spec.containers) check(c);
  for (const auto& c : pod.spec.init_containers) check(c);

  auto get = [](const MilliResources& m, const char* name) {
    auto it = m.find(name);
    return it == m.end() ? int64_t{0} : it->second;
  };
  const int64_t shares = MilliCPUToShares(get(requests, "cpu"));
  const int64_t quota = MilliCPUToQuota(get(limits, "cpu"), kQuotaPeriod);
  const int64_t memory = Whole(get(limits, "memory"));

  ResourceConfig out;
  switch (GetPodQOS(pod)) {
    case QOSClass::kGuaranteed:
      out.cpu_shares = shares;
      out.cpu_quota = quota;
      out.cpu_period = kQuotaPeriod;
      out.memory = memory;
      break;
    case QOSClass::kBurstable:
      out.cpu_shares = shares;
      if (cpu_limits_declared) {
        out.cpu_quota = quota;
        out.cpu_period = kQuotaPeriod;
      }
      if (memory_limits_declared) out.memory = memory;
      break;
    case QOSClass::kBestEffort:
      out.cpu_shares = kMinShares;
      break;
  }
  // Upstream HugePageLimits(requests): hugepages requests equal their limits (validation).
  for (const auto& [name, milli] : requests) {
    if (auto size = HugePageSize(name)) out.hugepage_limits[*size] = SaturatingAdd(out.hugepage_limits[*size], Whole(milli));
  }
  return out;
}

}  // namespace kubenode::kubelet::cm
