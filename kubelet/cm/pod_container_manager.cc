#include "kubelet/cm/pod_container_manager.h"

#include "base/log.h"

namespace kubenode::kubelet::cm {
namespace {

constexpr char kKubepods[] = "kubepods";  // upstream defaultNodeAllocatableCgroupName

std::string PodCgroupSuffix(const std::string& uid) { return "pod" + uid; }

}  // namespace

PodContainerManager::PodContainerManager(CgroupManager& cgroups, const std::string& cgroup_root,
                                         NodeAllocatable allocatable)
    : cgroups_(cgroups), kubepods_(Child(ParseCgroupfsToCgroupName(cgroup_root), kKubepods)), allocatable_(allocatable) {}

CgroupName PodContainerManager::QOSCgroup(QOSClass qos) const {
  switch (qos) {
    case QOSClass::kGuaranteed: return kubepods_;
    case QOSClass::kBurstable: return Child(kubepods_, "burstable");
    case QOSClass::kBestEffort: break;
  }
  return Child(kubepods_, "besteffort");
}

CgroupName PodContainerManager::PodCgroup(const api::Pod& pod) const {
  return Child(QOSCgroup(GetPodQOS(pod)), PodCgroupSuffix(pod.metadata.uid));
}

std::string PodContainerManager::CgroupParent(const api::Pod& pod) const { return cgroups_.Name(PodCgroup(pod)); }

Status PodContainerManager::EnsureQOSCgroupsLocked() {
  if (qos_created_) return {};
  // Upstream enforces node allocatable on kubepods and creates the QoS cgroups once at start; here they
  // are made with the first pod, so that a node without pods leaves the host's cgroups untouched.
  ResourceConfig root;
  if (allocatable_.milli_cpu > 0) root.cpu_shares = MilliCPUToShares(allocatable_.milli_cpu);
  if (allocatable_.memory_bytes > 0) root.memory = allocatable_.memory_bytes;
  if (auto st = cgroups_.Exists(kubepods_) ? cgroups_.Update(kubepods_, root) : cgroups_.Create(kubepods_, root);
      !st.ok()) {
    return st;
  }
  ResourceConfig besteffort;
  besteffort.cpu_shares = kMinShares;
  const CgroupName be = QOSCgroup(QOSClass::kBestEffort);
  if (auto st = cgroups_.Exists(be) ? cgroups_.Update(be, besteffort) : cgroups_.Create(be, besteffort); !st.ok()) {
    return st;
  }
  const CgroupName bu = QOSCgroup(QOSClass::kBurstable);
  if (!cgroups_.Exists(bu)) {
    if (auto st = cgroups_.Create(bu, {}); !st.ok()) return st;
  }
  qos_created_ = true;
  return {};
}

Status PodContainerManager::UpdateBurstableSharesLocked() {
  // Upstream setCPUCgroupConfig: the Burstable cgroup's shares are the sum of its pods' cpu requests.
  int64_t milli = 0;
  for (const auto& [uid, cpu] : burstable_cpu_) milli += cpu;
  const int64_t shares = MilliCPUToShares(milli);
  if (burstable_shares_ == shares) return {};
  ResourceConfig config;
  config.cpu_shares = shares;
  auto st = cgroups_.Update(QOSCgroup(QOSClass::kBurstable), config);
  if (st.ok()) burstable_shares_ = shares;
  return st;
}

Status PodContainerManager::EnsureExists(const api::Pod& pod) {
  std::lock_guard lock(mu_);
  if (auto st = EnsureQOSCgroupsLocked(); !st.ok()) return st.WithContext("QoS cgroups");
  const std::string& uid = pod.metadata.uid;
  pending_destroy_.erase(uid);
  const QOSClass qos = GetPodQOS(pod);
  if (qos == QOSClass::kBurstable) {
    auto requests = PodRequests(pod);
    burstable_cpu_[uid] = requests.contains("cpu") ? requests["cpu"] : 0;
  } else {
    burstable_cpu_.erase(uid);
  }
  if (auto st = UpdateBurstableSharesLocked(); !st.ok()) {
    Logger("kubelet")->warn("updating the burstable QoS cgroup: {}", st.message());
  }
  const CgroupName name = PodCgroup(pod);
  const ResourceConfig config = ResourceConfigForPod(pod);
  auto applied = applied_.find(uid);
  if (applied != applied_.end() && applied->second == config && cgroups_.Exists(name)) return {};
  Status st = cgroups_.Exists(name) ? cgroups_.Update(name, config) : cgroups_.Create(name, config);
  if (!st.ok()) {
    applied_.erase(uid);
    return st.WithContext("pod cgroup " + cgroups_.Name(name));
  }
  applied_[uid] = config;
  return {};
}

Status PodContainerManager::Destroy(const std::string& uid) {
  std::lock_guard lock(mu_);
  applied_.erase(uid);
  if (burstable_cpu_.erase(uid) > 0) {
    if (auto st = UpdateBurstableSharesLocked(); !st.ok()) {
      Logger("kubelet")->warn("updating the burstable QoS cgroup: {}", st.message());
    }
  }
  Status first;
  for (QOSClass qos : {QOSClass::kGuaranteed, QOSClass::kBurstable, QOSClass::kBestEffort}) {
    const CgroupName name = Child(QOSCgroup(qos), PodCgroupSuffix(uid));
    if (!cgroups_.Exists(name)) continue;
    if (auto st = cgroups_.Destroy(name); !st.ok() && first.ok()) first = st;
  }
  if (first.ok()) {
    pending_destroy_.erase(uid);
  } else {
    pending_destroy_.insert(uid);
  }
  return first;
}

void PodContainerManager::RetryDestroy() {
  std::set<std::string> pending;
  {
    std::lock_guard lock(mu_);
    pending = pending_destroy_;
  }
  for (const auto& uid : pending) {
    if (auto st = Destroy(uid); !st.ok()) Logger("kubelet")->debug("removing the cgroup of pod {}: {}", uid, st.message());
  }
}

}  // namespace kubenode::kubelet::cm
