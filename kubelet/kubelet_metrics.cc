#include "kubelet/kubelet_metrics.h"

namespace kubenode::kubelet {
namespace {

// Upstream's podStartupDurationBuckets.
std::vector<double> PodStartupBuckets() {
  return {0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600};
}

const char* StateLabel(cri::ContainerState s) {
  switch (s) {
    case cri::ContainerState::kCreated: return "created";
    case cri::ContainerState::kRunning: return "running";
    case cri::ContainerState::kExited: return "exited";
    default: return "unknown";
  }
}

double Seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

KubeletMetrics::KubeletMetrics(metrics::Registry& registry)
    : relist_duration_(registry.NewHistogram(
          {"kubelet_pleg_relist_duration_seconds", "Duration in seconds for relisting pods in PLEG."},
          metrics::DefBuckets())),
      relist_interval_(registry.NewHistogram(
          {"kubelet_pleg_relist_interval_seconds", "Interval in seconds between relisting in PLEG."},
          metrics::DefBuckets())),
      running_pods_(registry.NewGauge({"kubelet_running_pods", "Number of pods that have a running pod sandbox"})),
      running_containers_(registry.NewGauge({"kubelet_running_containers", "Number of containers currently running"},
                                            {"container_state"})),
      pod_start_duration_(registry.NewHistogram(
          {"kubelet_pod_start_duration_seconds",
           "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run"},
          PodStartupBuckets())),
      node_name_(registry.NewGauge({"kubelet_node_name", "The node's name. The count is always 1."}, {"node"})) {}

void KubeletMetrics::SetNodeName(const std::string& node_name) { node_name_.WithLabelValues({node_name}).Set(1); }

void KubeletMetrics::ObserveRelist(SteadyTime start, std::chrono::steady_clock::duration took) {
  relist_duration_.Get().Observe(Seconds(took));
  std::lock_guard lock(mu_);
  if (last_relist_start_) relist_interval_.Get().Observe(Seconds(start - *last_relist_start_));
  last_relist_start_ = start;
}

void KubeletMetrics::SetRuntimeState(const std::map<std::string, PodRuntimeState>& pods) {
  int running_pods = 0;
  std::map<std::string, int> per_state = {{"created", 0}, {"running", 0}, {"exited", 0}, {"unknown", 0}};
  for (const auto& [uid, pod] : pods) {
    const auto* sandbox = pod.LatestSandbox();
    if (sandbox && sandbox->state == cri::SandboxState::kReady) ++running_pods;
    for (const auto& c : pod.containers) ++per_state[StateLabel(c.state)];
  }
  running_pods_.Get().Set(running_pods);
  for (const auto& [state, count] : per_state) running_containers_.WithLabelValues({state}).Set(count);
}

void KubeletMetrics::PodSeen(const std::string& uid, SteadyTime now) {
  std::lock_guard lock(mu_);
  if (!started_.contains(uid)) first_seen_.emplace(uid, now);
}

void KubeletMetrics::PodStatus(const std::string& uid, bool running, SteadyTime now) {
  if (!running) return;
  std::lock_guard lock(mu_);
  auto it = first_seen_.find(uid);
  if (it == first_seen_.end()) return;
  pod_start_duration_.Get().Observe(Seconds(now - it->second));
  started_.insert(uid);
  first_seen_.erase(it);
}

void KubeletMetrics::PodRemoved(const std::string& uid) {
  std::lock_guard lock(mu_);
  first_seen_.erase(uid);
  started_.erase(uid);
}

}  // namespace kubenode::kubelet
