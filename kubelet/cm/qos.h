// Pod QoS class, as upstream's pkg/apis/core/v1/helper/qos ComputePodQOS: only cpu and memory count,
// over every container (init containers too).
#pragma once

#include "api/pod.h"

namespace kubenode::kubelet::cm {

enum class QOSClass { kGuaranteed, kBurstable, kBestEffort };
const char* ToString(QOSClass qos);  // "Guaranteed", "Burstable", "BestEffort"

// Guaranteed: every container has cpu and memory limits and the summed requests equal the summed limits;
// BestEffort: no container requests or limits cpu or memory (a zero quantity counts as none); else Burstable.
QOSClass GetPodQOS(const api::Pod& pod);

// Upstream types.IsCriticalPod: a static pod, or priority >= 2 000 000 000 (system-cluster-critical and
// system-node-critical as the apiserver resolves them).
bool IsCriticalPod(const api::Pod& pod);
// Upstream types.IsNodeCriticalPod: critical and of priorityClassName system-node-critical.
bool IsNodeCriticalPod(const api::Pod& pod);

}  // namespace kubenode::kubelet::cm
