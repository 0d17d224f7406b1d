// KubeletConfiguration serializeImagePulls / maxParallelImagePulls, as upstream's image puller: an
// ImageService whose PullImage lets at most N pulls run at once (1 when serialized); later pulls wait
// their turn. Other calls pass straight through.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>

#include "cri/runtime_service.h"

namespace kubenode::cri {

class PullLimiter : public ImageService {
 public:
  // `max_parallel`: std::nullopt for no limit.
  PullLimiter(ImageService& images, std::optional<int> max_parallel);

  Result<std::string> PullImage(const std::string& image, const PodSandboxConfig* sandbox_config,
                                const AuthConfig* auth = nullptr) override;
  Result<std::optional<Image>> ImageStatus(const std::string& image) override { return images_.ImageStatus(image); }
  Result<std::vector<Image>> ListImages() override { return images_.ListImages(); }
  Status RemoveImage(const std::string& image) override { return images_.RemoveImage(image); }

 private:
  ImageService& images_;
  const std::optional<int> max_parallel_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

// The limit the kubelet's two fields mean: 1 when serialized, else maxParallelImagePulls (unset: none).
std::optional<int> PullParallelism(bool serialize_image_pulls, std::optional<int> max_parallel_image_pulls);

}  // namespace kubenode::cri
