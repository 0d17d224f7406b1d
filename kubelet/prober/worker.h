// One probe of one container, run every periodSeconds on its own thread (upstream worker.go).
//  - Results start at liveness Success, readiness Failure, startup Unknown for each new container ID.
//  - No probe before initialDelaySeconds have passed since the worker first saw the container running.
//  - Liveness and readiness wait until the startup probe (if any) has succeeded; startup stops then.
//  - A result is stored after successThreshold / failureThreshold equal results in a row.
//  - After a liveness or startup Failure is stored, the worker holds (Failure stays) until the container
//    ID changes: the kubelet restarts the container.
//  - A container that stops running gets Failure, as upstream.
// Timing: periodSeconds and initialDelaySeconds are multiplied by `second` (1s in the daemon; tests shrink
// it); initialDelaySeconds is measured on the injected Clock. timeoutSeconds is never scaled.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "api/pod.h"
#include "base/clock.h"
#include "kubelet/prober/prober.h"
#include "kubelet/prober/results_cache.h"

namespace kubenode::kubelet::prober {

struct WorkerEnv {
  Prober& prober;
  ResultsCache& results;        // results of this worker's probe type
  const ResultsCache& startup;  // startup results: liveness and readiness wait for Success there
  const Clock& clock;
  std::chrono::nanoseconds second = std::chrono::seconds(1);
  std::function<void()> on_change;  // called on the worker thread, no lock held, after a result changed
};

class Worker {
 public:
  // `container` must have a probe of `type`.
  Worker(ProbeType type, api::Pod pod, api::Container container, WorkerEnv env);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Which container runs now ("" for none) and the pod IP. A new ID replaces the old ID's result with the
  // initial one and resets the worker. Does not call on_change: the caller is syncing the pod already.
  void Update(const std::string& container_id, const std::string& pod_ip);

  // One round of probing (upstream doProbe). Tests call it directly instead of Start().
  void DoProbe();

  void Start();    // starts the thread: a round now, then one per period or when triggered
  void Trigger();  // a round soon, without waiting for the period
  void Stop();     // joins the thread (waiting for a running probe) and removes the result; idempotent

  ProbeType type() const { return type_; }
  const api::Probe& spec() const { return spec_; }

 private:
  void Run();
  ProbeResult InitialResult() const;

  const ProbeType type_;
  const api::Pod pod_;
  const api::Container container_;
  const api::Probe spec_;
  WorkerEnv env_;

  std::mutex mu_;  // guards the probing state below
  std::string container_id_;  // the last container seen; kept after it stops running
  std::string pod_ip_;
  bool running_ = false;
  bool on_hold_ = false;
  uint64_t generation_ = 0;  // bumped when the container or its state changes; stale probe results are dropped
  std::chrono::steady_clock::time_point started_at_;
  ProbeResult last_result_ = ProbeResult::kUnknown;
  int result_run_ = 0;

  std::mutex loop_mu_;  // guards the thread's wake-up flags
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  bool triggered_ = false;
  std::thread thread_;
};

}  // namespace kubenode::kubelet::prober
