// A container's environment as upstream's makeEnvironmentVariables: envFrom (configMapRef / secretRef,
// prefix, optional) first, then env in order — value with $(VAR) expansion, or valueFrom fieldRef,
// resourceFieldRef, configMapKeyRef, secretKeyRef — later names replacing earlier ones; and $(VAR)
// expansion of command and args with the result; then the Service variables (service_env.h) the
// container does not set itself (they take part in $(VAR) expansion after the container's own).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/status.h"
#include "kubelet/runtime/api_objects.h"
#include "kubelet/runtime/service_env.h"

namespace kubenode::kubelet {

struct PodAddresses {
  std::string pod_ip;
  std::string host_ip;
};

// `objects` may be null (no API server): a reference to a ConfigMap or Secret is then an error.
// `services` may be null (no API server): no Service variables. An API pod before the Services' first LIST
// is an error, as upstream (a pod must not miss KUBERNETES_SERVICE_HOST because the kubelet just started).
// Errors read like upstream's CreateContainerConfigError messages (`configmap "x" not found`).
Result<std::vector<api::EnvVar>> ResolveEnvironment(const api::Pod& pod, const api::Container& container,
                                                    const PodAddresses& addresses, ApiObjects* objects,
                                                    const ServiceLister* services = nullptr);

// Upstream's expansion: $(NAME) becomes NAME's value when defined (else stays as written), $$ is $.
std::string ExpandVariables(const std::string& input, const std::map<std::string, std::string>& values);

}  // namespace kubenode::kubelet
