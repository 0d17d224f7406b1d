// The systemd watchdog, pinged only while the daemon really works: every health check (the kubelet's
// PLEG relist, the proxy's sync loop) passes. A hung loop stops the pings and systemd restarts kubenode
// (WatchdogSec= in kubenode.service), as upstream kubelet's watchdog does from its healthz checks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace kubenode::systemd {

struct HealthCheck {
  std::string name;              // "pleg", "proxy-sync"
  std::function<Status()> check;  // OK while healthy; the error says what is stuck and since when
};

// Runs all checks; the first failures name their checks: "pleg: last relist 3m10s ago".
Status RunHealthChecks(const std::vector<HealthCheck>& checks);

class Watchdog {
 public:
  // `interval`: how often to check and ping (half of WatchdogSec, see WatchdogPingInterval()).
  Watchdog(std::chrono::microseconds interval, std::vector<HealthCheck> checks);
  ~Watchdog();

  void Start();
  void Stop();

 private:
  void Loop();

  const std::chrono::microseconds interval_;
  const std::vector<HealthCheck> checks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kubenode::systemd
