// spec.activeDeadlineSeconds as upstream's kubelet active_deadline.go: once the pod has been active on
// the node (since status.startTime) for that long, it is failed -- phase Failed, reason DeadlineExceeded --
// and its containers are killed.
#pragma once

#include <optional>

#include "api/pod.h"
#include "api/pod_status.h"

namespace kubenode::kubelet::admission {

inline constexpr char kDeadlineExceededReason[] = "DeadlineExceeded";
inline constexpr char kDeadlineExceededMessage[] = "Pod was active on the node longer than the specified deadline";

// When the pod's deadline passes: startTime + activeDeadlineSeconds; nullopt without a deadline or a
// start time.
std::optional<api::Time> ActiveDeadline(const api::Pod& pod, const api::PodStatus* status);

// Upstream pastActiveDeadline: now - startTime >= activeDeadlineSeconds.
bool PastActiveDeadline(const api::Pod& pod, const api::PodStatus* status, api::Time now);

}  // namespace kubenode::kubelet::admission
