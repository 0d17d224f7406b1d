// Pod-level cgroups (upstream cm's podContainerManagerImpl + qosContainerManagerImpl, with cgroupsPerQOS):
//   <cgroupRoot>/kubepods                      node allocatable: cpu shares of all CPUs, memory capacity
//   <cgroupRoot>/kubepods/burstable            cpu shares: the Burstable pods' cpu requests
//   <cgroupRoot>/kubepods/besteffort           cpu shares 2
//   <QoS parent>/pod<uid>                      ResourceConfigForPod (Guaranteed pods sit in kubepods)
// The pod's cgroup is CRI's LinuxPodSandboxConfig.cgroup_parent; the runtime puts the sandbox and the
// containers below it. Thread-safe: pod workers call it for different pods at once.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "api/pod.h"
#include "base/status.h"
#include "kubelet/cm/cgroup_manager.h"
#include "kubelet/cm/qos.h"

namespace kubenode::kubelet::cm {

struct NodeAllocatable {
  int64_t milli_cpu = 0;       // 0: the kubepods cgroup gets no cpu shares
  int64_t memory_bytes = 0;    // 0: no memory limit on kubepods
};

class PodContainerManager {
 public:
  PodContainerManager(CgroupManager& cgroups, const std::string& cgroup_root, NodeAllocatable allocatable);

  CgroupName QOSCgroup(QOSClass qos) const;
  CgroupName PodCgroup(const api::Pod& pod) const;
  // The driver's name of the pod's cgroup: CRI's cgroup_parent.
  std::string CgroupParent(const api::Pod& pod) const;

  // Before the pod's sandbox or containers start: the QoS cgroups exist, the pod's cgroup exists with its
  // settings (applied again when the pod's resources changed: static pods keep their UID across edits).
  Status EnsureExists(const api::Pod& pod);
  // After the pod's containers and sandboxes are removed: its cgroup goes (under whichever QoS parent it
  // is), and the Burstable shares no longer count it. A failure is kept and retried by RetryDestroy().
  Status Destroy(const std::string& uid);
  // Retries the removals that failed (e.g. the runtime still tearing the sandbox down).
  void RetryDestroy();

 private:
  Status EnsureQOSCgroupsLocked();
  Status UpdateBurstableSharesLocked();

  CgroupManager& cgroups_;
  CgroupName kubepods_;
  NodeAllocatable allocatable_;
  std::mutex mu_;
  bool qos_created_ = false;
  std::map<std::string, ResourceConfig> applied_;    // uid → the pod cgroup's settings as last written
  std::map<std::string, int64_t> burstable_cpu_;      // uid → cpu request (milli) of Burstable pods
  std::optional<int64_t> burstable_shares_;           // as last written
  std::set<std::string> pending_destroy_;
};

}  // namespace kubenode::kubelet::cm
