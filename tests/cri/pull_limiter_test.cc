// serializeImagePulls / maxParallelImagePulls: how many PullImage calls reach the runtime at once.
#include "cri/pull_limiter.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kubenode::cri {
namespace {

using namespace std::chrono_literals;

// Each pull blocks until released; records the most pulls in flight at once.
class BlockingImages : public ImageService {
 public:
  Result<std::string> PullImage(const std::string& image, const PodSandboxConfig*, const AuthConfig* = nullptr) override {
    std::unique_lock lock(mu_);
    ++in_flight_;
    started_++;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
    --in_flight_;
    return "sha256:" + image;
  }
  Result<std::optional<Image>> ImageStatus(const std::string&) override { return std::optional<Image>(); }
  Result<std::vector<Image>> ListImages() override { return std::vector<Image>(); }
  Status RemoveImage(const std::string&) override { return {}; }

  // Waits until `n` pulls started (or `wait` passed); returns how many did.
  int WaitStarted(int n, std::chrono::milliseconds wait = 5s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return started_ >= n; });
    return started_;
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int max_in_flight() {
    std::lock_guard lock(mu_);
    return max_in_flight_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0, max_in_flight_ = 0, started_ = 0;
  bool released_ = false;
};

int MaxConcurrentPulls(std::optional<int> limit, int pulls, int expect_started) {
  BlockingImages images;
  PullLimiter limiter(images, limit);
  std::vector<std::thread> threads;
  for (int i = 0; i < pulls; ++i) {
    threads.emplace_back([&, i] { EXPECT_TRUE(limiter.PullImage("image-" + std::to_string(i), nullptr).ok()); });
  }
  EXPECT_EQ(images.WaitStarted(expect_started), expect_started);
  // The waiting pulls had their chance to start too, had the limit let them.
  if (expect_started < pulls) EXPECT_EQ(images.WaitStarted(expect_started + 1, 300ms), expect_started);
  images.Release();
  for (auto& t : threads) t.join();
  return images.max_in_flight();
}

TEST(PullLimiterTest, SerializedPullsRunOneAtATime) {
  EXPECT_EQ(MaxConcurrentPulls(PullParallelism(true, std::nullopt), 4, 1), 1);
}

TEST(PullLimiterTest, MaxParallelImagePullsBoundsConcurrentPulls) {
  EXPECT_EQ(MaxConcurrentPulls(PullParallelism(false, 2), 5, 2), 2);
}

TEST(PullLimiterTest, NoLimitWhenNotSerializedAndNoMaximum) {
  EXPECT_EQ(MaxConcurrentPulls(PullParallelism(false, std::nullopt), 4, 4), 4);
}

}  // namespace
}  // namespace kubenode::cri
