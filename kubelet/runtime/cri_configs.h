// Builds the CRI sandbox and container configs from the pod spec, as upstream's
// kuberuntime_sandbox.go (generatePodSandboxConfig) and kuberuntime_container.go (generateContainerConfig).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "api/pod.h"
#include "base/status.h"
#include "cri/types.h"
#include "kubelet/runtime/security_context.h"

namespace kubenode::kubelet {

// /var/log/pods/<ns>_<name>_<uid>
std::string PodLogDirectory(const std::string& pod_logs_root, const api::Pod& pod);

// `cgroup_parent`: the pod's cgroup (kubelet/cm/pod_container_manager.h); empty leaves it to the runtime.
cri::PodSandboxConfig BuildSandboxConfig(const api::Pod& pod, uint32_t attempt, const std::string& pod_logs_root,
                                         const std::string& cgroup_parent = "");

// `volume_paths` maps volume name -> host path (SetUpVolumes); `image_ref` is what PullImage returned.
// Fails (CreateContainerConfigError) if a mount names an unknown volume or runAsNonRoot is violated
// (`image_user`: who the image runs as, security_context.h).
Result<cri::ContainerConfig> BuildContainerConfig(const api::Pod& pod, const api::Container& container, bool is_init,
                                                  int32_t restart_count, const std::string& image_ref,
                                                  const std::map<std::string, std::string>& volume_paths,
                                                  const ImageUser& image_user = {}, const SecurityOptions& security = {});

}  // namespace kubenode::kubelet
