// The pure planner, upstream's kuberuntime computePodActions: from the desired pod and what the runtime
// has for it, decide what SyncPod must do. No I/O; back-off and probe results are read through the
// inputs, so every decision can be unit-tested with plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "kubelet/prober/probe_manager.h"
#include "kubelet/runtime/backoff.h"
#include "kubelet/runtime/pod_runtime_state.h"

namespace kubenode::kubelet {

enum class KillReason { kSpecChanged, kLivenessFailed, kStartupFailed, kUnknownState, kPodKilled };

struct ContainerToKill {
  std::string id;
  std::string name;
  KillReason reason = KillReason::kSpecChanged;
  std::string message;  // "Container nginx definition changed, will be restarted"
};

// A container that should start but waits for its CrashLoopBackOff to end.
struct BackOffWait {
  std::string name;
  bool is_init = false;
  WallTime until;
  std::string message;  // "back-off 20s restarting failed container=app pod=web-node1_default(uid)"
};

struct PodActions {
  bool kill_pod = false;        // stop every container and the sandbox
  bool create_sandbox = false;  // then create a new sandbox with `attempt`
  std::string sandbox_id;       // the current sandbox (when kept)
  uint32_t attempt = 0;
  std::optional<size_t> next_init_container;  // index into spec.init_containers
  std::vector<size_t> containers_to_start;    // indexes into spec.containers
  std::vector<ContainerToKill> containers_to_kill;
  std::vector<BackOffWait> backoffs;

  bool Empty() const {
    return !kill_pod && !create_sandbox && !next_init_container && containers_to_start.empty() &&
           containers_to_kill.empty() && backoffs.empty();
  }
};

// Probe results by container ID (ProbeManager::Get).
using ProbeLookup = std::function<ProbeResult(ProbeType, const std::string& container_id)>;

struct PlannerInput {
  const api::Pod& pod;
  const PodRuntimeState& state;
  const Backoff& backoff;
  ProbeLookup probes;  // may be empty: every probe succeeds
};

PodActions ComputePodActions(const PlannerInput& input);

// The back-off key of a container (upstream getStableKey): pod name, namespace, UID, container, hash.
std::string BackoffKey(const api::Pod& pod, const api::Container& container);
// The prefix shared by every back-off key of a pod (to forget a removed pod).
std::string BackoffKeyPrefix(const api::Pod& pod);

// Upstream kubecontainer.ShouldContainerBeRestarted.
bool ShouldContainerBeRestarted(const api::Container& container, const api::Pod& pod, const PodRuntimeState& state);

// Upstream findNextInitContainerToRun: the last failed init container's status (if any), the next init
// container to run (index), and whether initialization is done.
struct InitProgress {
  const RuntimeContainer* last_failed = nullptr;
  std::optional<size_t> next;
  bool done = false;
};
InitProgress FindNextInitContainerToRun(const api::Pod& pod, const PodRuntimeState& state);

bool IsInitContainerFailed(const RuntimeContainer& status);

// "<name>_<namespace>(<uid>)" as upstream's format.Pod, for messages and logs.
std::string FormatPod(const api::Pod& pod);

}  // namespace kubenode::kubelet
