// Pod workers (upstream pod_workers.go: a goroutine per pod). Every pod with work gets its own runner
// thread, started on demand and ended when the pod has no more work, so one pod waiting out a grace
// period, an image pull or a preStop hook never holds back another pod. At most `max_concurrent` pods
// (kMaxConcurrentPods in the daemon: 256) sync at once; further pods queue in request order and run as
// soon as a runner finishes. Syncs of one UID never overlap: a request for a pod that is syncing is
// remembered and runs once after the current sync, however many requests came (coalesced).
// With max_concurrent = 0 nothing runs by itself: RunPending() runs the queue inline (deterministic tests).
// A sync that throws (anything) is logged and does not take its runner down.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kubenode::kubelet {

class PodWorkers {
 public:
  // Enough for every pod a node runs (upstream maxPods is 110) with room to spare; a bound all the same,
  // so that a flood of pods cannot exhaust the process's threads.
  static constexpr int kMaxConcurrentPods = 256;

  using SyncFn = std::function<void(const std::string& pod_uid)>;
  PodWorkers(SyncFn sync, int max_concurrent);
  ~PodWorkers();

  void Enqueue(const std::string& pod_uid);
  // Runs queued syncs in the calling thread until the queue is empty (zero-thread mode).
  void RunPending();
  // Blocks until nothing is queued or running.
  void WaitIdle();
  // Drops queued work, waits for the running syncs to return and joins their runners. Enqueue is then a no-op.
  void Stop();

  // Runner threads alive now (for tests: a runner ends when its pod and the queue have no more work).
  int ActiveRunners() const;
  // True once Stop() began: requests are dropped from then on.
  bool Stopping() const;

 private:
  void Run(uint64_t runner, std::string uid);
  void StartRunnersLocked();
  bool TakeReadyLocked(std::string& uid);
  std::vector<std::thread> TakeExitedLocked();

  SyncFn sync_;
  const int max_concurrent_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // a sync finished or a runner exited
  std::deque<std::string> ready_;  // requested, not running, waiting for a runner (or RunPending)
  std::set<std::string> pending_;  // requested and not started yet (in ready_, or behind its running sync)
  std::set<std::string> running_;
  bool stopping_ = false;
  int runners_ = 0;
  uint64_t next_runner_ = 0;
  std::map<uint64_t, std::thread> threads_;
  std::vector<uint64_t> exited_;  // runners that returned and wait to be joined
};

}  // namespace kubenode::kubelet
