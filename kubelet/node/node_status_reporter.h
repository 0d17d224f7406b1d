// Registers this node with the API server and keeps its status and Lease current, as upstream's
// kubelet_node_status.go and nodelease: register once (POST; AlreadyExists → reconcile the kubelet-owned
// labels), status every nodeStatusUpdateFrequency but PATCHed only when it changed or
// nodeStatusReportFrequency passed, and the Lease kube-node-lease/<node> renewed every 10 s
// (leaseDurationSeconds 40) with an owner reference to the Node.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "apiclient/client.h"
#include "base/clock.h"
#include "kubelet/node/node_object.h"

namespace kubenode::kubelet {

class NodeStatusReporter {
 public:
  struct Options {
    std::chrono::milliseconds update_frequency = std::chrono::seconds(10);
    std::chrono::milliseconds report_frequency = std::chrono::minutes(5);
    std::chrono::milliseconds lease_renew_interval = std::chrono::seconds(10);
    int32_t lease_duration_seconds = 40;
  };
  // `refresh_facts` is called before each status sync to update what changes (runtime health, version).
  NodeStatusReporter(apiclient::ApiClient& client, const Clock& clock, NodeFacts facts,
                     std::function<void(NodeFacts&)> refresh_facts, Options options);
  NodeStatusReporter(apiclient::ApiClient& client, const Clock& clock, NodeFacts facts,
                     std::function<void(NodeFacts&)> refresh_facts)
      : NodeStatusReporter(client, clock, std::move(facts), std::move(refresh_facts), Options{}) {}
  ~NodeStatusReporter();

  // One step each; the loop calls them, tests call them directly.
  Status Register();
  Status SyncStatus();  // PATCH nodes/<name>/status when changed or due
  Status RenewLease();

  // Called (from SyncStatus) when a reported Ready condition's status differs from the one before, as
  // upstream's NodeReady/NodeNotReady events. Set before Start().
  void SetReadyObserver(std::function<void(bool ready)> observer) { ready_observer_ = std::move(observer); }

  void Start();  // registers (retrying), then loops
  void Stop();
  bool Registered() const { return registered_.load(); }
  // The Node's UID once registered (owner of the Lease and of mirror pods).
  std::string NodeUid() const {
    std::lock_guard<std::mutex> lock(mu_);
    return node_uid_;
  }

 private:
  void Loop();

  apiclient::ApiClient& client_;
  const Clock& clock_;
  NodeFacts facts_;
  const std::function<void(NodeFacts&)> refresh_facts_;
  const Options options_;
  std::function<void(bool)> ready_observer_;
  std::atomic<bool> registered_{false};
  mutable std::mutex mu_;
  std::string node_uid_;  // guarded by mu_
  nlohmann::json last_status_;  // as last reported
  std::chrono::steady_clock::time_point last_report_{};
  nlohmann::json lease_;  // as last written (resourceVersion for optimistic concurrency)
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kubenode::kubelet
