// The proxy's sync thread, as kube-proxy's BoundedFrequencyRunner around syncProxyRules: a change to
// Services or endpoints triggers a sync, no more often than min_sync_period (changes in between are
// coalesced into one transaction), and every sync_period the kernel's table is compared with what was
// applied and repaired (Proxier::RepairDrift). After a failed sync the next attempt waits RetryDelay
// (exponential, reset by a success) instead of retrying a full resync every min_sync_period.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "proxy/proxier.h"
#include "proxy/service_change_tracker.h"

namespace kubenode::agent {

struct ProxyRunnerOptions {
  std::chrono::milliseconds min_sync_period{1000};  // nftables.minSyncPeriod
  std::chrono::milliseconds sync_period{30000};     // nftables.syncPeriod
  std::chrono::milliseconds max_retry_delay{30000};  // cap of the back-off after failed syncs
};

// The wait before the next attempt after `failures` (>= 1) failed syncs in a row: 1 s, 2 s, 4 s, ... capped
// at max_retry_delay, never below min_sync_period.
std::chrono::milliseconds RetryDelay(int failures, const ProxyRunnerOptions& options);

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

  // As kube-proxy's healthz: an error once a sync has been due (a change, the periodic check, a retry) for
  // longer than `timeout` without one succeeding, e.g. the loop is stuck or every sync fails.
  Status Health(std::chrono::milliseconds timeout) const;
  // When the last sync succeeded (wall clock), for kube-proxy's /healthz body; empty before the first.
  std::optional<std::chrono::system_clock::time_point> LastSuccess() const;
  // Waits until the first sync succeeded (READY=1 waits for it); false if `timeout` passed first.
  bool WaitFirstSync(std::chrono::milliseconds timeout);

 private:
  void Loop();
  // One sync (Loop's body after the wait); `last_sync` is set when it ends.
  void SyncOnce(bool periodic, std::chrono::steady_clock::time_point& last_sync);
  void SyncThrew(const std::string& what, std::chrono::steady_clock::time_point& last_sync);

  proxy::ServiceChangeTracker& tracker_;
  proxy::Proxier& proxier_;
  const ProxyRunnerOptions options_;
  void MarkDue();  // requires mu_

  mutable std::mutex mu_;
  std::mutex proxier_mu_;
  std::optional<std::chrono::steady_clock::time_point> due_since_;  // oldest sync due and not yet done
  bool synced_once_ = false;
  std::optional<std::chrono::system_clock::time_point> last_success_;
  std::condition_variable cv_;
  bool pending_ = true;
  int failures_ = 0;  // failed syncs in a row (sync thread only)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kubenode::agent
