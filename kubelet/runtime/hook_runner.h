// Runs lifecycle hooks (postStart, preStop): exec through CRI ExecSync, httpGet through the probes' HTTP
// client (to the pod IP unless the hook names a host), as upstream's lifecycle.handlerRunner. Behind an
// interface so tests record hook calls.
#pragma once

#include <chrono>
#include <string>

#include "api/pod.h"
#include "base/status.h"
#include "cri/runtime_service.h"

namespace kubenode::kubelet {

class HookRunner {
 public:
  virtual ~HookRunner() = default;
  virtual Status Run(const std::string& container_id, const std::string& pod_ip, const api::Container& container,
                     const api::Handler& handler, std::chrono::seconds timeout) = 0;
};

class CriHookRunner : public HookRunner {
 public:
  explicit CriHookRunner(cri::RuntimeService& runtime) : runtime_(runtime) {}
  Status Run(const std::string& container_id, const std::string& pod_ip, const api::Container& container,
             const api::Handler& handler, std::chrono::seconds timeout) override;

 private:
  cri::RuntimeService& runtime_;
};

}  // namespace kubenode::kubelet
