// Named container ports, looked up the one way upstream does (podutil.FindPort): for probes and lifecycle
// hooks within one container, for a Service's targetPort across the pod's containers and by protocol.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/pod.h"

namespace kubenode::api {

// The containerPort of `container`'s first port named `name`.
std::optional<int32_t> FindContainerPort(const Container& container, std::string_view name);

// The containerPort of the first port named `name` with `protocol` in any of the pod's (regular) containers.
std::optional<int32_t> FindPodPort(const Pod& pod, std::string_view name, Protocol protocol);

}  // namespace kubenode::api
