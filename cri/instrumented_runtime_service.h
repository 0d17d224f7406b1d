// A RuntimeService / ImageService that times every CRI call, as upstream's instrumentedRuntimeService:
// kubelet_runtime_operations_total, kubelet_runtime_operations_duration_seconds and
// kubelet_runtime_operations_errors_total, each by operation_type ("list_containers", "pull_image", ...).
// RunPodSandbox also counts kubelet_started_pods_total / kubelet_started_pods_errors_total (upstream counts
// them around createPodSandbox, which is exactly one RunPodSandbox call).
#pragma once

#include <string>

#include "base/metrics.h"
#include "cri/runtime_service.h"

namespace kubenode::cri {

class InstrumentedRuntimeService : public RuntimeService, public ImageService {
 public:
  InstrumentedRuntimeService(RuntimeService& runtime, ImageService& images,
                             metrics::Registry& registry = metrics::DefaultRegistry());

  Result<VersionInfo> Version() override;
  Result<std::string> RunPodSandbox(const PodSandboxConfig& config) override;
  Status StopPodSandbox(const std::string& sandbox_id) override;
  Status RemovePodSandbox(const std::string& sandbox_id) override;
  Result<PodSandboxStatus> PodSandboxStatusOf(const std::string& sandbox_id) override;
  Result<std::vector<PodSandbox>> ListPodSandbox(const SandboxFilter& filter) override;
  Result<std::string> CreateContainer(const std::string& sandbox_id, const ContainerConfig& config,
                                      const PodSandboxConfig& sandbox_config) override;
  Status StartContainer(const std::string& container_id) override;
  Status StopContainer(const std::string& container_id, std::chrono::seconds timeout) override;
  Status RemoveContainer(const std::string& container_id) override;
  Result<std::vector<Container>> ListContainers(const ContainerFilter& filter) override;
  Result<ContainerStatus> ContainerStatusOf(const std::string& container_id) override;
  Result<ExecResult> ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                              std::chrono::seconds timeout) override;
  Result<std::string> Exec(const ExecRequest& request) override;
  Result<std::string> Attach(const AttachRequest& request) override;
  Result<std::string> PortForward(const PortForwardRequest& request) override;
  Result<bool> NetworkReady() override;
  Result<std::vector<ContainerStats>> ListContainerStats(const ContainerStatsFilter& filter) override;
  Result<std::vector<PodSandboxStats>> ListPodSandboxStats(const PodSandboxStatsFilter& filter) override;

  Result<std::string> PullImage(const std::string& image, const PodSandboxConfig* sandbox_config,
                                const AuthConfig* auth = nullptr) override;
  Result<std::optional<Image>> ImageStatus(const std::string& image) override;
  Result<std::vector<Image>> ListImages() override;
  Status RemoveImage(const std::string& image) override;

 private:
  // Runs `call`, counting and timing it under `operation`; an error result counts as an error.
  template <typename F>
  auto Record(const char* operation, F&& call) -> decltype(call());

  RuntimeService& runtime_;
  ImageService& images_;
  metrics::CounterVec& operations_;
  metrics::HistogramVec& durations_;
  metrics::CounterVec& errors_;
  metrics::CounterVec& started_pods_;
  metrics::CounterVec& started_pods_errors_;
};

}  // namespace kubenode::cri
