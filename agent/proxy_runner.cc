#include "agent/proxy_runner.h"

#include <algorithm>

#include "agent/proxy_metrics.h"
#include "base/log.h"

namespace kubenode::agent {

ProxyRunner::ProxyRunner(proxy::ServiceChangeTracker& tracker, proxy::Proxier& proxier, ProxyRunnerOptions options)
    : tracker_(tracker), proxier_(proxier), options_(options) {}

ProxyRunner::~ProxyRunner() { Stop(); }

void ProxyRunner::Start() {
  {
    std::lock_guard lock(mu_);
    MarkDue();  // the first sync is due from the start
  }
  thread_ = std::thread([this] { Loop(); });
}

void ProxyRunner::MarkDue() {
  if (!due_since_) due_since_ = std::chrono::steady_clock::now();
}

Status ProxyRunner::Health(std::chrono::milliseconds timeout) const {
  std::lock_guard lock(mu_);
  if (!due_since_) return {};
  const auto waited = std::chrono::steady_clock::now() - *due_since_;
  if (waited <= timeout) return {};
  return Status::Error("a sync has been due for " +
                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
                       "s without succeeding (limit " +
                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + "s)");
}

std::optional<std::chrono::system_clock::time_point> ProxyRunner::LastSuccess() const {
  std::lock_guard lock(mu_);
  return last_success_;
}

bool ProxyRunner::WaitFirstSync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_once_ || stopping_; }) && synced_once_;
}

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
    MarkDue();
  }
  cv_.notify_all();
}

void ProxyRunner::WithProxier(const std::function<void(proxy::Proxier&)>& fn) {
  std::lock_guard lock(proxier_mu_);
  fn(proxier_);
}

void ProxyRunner::Loop() {
  using Clock = std::chrono::steady_clock;
  auto last_sync = Clock::now() - options_.min_sync_period;
  auto next_check = Clock::now() + options_.sync_period;
  while (true) {
    bool periodic = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_check, [&] { return stopping_ || pending_; });
      if (stopping_) return;
      periodic = Clock::now() >= next_check;
      if (periodic) MarkDue();
      // Coalesce: whatever arrives before min_sync_period (or the back-off) has passed goes into the same sync.
      auto earliest = last_sync + (failures_ > 0 ? RetryDelay(failures_, options_) : options_.min_sync_period);
      if (Clock::now() < earliest) {
        cv_.wait_until(lock, earliest, [&] { return stopping_; });
        if (stopping_) return;
      }
      pending_ = false;
    }
    if (periodic) next_check = Clock::now() + options_.sync_period;
    // An exception (a bug, or a library throwing) fails this sync like an error: the thread goes on, and the
    // next attempt waits the back-off and is a full resync.
    try {
      SyncOnce(periodic, last_sync);
    } catch (const std::exception& e) {
      SyncThrew(e.what(), last_sync);
    } catch (...) {
      SyncThrew("unknown exception", last_sync);
    }
  }
}

void ProxyRunner::SyncThrew(const std::string& what, std::chrono::steady_clock::time_point& last_sync) {
  last_sync = std::chrono::steady_clock::now();
  ++failures_;
  {
    // The proxier may have stopped halfway, and the snapshot's changes are gone with it: read it all again.
    std::lock_guard proxier_lock(proxier_mu_);
    proxier_.ForceFullResync();
  }
  Logger("proxy")->error("sync threw (the previous ruleset stays; full resync in {} ms): {}",
                         RetryDelay(failures_, options_).count(), what);
  Trigger();
}

void ProxyRunner::SyncOnce(bool periodic, std::chrono::steady_clock::time_point& last_sync) {
  auto log = Logger("proxy");
  using Clock = std::chrono::steady_clock;
  // Until both Services and endpoints were listed once, a sync would remove rules that are still wanted.
  if (!tracker_.synced()) {
    last_sync = Clock::now();
    return;
  }
  // O(changed Services) on both sides: the snapshot shares the tracker's per-Service ports, and the proxier
  // reads only the changed entries unless it must plan everything. The snapshot is dropped at the end of
  // the iteration, so the tracker can update its map in place next time. A Service delivered together with
  // its endpoints (a tracker Batch) is not snapshotted halfway: the batch's end wakes this loop again.
  std::optional<proxy::ServiceSnapshot> snapshot = tracker_.TrySnapshot();
  if (!snapshot) return;
  std::lock_guard proxier_lock(proxier_mu_);
  const auto started = Clock::now();
  Status s = proxier_.Sync(snapshot->ports.by_service(), snapshot->changed);
  const bool full = s.ok() && proxier_.last_stats().full_resync;
  auto stats = proxier_.last_stats();
  if (s.ok() && periodic && !full) {
    s = proxier_.RepairDrift();
    if (s.ok() && proxier_.last_stats().drift_ops > 0) stats = proxier_.last_stats();
  }
  last_sync = Clock::now();
  static ProxyMetrics metrics;  // process-wide, as kube-proxy's registered-once metrics
  metrics.ObserveSync(last_sync - started, s.ok(), snapshot->changed.size());
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(last_sync - started).count();
  if (!s.ok()) {
    ++failures_;
    log->error("sync of {} service ports failed (the previous ruleset stays; full resync in {} ms): {}",
               snapshot->ports.size(), RetryDelay(failures_, options_).count(), s.message());
    Trigger();
    return;
  }
  failures_ = 0;
  {
    std::lock_guard lock(mu_);
    // A change that arrived during this sync is still due; otherwise nothing is.
    due_since_.reset();
    if (pending_) MarkDue();
    synced_once_ = true;
    last_success_ = std::chrono::system_clock::now();
  }
  cv_.notify_all();
  if (stats.element_ops + stats.other_ops > 0 || stats.full_resync) {
    log->info("synced {} service ports in {} us ({} element ops, {} other ops{}{})", snapshot->ports.size(), took,
              stats.element_ops, stats.other_ops, stats.full_resync ? ", full resync" : "",
              stats.drift_ops > 0 ? ", repaired drift" : "");
  }
}

std::chrono::milliseconds RetryDelay(int failures, const ProxyRunnerOptions& options) {
  std::chrono::milliseconds delay{1000};
  for (int i = 1; i < failures && delay < options.max_retry_delay; ++i) delay *= 2;
  return std::max(options.min_sync_period, std::min(delay, options.max_retry_delay));
}

}  // namespace kubenode::agent
