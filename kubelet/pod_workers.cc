#include "kubelet/pod_workers.h"

#include <exception>

#include "base/log.h"

namespace kubenode::kubelet {

PodWorkers::PodWorkers(SyncFn sync, int threads) : sync_(std::move(sync)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

PodWorkers::~PodWorkers() { Stop(); }

void PodWorkers::Enqueue(const std::string& uid) {
  std::lock_guard lock(mu_);
  if (queued_.insert(uid).second) queue_.push_back(uid);
  cv_.notify_all();
}

bool PodWorkers::Next(std::string& uid) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (running_.contains(*it)) continue;
    uid = *it;
    queue_.erase(it);
    queued_.erase(uid);
    running_.insert(uid);
    return true;
  }
  return false;
}

void PodWorkers::Done(const std::string& uid) {
  std::lock_guard lock(mu_);
  running_.erase(uid);
  cv_.notify_all();
}

namespace {

void SafeSync(const PodWorkers::SyncFn& fn, const std::string& uid) {
  // A sync must never take the worker thread down; an exception here is a bug, so it is logged loudly.
  try {
    fn(uid);
  } catch (const std::exception& e) {
    Logger("kubelet")->critical("sync of pod {} threw: {}", uid, e.what());
  }
}

}  // namespace

void PodWorkers::Loop() {
  for (;;) {
    std::string uid;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || Next(uid); });
      if (stopping_ && uid.empty()) return;
    }
    SafeSync(sync_, uid);
    Done(uid);
  }
}

void PodWorkers::RunPending() {
  for (;;) {
    std::string uid;
    {
      std::lock_guard lock(mu_);
      if (!Next(uid)) return;
    }
    SafeSync(sync_, uid);
    Done(uid);
  }
}

void PodWorkers::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || (queue_.empty() && running_.empty()); });
}

void PodWorkers::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace kubenode::kubelet
