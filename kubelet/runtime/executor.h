// Carries out a PodActions plan through CRI, step by step as upstream's kuberuntime SyncPod: kill the pod
// or the listed containers, prune init containers, create the sandbox, then start the next init container
// or the listed containers (pull image, create, start, postStart). Also kills and removes whole pods.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"
#include "cri/runtime_service.h"
#include "kubelet/event_recorder.h"
#include "kubelet/runtime/api_volumes.h"
#include "kubelet/runtime/backoff.h"
#include "kubelet/runtime/dns.h"
#include "kubelet/runtime/hook_runner.h"
#include "kubelet/runtime/image_puller.h"
#include "kubelet/runtime/planner.h"
#include "kubelet/runtime/security_context.h"
#include "kubelet/runtime/service_env.h"

namespace kubenode::kubelet {

struct ExecutorOptions {
  std::string root_dir = "/var/lib/kubelet";
  std::string pod_logs_dir = "/var/log/pods";
  bool seccomp_default = false;  // KubeletConfiguration seccompDefault
  HostSecurity host_security;    // the node's SELinux / AppArmor (DetectHostSecurity)
  std::function<std::string(const api::Pod&)> cgroup_parent;  // the pod's cgroup for CRI; unset: none
  DnsOptions dns;  // the sandbox's resolv.conf, hostname and domain
  std::string node_ip;  // status.hostIP in the downward API
};

// Why a container is not running after a sync (upstream's reasonCache entries): CrashLoopBackOff,
// ErrImagePull, ImagePullBackOff, ErrImageNeverPull, CreateContainerConfigError, CreateContainerError,
// RunContainerError, PostStartHookError. An empty reason means the container was started.
struct ContainerSyncResult {
  std::string name;
  std::string reason;
  std::string message;
};

struct SyncResult {
  Status error;  // the first failure, naming the pod, container and CRI call
  std::vector<ContainerSyncResult> containers;
  std::optional<WallTime> retry_at;  // earliest back-off end: sync the pod again then
};

EventObject PodRef(const api::Pod& pod);
EventObject ContainerRef(const api::Pod& pod, const std::string& container, bool is_init);

class PodExecutor {
 public:
  PodExecutor(cri::RuntimeService& runtime, cri::ImageService& images, EventRecorder& events, HookRunner& hooks,
              const Clock& clock, Backoff& crash_backoff, Backoff& image_backoff, ExecutorOptions options);

  SyncResult SyncPod(const api::Pod& pod, const PodRuntimeState& state, const PodActions& actions);

  // Stops every running container (preStop hooks, grace period) and every ready sandbox of the pod.
  // `pod` may be null for an orphan: grace periods then come from the container annotations.
  Status KillPod(const api::Pod* pod, const PodRuntimeState& state, std::optional<int64_t> grace_override = {});

  // After KillPod: removes the pod's containers and sandboxes and its directory under root_dir.
  Status RemovePod(const PodRuntimeState& state);

  const ExecutorOptions& options() const { return options_; }

  // API-server mode: ConfigMaps, Secrets and tokens for volumes and env. Before the first sync; outlives it.
  void SetApiObjects(ApiObjects* objects);
  // API-server mode: the Services for the containers' environment. Before the first sync; outlives it.
  void SetServiceLister(const ServiceLister* services) { services_ = services; }

 private:
  Status KillContainer(const api::Pod* pod, const RuntimeContainer& c, const std::string& pod_ip,
                       const std::string& message, KillReason reason, std::optional<int64_t> grace_override);
  ContainerSyncResult StartContainer(const api::Pod& pod, const PodRuntimeState& state, const api::Container& container,
                                     bool is_init, const std::string& sandbox_id,
                                     const cri::PodSandboxConfig& sandbox_config, const std::string& pod_ip,
                                     const std::map<std::string, std::string>& volumes,
                                     const std::vector<SecretObject>& pull_secrets);
  // Sets the sandbox's hostname and DNS config; `record_events`: the warnings of BuildPodDns as events.
  Status ConfigureSandboxDns(const api::Pod& pod, bool record_events, cri::PodSandboxConfig& config);
  void PruneInitContainers(const api::Pod& pod, const PodRuntimeState& state, bool remove_all);

  cri::RuntimeService& runtime_;
  cri::ImageService& images_;
  EventRecorder& events_;
  HookRunner& hooks_;
  const Clock& clock_;
  Backoff& crash_backoff_;
  ImagePuller puller_;
  ExecutorOptions options_;
  ApiObjects* api_objects_ = nullptr;
  const ServiceLister* services_ = nullptr;
  std::unique_ptr<ApiVolumeWriter> api_volumes_;
};

}  // namespace kubenode::kubelet
