#include "cri/pull_limiter.h"

namespace kubenode::cri {

PullLimiter::PullLimiter(ImageService& images, std::optional<int> max_parallel)
    : images_(images), max_parallel_(max_parallel) {}

Result<std::string> PullLimiter::PullImage(const std::string& image, const PodSandboxConfig* sandbox_config,
                                           const AuthConfig* auth) {
  if (!max_parallel_) return images_.PullImage(image, sandbox_config, auth);
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return running_ < *max_parallel_; });
    ++running_;
  }
  struct Release {
    PullLimiter* self;
    ~Release() {
      {
        std::lock_guard lock(self->mu_);
        --self->running_;
      }
      self->cv_.notify_one();
    }
  } release{this};
  return images_.PullImage(image, sandbox_config, auth);
}

std::optional<int> PullParallelism(bool serialize_image_pulls, std::optional<int> max_parallel_image_pulls) {
  if (serialize_image_pulls) return 1;
  return max_parallel_image_pulls;
}

}  // namespace kubenode::cri
