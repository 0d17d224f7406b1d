#include "cri/runtime_service.h"

namespace kubenode::cri {

Result<std::vector<ContainerStats>> RuntimeService::ListContainerStats(const ContainerStatsFilter&) {
  return Status::Error("ListContainerStats: not implemented by this runtime service");
}

Result<std::vector<PodSandboxStats>> RuntimeService::ListPodSandboxStats(const PodSandboxStatsFilter&) {
  return Status::Error("ListPodSandboxStats: not implemented by this runtime service");
}

}  // namespace kubenode::cri
