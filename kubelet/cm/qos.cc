#include "kubelet/cm/qos.h"

#include <map>
#include <set>
#include <string>

namespace kubenode::kubelet::cm {
namespace {

bool IsQOSResource(const std::string& name) { return name == "cpu" || name == "memory"; }

}  // namespace

const char* ToString(QOSClass qos) {
  switch (qos) {
    case QOSClass::kGuaranteed: return "Guaranteed";
    case QOSClass::kBurstable: return "Burstable";
    case QOSClass::kBestEffort: break;
  }
  return "BestEffort";
}

QOSClass GetPodQOS(const api::Pod& pod) {
  std::map<std::string, int64_t> requests;  // milli-units, positive quantities only
  std::map<std::string, int64_t> limits;
  bool guaranteed = true;
  auto add = [](int64_t& sum, int64_t v) { sum = __builtin_add_overflow(sum, v, &sum) ? INT64_MAX : sum; };
  auto visit = [&](const api::Container& c) {
    for (const auto& [name, q] : c.resources.requests) {
      if (IsQOSResource(name) && q.milli > 0) add(requests[name], q.milli);
    }
    std::set<std::string> found;
    for (const auto& [name, q] : c.resources.limits) {
      if (!IsQOSResource(name) || q.milli <= 0) continue;
      found.insert(name);
      add(limits[name], q.milli);
    }
    if (!found.contains("cpu") || !found.contains("memory")) guaranteed = false;
  };
  for (const auto& c : pod.spec.containers) visit(c);
  for (const auto& c : pod.spec.init_containers) visit(c);
  if (requests.empty() && limits.empty()) return QOSClass::kBestEffort;
  if (guaranteed) {
    for (const auto& [name, req] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || it->second != req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size() == limits.size() ? QOSClass::kGuaranteed : QOSClass::kBurstable;
}

bool IsCriticalPod(const api::Pod& pod) {
  constexpr int64_t kSystemCriticalPriority = 2'000'000'000;  // upstream scheduling.SystemCriticalPriority
  const auto& annotations = pod.metadata.annotations;
  auto source = annotations.find("kubernetes.io/config.source");
  const bool static_pod = source != annotations.end() && source->second != "api";
  const bool mirror_pod = annotations.contains("kubernetes.io/config.mirror");
  return static_pod || mirror_pod || (pod.spec.priority && *pod.spec.priority >= kSystemCriticalPriority);
}

bool IsNodeCriticalPod(const api::Pod& pod) {
  return IsCriticalPod(pod) && pod.spec.priority_class_name == "system-node-critical";
}

}  // namespace kubenode::kubelet::cm
