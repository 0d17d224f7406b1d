#include "kubelet/runtime/labels.h"

#include <charconv>
#include <cstdio>

#include "kubelet/runtime/canonical_json.h"

namespace kubenode::kubelet {

std::string HashContainer(const api::Container& container) {
  // A manifest may hold bytes that are not UTF-8: hashed as U+FFFD rather than throwing; valid input
  // dumps exactly as before, so hashes of running containers do not change.
  const std::string text = CanonicalJson(container).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%x", hash);
  return buf;
}

cri::StringMap SandboxLabels(const api::Pod& pod) {
  cri::StringMap labels = pod.metadata.labels;
  labels[kPodNameLabel] = pod.metadata.name;
  labels[kPodNamespaceLabel] = pod.metadata.ns;
  labels[kPodUIDLabel] = pod.metadata.uid;
  labels[kKubernetesManagedLabel] = kManagedByValue;
  return labels;
}

cri::StringMap SandboxAnnotations(const api::Pod& pod) { return pod.metadata.annotations; }

cri::StringMap ContainerLabels(const api::Pod& pod, const api::Container& container, bool is_init) {
  return {{kPodNameLabel, pod.metadata.name},
          {kPodNamespaceLabel, pod.metadata.ns},
          {kPodUIDLabel, pod.metadata.uid},
          {kContainerNameLabel, container.name},
          {kContainerTypeLabel, is_init ? "init" : "container"},
          {kKubernetesManagedLabel, kManagedByValue}};
}

cri::StringMap ContainerAnnotations(const api::Pod& pod, const api::Container& container, int32_t restart_count) {
  return {{kContainerHashAnnotation, HashContainer(container)},
          {kRestartCountAnnotation, std::to_string(restart_count)},
          {kTerminationGraceAnnotation, std::to_string(pod.spec.termination_grace_period_seconds)},
          {"io.kubernetes.container.terminationMessagePath", "/dev/termination-log"}};
}

std::string GetOr(const cri::StringMap& map, const std::string& key, const std::string& fallback) {
  auto it = map.find(key);
  return it == map.end() ? fallback : it->second;
}

int64_t GetIntOr(const cri::StringMap& map, const std::string& key, int64_t fallback) {
  auto it = map.find(key);
  if (it == map.end()) return fallback;
  int64_t value = 0;
  const auto& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return fallback;
  return value;
}

}  // namespace kubenode::kubelet
