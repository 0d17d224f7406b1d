// What the runtime has for one pod (upstream kubecontainer.PodStatus): its sandboxes and containers,
// newest first, read through CRI and identified by the io.kubernetes.pod.uid label.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "cri/runtime_service.h"

namespace kubenode::kubelet {

using WallTime = std::chrono::system_clock::time_point;

// One container as the kubelet sees it (upstream kubecontainer.Status).
struct RuntimeContainer {
  std::string id;
  std::string sandbox_id;
  std::string name;
  bool is_init = false;
  cri::ContainerState state = cri::ContainerState::kUnknown;
  WallTime created_at;
  WallTime started_at;   // epoch if never started
  WallTime finished_at;  // epoch if not finished
  int32_t exit_code = 0;
  std::string reason;
  std::string message;
  std::string image;
  std::string image_ref;
  std::string hash;  // io.kubernetes.container.hash
  int32_t restart_count = 0;
  uint32_t attempt = 0;
  int64_t grace_period_seconds = 30;
};

struct PodRuntimeState {
  std::string uid;
  std::string name;  // from labels; empty if unknown
  std::string ns;
  std::vector<cri::PodSandboxStatus> sandboxes;  // newest first
  std::vector<RuntimeContainer> containers;      // newest first

  // The newest container named `name` (upstream FindContainerStatusByName), or nullptr.
  const RuntimeContainer* FindContainer(const std::string& name) const;
  // The newest sandbox, or nullptr.
  const cri::PodSandboxStatus* LatestSandbox() const { return sandboxes.empty() ? nullptr : &sandboxes.front(); }
  // IPs of the newest ready sandbox (primary first).
  std::vector<std::string> PodIPs() const;
  bool empty() const { return sandboxes.empty() && containers.empty(); }
};

WallTime FromNanos(int64_t ns);
// A CRI error with gRPC code NotFound ("... rpc error: code = NotFound desc = ..."): the object is gone.
bool IsNotFound(const Status& status);
RuntimeContainer ToRuntimeContainer(const cri::ContainerStatus& status, const std::string& sandbox_id);

// Reads the runtime state of every pod with kubenode's labels, keyed by pod UID: one ListPodSandbox and
// one ListContainers, then a status call per object (errors name the call and the object).
Result<std::map<std::string, PodRuntimeState>> ListPodRuntimeStates(cri::RuntimeService& runtime);

// The runtime state of one pod.
Result<PodRuntimeState> GetPodRuntimeState(cri::RuntimeService& runtime, const std::string& pod_uid);

}  // namespace kubenode::kubelet
