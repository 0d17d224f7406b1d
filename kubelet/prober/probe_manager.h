// Liveness, readiness and startup probes, one worker per (container, probe) as upstream's prober package.
// The pod worker tells the manager which containers run; the manager reports results and pokes the pod
// worker when a result changes, so that liveness failures restart containers and readiness drives Ready.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "api/pod.h"

namespace kubenode::kubelet {

enum class ProbeType { kLiveness, kReadiness, kStartup };
enum class ProbeResult { kUnknown, kSuccess, kFailure };

class ProbeManager {
 public:
  virtual ~ProbeManager() = default;

  // Called after every sync of a pod. `running` maps container name → ID of its running container.
  // Workers start for running containers that have probes; a new container ID restarts its workers
  // from their initial state (as upstream: liveness Success, readiness Failure, startup Unknown).
  virtual void SyncPod(const api::Pod& pod, const std::string& pod_ip,
                       const std::map<std::string, std::string>& running) = 0;
  // Stops every worker of the pod.
  virtual void RemovePod(const std::string& pod_uid) = 0;
  // The current result for a container's probe. A container without that probe: kSuccess.
  virtual ProbeResult Get(ProbeType type, const std::string& container_id) const = 0;
  // Called (from a worker thread) with the pod UID whenever a result changes. Replacing it (or clearing it
  // with nullptr) returns once no call of the previous callback is running any more, so its owner may then
  // be destroyed; do not call it from inside the callback.
  virtual void SetOnResultChange(std::function<void(const std::string& pod_uid)> callback) = 0;
};

}  // namespace kubenode::kubelet
