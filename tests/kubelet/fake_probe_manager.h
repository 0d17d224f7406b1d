// A ProbeManager whose results the test sets; records what the kubelet told it.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "kubelet/prober/probe_manager.h"

namespace kubenode::kubelet::testing {

class FakeProbeManager : public ProbeManager {
 public:
  void SyncPod(const api::Pod& pod, const std::string& pod_ip, const std::map<std::string, std::string>& running) override {
    std::lock_guard lock(mu_);
    running_[pod.metadata.uid] = running;
  }
  void RemovePod(const std::string& pod_uid) override {
    std::lock_guard lock(mu_);
    running_.erase(pod_uid);
    removed_[pod_uid] = true;
  }
  ProbeResult Get(ProbeType type, const std::string& container_id) const override {
    std::lock_guard lock(mu_);
    auto it = results_.find({type, container_id});
    return it == results_.end() ? ProbeResult::kSuccess : it->second;
  }
  void SetOnResultChange(std::function<void(const std::string&)> callback) override { on_change_ = std::move(callback); }

  void Set(ProbeType type, const std::string& container_id, ProbeResult result, const std::string& pod_uid) {
    {
      std::lock_guard lock(mu_);
      results_[{type, container_id}] = result;
    }
    if (on_change_) on_change_(pod_uid);
  }
  bool Removed(const std::string& uid) const {
    std::lock_guard lock(mu_);
    return removed_.contains(uid);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<ProbeType, std::string>, ProbeResult> results_;
  std::map<std::string, std::map<std::string, std::string>> running_;
  std::map<std::string, bool> removed_;
  std::function<void(const std::string&)> on_change_;
};

}  // namespace kubenode::kubelet::testing
