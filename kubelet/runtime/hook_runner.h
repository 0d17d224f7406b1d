// Runs lifecycle hooks (postStart, preStop): exec through CRI ExecSync, httpGet as a plain HTTP/1.1 GET to
// the pod IP, as upstream's lifecycle.handlerRunner. Behind an interface so tests record hook calls.
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

// A blocking HTTP GET; OK for any response status below 400 (upstream treats transport errors and
// error statuses as hook failures).
Status HttpGet(const std::string& host, int port, const std::string& path, std::chrono::seconds timeout);

}  // namespace kubenode::kubelet
