// Turns a decoded manifest pod into a static pod as upstream's config/common.go applyDefaults and the
// merger do: name "<name>-<nodeName>", namespace "default" if unset, spec.nodeName, annotations
// kubernetes.io/config.hash, config.source=file (config.seen is PodConfig's).
//
// Unlike upstream, the UID (unless metadata.uid is set) is derived from the pod's identity, not its
// content: StaticPodUID(file, node, namespace, name). An edited manifest is then an UPDATE of the same
// pod and only the changed containers restart, as for a pod from an API server. config.hash stays the
// md5 of the content (upstream's UID recipe), so it still changes with every edit.
#pragma once

#include <string>

#include "api/pod.h"
#include "api/pod_status.h"

namespace kubenode::kubelet {

inline constexpr char kConfigSourceAnnotation[] = "kubernetes.io/config.source";
inline constexpr char kConfigHashAnnotation[] = "kubernetes.io/config.hash";
inline constexpr char kConfigSeenAnnotation[] = "kubernetes.io/config.seen";
inline constexpr char kConfigMirrorAnnotation[] = "kubernetes.io/config.mirror";

// md5 hex of the manifest file path, node name and the pod's final namespace/name.
std::string StaticPodUID(const std::string& file, const std::string& node_name, const std::string& ns,
                         const std::string& name);

void ApplyStaticPodDefaults(api::Pod& pod, const std::string& node_name, const std::string& file);

bool IsStaticPod(const api::Pod& pod);

// RFC 3339 with nanoseconds, as Go's time.Time String in config.seen.
std::string FormatSeen(api::Time t);

}  // namespace kubenode::kubelet
