// The CRI RuntimeService and ImageService as kubenode uses them. The real implementation talks gRPC to
// containerd (grpc_runtime_service.h); tests use a fake. Errors name the CRI call and the object.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "cri/types.h"

namespace kubenode::cri {

class RuntimeService {
 public:
  virtual ~RuntimeService() = default;

  virtual Result<VersionInfo> Version() = 0;
  // CRI Status: whether the runtime's pod network is ready (NetworkReady), e.g. it loaded a CNI config.
  // Runtimes (and fakes) that cannot tell answer an error.
  virtual Result<bool> NetworkReady() { return Status::Error("CRI Status: not implemented"); }

  // Sandboxes.
  virtual Result<std::string> RunPodSandbox(const PodSandboxConfig& config) = 0;  // returns the sandbox ID
  virtual Status StopPodSandbox(const std::string& sandbox_id) = 0;
  virtual Status RemovePodSandbox(const std::string& sandbox_id) = 0;
  virtual Result<PodSandboxStatus> PodSandboxStatusOf(const std::string& sandbox_id) = 0;
  virtual Result<std::vector<PodSandbox>> ListPodSandbox(const SandboxFilter& filter) = 0;

  // Containers. `sandbox_config` is the config the sandbox was created with, as CRI requires.
  virtual Result<std::string> CreateContainer(const std::string& sandbox_id, const ContainerConfig& config,
                                              const PodSandboxConfig& sandbox_config) = 0;
  virtual Status StartContainer(const std::string& container_id) = 0;
  virtual Status StopContainer(const std::string& container_id, std::chrono::seconds timeout) = 0;
  virtual Status RemoveContainer(const std::string& container_id) = 0;
  virtual Result<std::vector<Container>> ListContainers(const ContainerFilter& filter) = 0;
  virtual Result<ContainerStatus> ContainerStatusOf(const std::string& container_id) = 0;
  virtual Result<ExecResult> ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                      std::chrono::seconds timeout) = 0;
  // Streaming: each returns the URL on the runtime's streaming server that serves the session.
  virtual Result<std::string> Exec(const ExecRequest& request) = 0;
  virtual Result<std::string> Attach(const AttachRequest& request) = 0;
  virtual Result<std::string> PortForward(const PortForwardRequest& request) = 0;

  // Stats. Not pure: most fakes have no stats to give, and a runtime without them (containerd 1.6 answers
  // ListPodSandboxStats with Unimplemented on some builds) is handled by the stats provider.
  virtual Result<std::vector<ContainerStats>> ListContainerStats(const ContainerStatsFilter& filter);
  virtual Result<std::vector<PodSandboxStats>> ListPodSandboxStats(const PodSandboxStatsFilter& filter);
};

class ImageService {
 public:
  virtual ~ImageService() = default;

  // Returns the image reference (ID) to use in ContainerConfig.image. `auth` null: anonymous.
  virtual Result<std::string> PullImage(const std::string& image, const PodSandboxConfig* sandbox_config,
                                        const AuthConfig* auth = nullptr) = 0;
  // Returns the image if present; std::nullopt if the runtime does not have it.
  virtual Result<std::optional<Image>> ImageStatus(const std::string& image) = 0;
  virtual Result<std::vector<Image>> ListImages() = 0;
  virtual Status RemoveImage(const std::string& image) = 0;
};

}  // namespace kubenode::cri
