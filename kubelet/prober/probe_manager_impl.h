// ProbeManager as upstream's prober_manager.go: one Worker (and one thread) per (pod, container, probe type),
// three ResultsCaches (liveness, readiness, startup) read by Get.
// Threads: each worker thread sleeps on a condition variable between rounds. SyncPod, RemovePod and the
// destructor stop workers without holding the manager's lock, so worker callbacks cannot deadlock them;
// stopping a worker waits for a probe in flight (at most its timeoutSeconds).
// The result-change callback runs on a worker thread: it may call Get, but must not call SyncPod or
// RemovePod itself (they may have to join that very thread) -- hand the pod UID to another thread instead.
// SyncPod sets initial results before it returns (no callback for those), so Get is right for a new
// container at once; a container the manager has never been told about reads as kSuccess.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "base/clock.h"
#include "cri/runtime_service.h"
#include "kubelet/event_recorder.h"
#include "kubelet/prober/probe_manager.h"
#include "kubelet/prober/prober.h"
#include "kubelet/prober/results_cache.h"
#include "kubelet/prober/worker.h"

namespace kubenode::kubelet {

struct ProbeManagerOptions {
  // The length of one second of periodSeconds and initialDelaySeconds. Tests shorten it.
  std::chrono::nanoseconds second = std::chrono::seconds(1);
};

class ProbeManagerImpl : public ProbeManager {
 public:
  // The daemon's constructor: exec probes run through `runtime`, events go to `recorder`.
  ProbeManagerImpl(cri::RuntimeService& runtime, EventRecorder& recorder, const Clock& clock,
                   ProbeManagerOptions options = {});
  // With another Prober (tests).
  ProbeManagerImpl(std::unique_ptr<prober::Prober> prober, const Clock& clock, ProbeManagerOptions options = {});
  ~ProbeManagerImpl() override;

  void SyncPod(const api::Pod& pod, const std::string& pod_ip,
               const std::map<std::string, std::string>& running) override;
  void RemovePod(const std::string& pod_uid) override;
  ProbeResult Get(ProbeType type, const std::string& container_id) const override;
  void SetOnResultChange(std::function<void(const std::string& pod_uid)> callback) override;

  size_t WorkerCount() const;

 private:
  using WorkerKey = std::tuple<std::string, ProbeType>;  // container name, probe type
  using PodWorkers = std::map<WorkerKey, std::unique_ptr<prober::Worker>>;

  prober::ResultsCache& Cache(ProbeType type);
  const prober::ResultsCache& Cache(ProbeType type) const;
  void OnResultChange(const std::string& pod_uid, const std::string& container_name, ProbeType type);

  std::unique_ptr<prober::Prober> prober_;
  const Clock& clock_;
  const ProbeManagerOptions options_;
  prober::ResultsCache liveness_;
  prober::ResultsCache readiness_;
  prober::ResultsCache startup_;

  mutable std::mutex mu_;
  std::map<std::string, PodWorkers> pods_;  // by pod UID

  std::mutex callback_mu_;
  std::condition_variable callback_idle_;
  int callbacks_running_ = 0;
  std::function<void(const std::string&)> callback_;
};

}  // namespace kubenode::kubelet
