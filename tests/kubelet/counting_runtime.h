// A RuntimeService that forwards every call to another one and counts the calls by CRI method name
// ("ListPodSandbox", "PodSandboxStatus", "ContainerStatus", ...), reads included: what the kubelet costs
// the runtime in RPCs. Used by the PLEG tests and bench/pleg_relist_bench.cc.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "cri/runtime_service.h"

namespace kubenode::kubelet::testing {

class CountingRuntime : public cri::RuntimeService {
 public:
  explicit CountingRuntime(cri::RuntimeService& inner) : inner_(inner) {}

  int Count(const std::string& method) const {
    std::lock_guard lock(mu_);
    auto it = counts_.find(method);
    return it == counts_.end() ? 0 : it->second;
  }
  int Total() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [method, count] : counts_) n += count;
    return n;
  }
  void Reset() {
    std::lock_guard lock(mu_);
    counts_.clear();
  }

  Result<cri::VersionInfo> Version() override {
    Bump("Version");
    return inner_.Version();
  }
  Result<std::string> RunPodSandbox(const cri::PodSandboxConfig& config) override {
    Bump("RunPodSandbox");
    return inner_.RunPodSandbox(config);
  }
  Status StopPodSandbox(const std::string& id) override {
    Bump("StopPodSandbox");
    return inner_.StopPodSandbox(id);
  }
  Status RemovePodSandbox(const std::string& id) override {
    Bump("RemovePodSandbox");
    return inner_.RemovePodSandbox(id);
  }
  Result<cri::PodSandboxStatus> PodSandboxStatusOf(const std::string& id) override {
    Bump("PodSandboxStatus");
    return inner_.PodSandboxStatusOf(id);
  }
  Result<std::vector<cri::PodSandbox>> ListPodSandbox(const cri::SandboxFilter& filter) override {
    Bump("ListPodSandbox");
    return inner_.ListPodSandbox(filter);
  }
  Result<std::string> CreateContainer(const std::string& sandbox_id, const cri::ContainerConfig& config,
                                      const cri::PodSandboxConfig& sandbox_config) override {
    Bump("CreateContainer");
    return inner_.CreateContainer(sandbox_id, config, sandbox_config);
  }
  Status StartContainer(const std::string& id) override {
    Bump("StartContainer");
    return inner_.StartContainer(id);
  }
  Status StopContainer(const std::string& id, std::chrono::seconds timeout) override {
    Bump("StopContainer");
    return inner_.StopContainer(id, timeout);
  }
  Status RemoveContainer(const std::string& id) override {
    Bump("RemoveContainer");
    return inner_.RemoveContainer(id);
  }
  Result<std::vector<cri::Container>> ListContainers(const cri::ContainerFilter& filter) override {
    Bump("ListContainers");
    return inner_.ListContainers(filter);
  }
  Result<cri::ContainerStatus> ContainerStatusOf(const std::string& id) override {
    Bump("ContainerStatus");
    return inner_.ContainerStatusOf(id);
  }
  Result<cri::ExecResult> ExecSync(const std::string& id, const std::vector<std::string>& cmd,
                                   std::chrono::seconds timeout) override {
    Bump("ExecSync");
    return inner_.ExecSync(id, cmd, timeout);
  }
  Result<std::string> Exec(const cri::ExecRequest& request) override {
    Bump("Exec");
    return inner_.Exec(request);
  }
  Result<std::string> Attach(const cri::AttachRequest& request) override {
    Bump("Attach");
    return inner_.Attach(request);
  }
  Result<std::string> PortForward(const cri::PortForwardRequest& request) override {
    Bump("PortForward");
    return inner_.PortForward(request);
  }

 private:
  void Bump(const char* method) {
    std::lock_guard lock(mu_);
    ++counts_[method];
  }

  cri::RuntimeService& inner_;
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
};

}  // namespace kubenode::kubelet::testing
