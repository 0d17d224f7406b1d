#include "agent/proxy_runner.h"

#include "base/log.h"

namespace kubenode::agent {

ProxyRunner::ProxyRunner(proxy::ServiceChangeTracker& tracker, proxy::Proxier& proxier, ProxyRunnerOptions options)
    : tracker_(tracker), proxier_(proxier), options_(options) {}

ProxyRunner::~ProxyRunner() { Stop(); }

void ProxyRunner::Start() { thread_ = std::thread([this] { Loop(); }); }

void ProxyRunner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProxyRunner::Trigger() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

void ProxyRunner::WithProxier(const std::function<void(proxy::Proxier&)>& fn) {
  std::lock_guard lock(proxier_mu_);
  fn(proxier_);
}

void ProxyRunner::Loop() {
  auto log = Logger("proxy");
  auto last_sync = std::chrono::steady_clock::now() - options_.min_sync_period;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, last_sync + options_.sync_period, [&] { return stopping_ || pending_; });
      if (stopping_) return;
      // Coalesce: whatever arrives before min_sync_period has passed goes into the same sync.
      auto earliest = last_sync + options_.min_sync_period;
      if (std::chrono::steady_clock::now() < earliest) {
        cv_.wait_until(lock, earliest, [&] { return stopping_; });
        if (stopping_) return;
      }
      pending_ = false;
    }
    // Until both Services and endpoints were listed once, a sync would remove rules that are still wanted.
    if (!tracker_.synced()) {
      last_sync = std::chrono::steady_clock::now();
      continue;
    }
    // O(changed Services) on both sides: the snapshot shares the tracker's per-Service ports, and the proxier
    // reads only the changed entries unless it must plan everything. The snapshot is dropped at the end of
    // the iteration, so the tracker can update its map in place next time.
    proxy::ServiceSnapshot snapshot = tracker_.Snapshot();
    std::lock_guard proxier_lock(proxier_mu_);
    const auto started = std::chrono::steady_clock::now();
    Status s = proxier_.Sync(snapshot.ports.by_service(), snapshot.changed);
    last_sync = std::chrono::steady_clock::now();
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(last_sync - started).count();
    if (!s.ok()) {
      log->error("sync of {} service ports failed (the previous ruleset stays; full resync next): {}",
                 snapshot.ports.size(), s.message());
      Trigger();
      continue;
    }
    const auto& stats = proxier_.last_stats();
    if (stats.element_ops + stats.other_ops > 0 || stats.full_resync) {
      log->info("synced {} service ports in {} us ({} element ops, {} other ops{})", snapshot.ports.size(), took,
                stats.element_ops, stats.other_ops, stats.full_resync ? ", full resync" : "");
    }
  }
}

}  // namespace kubenode::agent
