// The port a probe targets: a number, or the name of one of the container's ports (upstream's
// probe.ResolveContainerPort).
#pragma once

#include "api/pod.h"
#include "base/status.h"

namespace kubenode::kubelet::prober {

// Returns the port in 1..65535, or an error naming the port and the container.
Result<int> ResolveContainerPort(const api::IntOrString& port, const api::Container& container);

}  // namespace kubenode::kubelet::prober
