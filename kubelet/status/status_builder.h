// Builds api::PodStatus from the runtime state, as upstream kubelet_pods.go generateAPIPodStatus /
// convertToAPIContainerStatuses / getPhase and status/generate.go (conditions). Pure: everything comes in.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/pod.h"
#include "api/pod_status.h"
#include "kubelet/runtime/planner.h"
#include "kubelet/runtime/pod_runtime_state.h"

namespace kubenode::kubelet {

// The last sync's reason for a container not running (upstream reasonCache), by container name.
struct ContainerReason {
  std::string reason;
  std::string message;
};
using ReasonMap = std::map<std::string, ContainerReason>;

struct StatusInput {
  const api::Pod& pod;
  const PodRuntimeState& state;
  const ReasonMap& reasons;
  ProbeLookup probes;  // may be empty: every probe succeeds
  std::string host_ip;
  api::Time now;
  const api::PodStatus* previous = nullptr;  // keeps transition times, start time and terminal phases
};

api::PodStatus BuildPodStatus(const StatusInput& input);

// Upstream getPhase.
api::PodPhase ComputePhase(const api::Pod& pod, const api::PodStatus& status);

}  // namespace kubenode::kubelet
