// A pod as `kubectl get pod -o json|yaml` prints it: the object with its status.
#pragma once

#include <nlohmann/json.hpp>

#include "kubelet/status/status_manager.h"

namespace kubenode::kubelet {

// api::ToJson(pod) with "status" = api::ToJson(status). Render YAML with api::ToYaml.
nlohmann::json PodToJson(const PodWithStatus& pod);

}  // namespace kubenode::kubelet
