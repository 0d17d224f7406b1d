// Client-side rate limit as client-go's token bucket (kubelet: kubeAPIQPS 50, kubeAPIBurst 100).
#pragma once

#include <chrono>
#include <mutex>

#include "base/clock.h"

namespace kubenode::apiclient {

class RateLimiter {
 public:
  RateLimiter(const Clock& clock, double qps, int burst);

  // Takes a token and returns how long the caller must wait before using it (zero when one was free).
  std::chrono::nanoseconds Reserve();
  // Reserve() and sleep.
  void Wait();

 private:
  const Clock& clock_;
  const double qps_;
  const double burst_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace kubenode::apiclient
