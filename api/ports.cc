#include "api/ports.h"

namespace kubenode::api {

std::optional<int32_t> FindContainerPort(const Container& container, std::string_view name) {
  for (const ContainerPort& port : container.ports) {
    if (port.name == name) return port.container_port;
  }
  return std::nullopt;
}

std::optional<int32_t> FindPodPort(const Pod& pod, std::string_view name, Protocol protocol) {
  for (const Container& container : pod.spec.containers) {
    for (const ContainerPort& port : container.ports) {
      if (port.name == name && port.protocol == protocol) return port.container_port;
    }
  }
  return std::nullopt;
}

}  // namespace kubenode::api
