// The kubelet's own Prometheus metrics, with upstream's names, HELP, labels and buckets
// (pkg/kubelet/metrics, v1.28): PLEG relist duration and interval, running pods and containers (set from
// each relist, as upstream's PLEG updates them from its cache), pod start duration (first seen to first
// Running status), the node name.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "base/metrics.h"
#include "kubelet/runtime/pod_runtime_state.h"

namespace kubenode::kubelet {

class KubeletMetrics {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  explicit KubeletMetrics(metrics::Registry& registry = metrics::DefaultRegistry());

  void SetNodeName(const std::string& node_name);
  // A relist that started at `start` and took `took`; the interval is measured from the previous start.
  void ObserveRelist(SteadyTime start, std::chrono::steady_clock::duration took);
  // Pods with a ready sandbox; containers per state ("created", "running", "exited", "unknown").
  void SetRuntimeState(const std::map<std::string, PodRuntimeState>& pods);
  // The kubelet saw pod `uid` for the first time at `now` (later calls for the same pod are ignored).
  void PodSeen(const std::string& uid, SteadyTime now);
  // A status was computed for `uid`: the first Running one observes the pod start duration.
  void PodStatus(const std::string& uid, bool running, SteadyTime now);
  void PodRemoved(const std::string& uid);

 private:
  metrics::HistogramVec& relist_duration_;
  metrics::HistogramVec& relist_interval_;
  metrics::GaugeVec& running_pods_;
  metrics::GaugeVec& running_containers_;
  metrics::HistogramVec& pod_start_duration_;
  metrics::GaugeVec& node_name_;

  std::mutex mu_;
  std::optional<SteadyTime> last_relist_start_;
  std::map<std::string, SteadyTime> first_seen_;  // pods not yet seen Running
  std::set<std::string> started_;                 // pods whose start was observed
};

}  // namespace kubenode::kubelet
