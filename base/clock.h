// Time behind an interface so that back-off, probes and status can be tested without sleeping.
#pragma once

#include <chrono>

namespace kubenode {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for intervals and deadlines.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // Wall time for what users read (timestamps in status and events).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
};

class RealClock : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override { return std::chrono::system_clock::now(); }
};

}  // namespace kubenode
