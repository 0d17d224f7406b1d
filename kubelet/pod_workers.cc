#include "kubelet/pod_workers.h"

#include <exception>
#include <system_error>

#include "base/log.h"

namespace kubenode::kubelet {

namespace {

void SafeSync(const PodWorkers::SyncFn& fn, const std::string& uid) {
  // A sync must never take its runner (or RunPending's caller) down; an exception here is a bug, so it
  // is logged loudly and the pod is left to its next request.
  try {
    fn(uid);
  } catch (const std::exception& e) {
    Logger("kubelet")->critical("sync of pod {} threw: {}", uid, e.what());
  } catch (...) {
    Logger("kubelet")->critical("sync of pod {} threw a non-standard exception", uid);
  }
}

}  // namespace

PodWorkers::PodWorkers(SyncFn sync, int max_concurrent)
    : sync_(std::move(sync)), max_concurrent_(max_concurrent < 0 ? 0 : max_concurrent) {}

PodWorkers::~PodWorkers() { Stop(); }

void PodWorkers::Enqueue(const std::string& uid) {
  std::vector<std::thread> exited;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (!pending_.insert(uid).second) return;  // already requested: coalesced
    // A pod that is syncing keeps its runner: it re-runs once after the current sync (see Run).
    if (!running_.contains(uid)) ready_.push_back(uid);
    StartRunnersLocked();
    exited = TakeExitedLocked();
  }
  for (auto& t : exited) t.join();
}

bool PodWorkers::TakeReadyLocked(std::string& uid) {
  if (ready_.empty()) return false;
  uid = std::move(ready_.front());
  ready_.pop_front();
  pending_.erase(uid);
  running_.insert(uid);
  return true;
}

void PodWorkers::StartRunnersLocked() {
  while (max_concurrent_ > 0 && runners_ < max_concurrent_ && !ready_.empty()) {
    std::string uid;
    TakeReadyLocked(uid);
    const uint64_t id = next_runner_++;
    try {
      threads_.emplace(id, std::thread([this, id, uid] { Run(id, uid); }));
    } catch (const std::system_error& e) {
      // Out of threads: the pod waits in the queue for a runner that finishes, or the next Enqueue.
      Logger("kubelet")->error("starting a pod worker for {}: {}", uid, e.what());
      running_.erase(uid);
      pending_.insert(uid);
      ready_.push_front(uid);
      return;
    }
    ++runners_;
  }
}

std::vector<std::thread> PodWorkers::TakeExitedLocked() {
  std::vector<std::thread> out;
  for (const auto id : exited_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    out.push_back(std::move(it->second));
    threads_.erase(it);
  }
  exited_.clear();
  return out;
}

void PodWorkers::Run(uint64_t runner, std::string uid) {
  for (;;) {
    SafeSync(sync_, uid);
    std::lock_guard lock(mu_);
    running_.erase(uid);
    cv_.notify_all();
    if (!stopping_) {
      if (pending_.erase(uid) > 0) {  // requested again during the sync: once more, in this runner
        running_.insert(uid);
        continue;
      }
      if (TakeReadyLocked(uid)) continue;  // a pod queued behind the cap
    }
    --runners_;
    exited_.push_back(runner);
    return;
  }
}

void PodWorkers::RunPending() {
  for (;;) {
    std::string uid;
    {
      std::lock_guard lock(mu_);
      if (stopping_ || !TakeReadyLocked(uid)) return;
    }
    SafeSync(sync_, uid);
    std::lock_guard lock(mu_);
    running_.erase(uid);
    // Requested again during its sync: it was not queued then (it was running), so queue it now.
    if (pending_.contains(uid)) ready_.push_back(uid);
    cv_.notify_all();
  }
}

void PodWorkers::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || (pending_.empty() && running_.empty()); });
}

void PodWorkers::Stop() {
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    ready_.clear();
    pending_.clear();
    cv_.notify_all();
    // Running syncs cannot be interrupted; each runner exits after its current one.
    cv_.wait(lock, [&] { return runners_ == 0; });
    for (auto& [id, t] : threads_) threads.push_back(std::move(t));
    threads_.clear();
    exited_.clear();
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

bool PodWorkers::Stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

int PodWorkers::ActiveRunners() const {
  std::lock_guard lock(mu_);
  return runners_;
}

}  // namespace kubenode::kubelet
