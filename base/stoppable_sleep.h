// Sleeping in a loop thread that must notice a stop request within a fraction of a second.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace kubenode {

// Sleeps `d`, or less once `stop` becomes true (checked every 50 ms).
inline void SleepUnlessStopped(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), until - std::chrono::steady_clock::now()));
  }
}

}  // namespace kubenode
