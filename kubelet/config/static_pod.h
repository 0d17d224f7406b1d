// Turns a decoded manifest pod into a static pod as upstream's config/common.go applyDefaults and the
// merger do: name "<name>-<nodeName>", UID = md5(encoded pod, "host:<node>", "file:<path>") unless set,
// spec.nodeName, annotations kubernetes.io/config.hash, config.source=file and config.seen.
#pragma once

#include <string>

#include "api/pod.h"
#include "api/pod_status.h"

namespace kubenode::kubelet {

inline constexpr char kConfigSourceAnnotation[] = "kubernetes.io/config.source";
inline constexpr char kConfigHashAnnotation[] = "kubernetes.io/config.hash";
inline constexpr char kConfigSeenAnnotation[] = "kubernetes.io/config.seen";
inline constexpr char kConfigMirrorAnnotation[] = "kubernetes.io/config.mirror";

void ApplyStaticPodDefaults(api::Pod& pod, const std::string& node_name, const std::string& file);

bool IsStaticPod(const api::Pod& pod);

// RFC 3339 with nanoseconds, as Go's time.Time String in config.seen.
std::string FormatSeen(api::Time t);

}  // namespace kubenode::kubelet
