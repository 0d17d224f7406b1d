// The proxy's sync thread, as kube-proxy's BoundedFrequencyRunner around syncProxyRules: a change to
// Services or endpoints triggers a sync, no more often than min_sync_period (changes in between are
// coalesced into one transaction), and a periodic sync every sync_period re-checks the kernel.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "proxy/proxier.h"
#include "proxy/service_change_tracker.h"

namespace kubenode::agent {

struct ProxyRunnerOptions {
  std::chrono::milliseconds min_sync_period{1000};  // nftables.minSyncPeriod
  std::chrono::milliseconds sync_period{30000};     // nftables.syncPeriod
};

class ProxyRunner {
 public:
  ProxyRunner(proxy::ServiceChangeTracker& tracker, proxy::Proxier& proxier, ProxyRunnerOptions options);
  ~ProxyRunner();

  void Start();
  void Stop();
  // Asks for a sync soon (called from the tracker's change callback, any thread).
  void Trigger();
  // Runs `fn` on the sync thread's lock (e.g. to read the proxier's state for `proxy dump`).
  void WithProxier(const std::function<void(proxy::Proxier&)>& fn);

 private:
  void Loop();

  proxy::ServiceChangeTracker& tracker_;
  proxy::Proxier& proxier_;
  const ProxyRunnerOptions options_;
  std::mutex mu_;
  std::mutex proxier_mu_;
  std::condition_variable cv_;
  bool pending_ = true;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kubenode::agent
