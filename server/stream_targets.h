// StreamTargets over the kubelet's pods: a container is found through the pod's status (its CRI ID, as the
// status reports it), a sandbox through CRI by the pod UID label, as upstream finds them in the runtime's
// pod cache.
#pragma once

#include "cri/runtime_service.h"
#include "kubelet/kubelet.h"
#include "server/stream_handlers.h"

namespace kubenode::server {

class KubeletStreamTargets : public StreamTargets {
 public:
  KubeletStreamTargets(const kubelet::Kubelet& kubelet, cri::RuntimeService& runtime)
      : kubelet_(kubelet), runtime_(runtime) {}

  StreamTarget Container(const PodRef& pod, const std::string& container) override;
  StreamTarget Sandbox(const PodRef& pod) override;

 private:
  const kubelet::Kubelet& kubelet_;
  cri::RuntimeService& runtime_;
};

}  // namespace kubenode::server
