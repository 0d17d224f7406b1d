// RuntimeService and ImageService over CRI v1 gRPC (containerd's CRI plugin) on a unix socket.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cri/runtime_service.h"

namespace kubenode::cri {

struct GrpcOptions {
  // As kubelet's --container-runtime-endpoint.
  std::string endpoint = "unix:///run/containerd/containerd.sock";
  // Deadline of each call, as kubelet's --runtime-request-timeout (2m).
  std::chrono::milliseconds request_timeout = std::chrono::minutes(2);
  // Pulls get their own, longer deadline: a large image over a slow registry is not a hung runtime.
  std::chrono::milliseconds pull_timeout = std::chrono::minutes(10);
};

// Connects lazily; every call fails with a message naming the call, the object and the endpoint when the
// runtime is not reachable.
class GrpcRuntimeService : public RuntimeService, public ImageService {
 public:
  explicit GrpcRuntimeService(GrpcOptions options);
  ~GrpcRuntimeService() override;

  Result<VersionInfo> Version() override;
  Result<bool> NetworkReady() override;

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
  Result<std::vector<ContainerStats>> ListContainerStats(const ContainerStatsFilter& filter) override;
  Result<std::vector<PodSandboxStats>> ListPodSandboxStats(const PodSandboxStatsFilter& filter) override;

  Result<std::string> PullImage(const std::string& image, const PodSandboxConfig* sandbox_config,
                                const AuthConfig* auth = nullptr) override;
  Result<std::optional<Image>> ImageStatus(const std::string& image) override;
  Result<std::vector<Image>> ListImages() override;
  Status RemoveImage(const std::string& image) override;

 private:
  struct Stubs;
  GrpcOptions options_;
  std::unique_ptr<Stubs> stubs_;
};

}  // namespace kubenode::cri
