// Container garbage collection for pods the kubelet runs (upstream kuberuntime_gc.go with
// MaxPerPodContainer = 1): keep the newest dead instance of every container (the previous attempt, for
// status and `logs --previous`), remove older dead ones; remove dead sandboxes of a pod that are not its
// newest sandbox and hold no containers. Pods without a desired spec are cleaned up by their worker.
#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "cri/runtime_service.h"
#include "kubelet/runtime/pod_runtime_state.h"

namespace kubenode::kubelet {

// `pods`: the runtime state of the pods to collect in (desired pods only). Returns the first error; keeps
// going after one.
Status CollectGarbage(cri::RuntimeService& runtime, const std::map<std::string, PodRuntimeState>& pods);

}  // namespace kubenode::kubelet
