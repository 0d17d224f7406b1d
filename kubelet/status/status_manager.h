// Holds the latest api::PodStatus of every pod (upstream status.Manager without an API server): the pod
// workers set statuses, the CLI reads snapshots, and listeners (the proxy's endpoint builder) get the
// full list of (Pod, PodStatus) whenever any pod's status, IPs or readiness changed, or a pod left.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "api/pod_status.h"

namespace kubenode::kubelet {

struct PodWithStatus {
  api::Pod pod;
  api::PodStatus status;
  bool terminating = false;  // being killed (its manifest was removed); kubectl shows Terminating
};

class StatusManager {
 public:
  using Listener = std::function<void(const std::vector<PodWithStatus>& pods)>;

  void AddListener(Listener listener);
  // Stores the status; notifies listeners if anything changed.
  void SetStatus(const api::Pod& pod, const api::PodStatus& status, bool terminating = false);
  void Remove(const std::string& pod_uid);
  std::optional<PodWithStatus> Get(const std::string& pod_uid) const;
  std::vector<PodWithStatus> List() const;

 private:
  void Notify();

  mutable std::mutex mu_;
  std::map<std::string, PodWithStatus> pods_;
  std::mutex listeners_mu_;  // serializes notifications so that listeners see snapshots in order
  std::vector<Listener> listeners_;
};

}  // namespace kubenode::kubelet
