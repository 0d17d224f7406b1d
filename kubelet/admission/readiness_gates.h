// spec.readinessGates as upstream's status/generate.go GeneratePodReadyCondition: the Ready condition is
// True only when the containers are ready AND every gate's condition is True in the pod's conditions.
// Nothing sets custom conditions on a static pod (there is no API to do it), so a gate keeps it not
// ready -- as upstream.
#pragma once

#include <vector>

#include "api/pod.h"
#include "api/pod_status.h"

namespace kubenode::kubelet::admission {

inline constexpr char kReadinessGatesNotReady[] = "ReadinessGatesNotReady";

// Rewrites the "Ready" condition in `conditions` (when it is True) from the gates and `existing`, the
// pod's current conditions (where a gate's condition would be).
void ApplyReadinessGates(const api::PodSpec& spec, const std::vector<api::PodCondition>& existing,
                         std::vector<api::PodCondition>& conditions);

}  // namespace kubenode::kubelet::admission
