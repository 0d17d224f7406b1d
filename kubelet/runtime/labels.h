// The labels and annotations kubenode puts on CRI sandboxes and containers, as upstream's
// kuberuntime/labels.go. They are how a restarted kubelet finds its pods again (recovery, PLEG, GC).
#pragma once

#include <cstdint>
#include <string>

#include "api/pod.h"
#include "cri/types.h"

namespace kubenode::kubelet {

inline constexpr char kPodNameLabel[] = "io.kubernetes.pod.name";
inline constexpr char kPodNamespaceLabel[] = "io.kubernetes.pod.namespace";
inline constexpr char kPodUIDLabel[] = "io.kubernetes.pod.uid";
inline constexpr char kContainerNameLabel[] = "io.kubernetes.container.name";
inline constexpr char kContainerTypeLabel[] = "io.kubernetes.container.type";  // "init" or "container"
inline constexpr char kKubernetesManagedLabel[] = "io.kubernetes.managed-by";  // marks our objects

inline constexpr char kContainerHashAnnotation[] = "io.kubernetes.container.hash";
inline constexpr char kRestartCountAnnotation[] = "io.kubernetes.container.restartCount";
inline constexpr char kTerminationGraceAnnotation[] = "io.kubernetes.pod.terminationGracePeriod";
inline constexpr char kPodDeletionGraceAnnotation[] = "io.kubernetes.pod.deletionGracePeriod";

inline constexpr char kManagedByValue[] = "kubenode";

// Upstream's kubecontainer.HashContainer: FNV-32a over a canonical JSON encoding of the container spec,
// as lower-case hex. Any change of the spec changes the hash, which restarts the container.
std::string HashContainer(const api::Container& container);

// Labels and annotations of a pod's sandbox (pod labels + the io.kubernetes.pod.* identity labels).
cri::StringMap SandboxLabels(const api::Pod& pod);
cri::StringMap SandboxAnnotations(const api::Pod& pod);

// Labels and annotations of a container of `pod`.
cri::StringMap ContainerLabels(const api::Pod& pod, const api::Container& container, bool is_init);
cri::StringMap ContainerAnnotations(const api::Pod& pod, const api::Container& container, int32_t restart_count);

// Reads a label/annotation; `fallback` when absent or unparseable.
std::string GetOr(const cri::StringMap& map, const std::string& key, const std::string& fallback = "");
int64_t GetIntOr(const cri::StringMap& map, const std::string& key, int64_t fallback);

}  // namespace kubenode::kubelet
