// kube-proxy's Prometheus metrics with upstream's names, HELP and buckets (pkg/proxy/metrics, v1.28), in the
// process-wide registry so that the kubelet server's /metrics shows them beside the kubelet's.
#pragma once

#include <chrono>
#include <cstddef>

#include "base/metrics.h"

namespace kubenode::agent {

class ProxyMetrics {
 public:
  explicit ProxyMetrics(metrics::Registry& registry = metrics::DefaultRegistry());
  // One syncProxyRules round that took `took`; on success the last-sync timestamp is the wall time now.
  // `changed_services` Services (with their endpoints) were part of it.
  void ObserveSync(std::chrono::steady_clock::duration took, bool ok, size_t changed_services);

 private:
  metrics::HistogramVec& sync_duration_;
  metrics::GaugeVec& last_sync_;
  metrics::HistogramVec& network_programming_;
  metrics::CounterVec& service_changes_;
  metrics::CounterVec& endpoint_changes_;
};

}  // namespace kubenode::agent
