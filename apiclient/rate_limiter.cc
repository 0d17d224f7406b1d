#include "apiclient/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace kubenode::apiclient {

RateLimiter::RateLimiter(const Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(std::max(1, burst)), tokens_(burst_), last_(clock.Now()) {}

std::chrono::nanoseconds RateLimiter::Reserve() {
  if (qps_ <= 0) return std::chrono::nanoseconds(0);  // 0 or less: unlimited, as client-go
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = clock_.Now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  tokens_ -= 1;  // may go negative: later callers queue behind this one
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
}

void RateLimiter::Wait() {
  auto delay = Reserve();
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
}

}  // namespace kubenode::apiclient
