// Pod workers: syncs of one pod are serialized, different pods sync in parallel (upstream pod_workers.go
// runs a goroutine per pod; here a small thread pool that never runs two syncs of one UID at once).
// A request for a pod that is syncing is remembered and runs once after the current sync (coalesced).
// With zero threads nothing runs by itself: RunPending() runs the queue inline (deterministic tests).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kubenode::kubelet {

class PodWorkers {
 public:
  using SyncFn = std::function<void(const std::string& pod_uid)>;
  PodWorkers(SyncFn sync, int threads);
  ~PodWorkers();

  void Enqueue(const std::string& pod_uid);
  // Runs queued syncs in the calling thread until the queue is empty (zero-thread mode).
  void RunPending();
  // Blocks until nothing is queued or running.
  void WaitIdle();
  void Stop();

 private:
  void Loop();
  bool Next(std::string& uid);  // takes a runnable UID (not already running); requires mu_
  void Done(const std::string& uid);

  SyncFn sync_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::set<std::string> running_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kubenode::kubelet
