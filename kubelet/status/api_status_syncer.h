// Sends the status of API pods to the API server, as upstream's status manager: PATCH
// pods/<name>/status (strategic merge, the pod's UID as precondition) only when the status changed, one
// request in flight per pod, later changes coalesced, conflicts and failures retried. A pod the API asked
// to delete (deletionTimestamp) is DELETEd with gracePeriodSeconds 0 once the kubelet has stopped it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiclient/client.h"
#include "kubelet/node/mirror_pods.h"
#include "kubelet/status/status_manager.h"

namespace kubenode::kubelet {

class ApiStatusSyncer {
 public:
  explicit ApiStatusSyncer(apiclient::ApiClient& client) : client_(client) {}
  ~ApiStatusSyncer();

  // A StatusManager listener: queues what changed.
  void OnStatuses(const std::vector<PodWithStatus>& pods);
  // Where a static pod's status goes: its mirror pod (nullopt: none yet, nothing to send). Before Start().
  void SetMirrorResolver(std::function<std::optional<MirrorPod>(const std::string& ns, const std::string& name)> r) {
    mirror_resolver_ = std::move(r);
  }
  // The API set deletionTimestamp on this pod: DELETE it once it left the kubelet.
  void MarkDeleting(const std::string& uid, const std::string& ns, const std::string& name);

  // Sends everything queued; returns how many requests failed (they stay queued). Tests call it directly.
  int SyncOnce();

  void Start();
  void Stop();

 private:
  struct PodRef {
    std::string ns, name;
    std::string api_uid;  // the object's UID in the API (a mirror pod's differs from its static pod's)
  };
  void Loop();

  apiclient::ApiClient& client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::pair<PodRef, nlohmann::json>> pending_;  // uid -> status to send
  std::map<std::string, std::pair<std::string, nlohmann::json>> sent_;  // uid -> (API uid, status) last accepted
  std::function<std::optional<MirrorPod>(const std::string&, const std::string&)> mirror_resolver_;
  std::map<std::string, PodRef> deleting_;                             // uid -> pod to delete once gone
  std::set<std::string> present_;                                      // uids the kubelet still has
  std::set<std::string> pending_deletes_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kubenode::kubelet
