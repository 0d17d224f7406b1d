#include "agent/proxy_metrics.h"

namespace kubenode::agent {
namespace {

// Upstream's buckets for network_programming_duration_seconds: merge() starts from a zero bucket.
std::vector<double> NetworkProgrammingBuckets() {
  std::vector<double> out = {0};
  for (const auto& part : {metrics::LinearBuckets(0.25, 0.25, 2), metrics::LinearBuckets(1, 1, 59),
                           metrics::LinearBuckets(60, 5, 12), metrics::LinearBuckets(120, 30, 7)}) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace

ProxyMetrics::ProxyMetrics(metrics::Registry& registry)
    : sync_duration_(registry.NewHistogram(
          {"kubeproxy_sync_proxy_rules_duration_seconds", "SyncProxyRules latency in seconds"},
          metrics::ExponentialBuckets(0.001, 2, 15))),
      last_sync_(registry.NewGauge(
          {"kubeproxy_sync_proxy_rules_last_timestamp_seconds", "The last time proxy rules were successfully synced"})),
      // Observed from the endpoints' EndpointsLastChangeTriggerTime annotation, which the endpoint slices
      // kubenode reads do not carry yet: exposed (at zero) so that dashboards find it.
      network_programming_(registry.NewHistogram(
          {"kubeproxy_network_programming_duration_seconds", "In Cluster Network Programming Latency in seconds"},
          NetworkProgrammingBuckets())),
      service_changes_(registry.NewCounter(
          {"kubeproxy_sync_proxy_rules_service_changes_total", "Cumulative proxy rules Service changes"})),
      endpoint_changes_(registry.NewCounter(
          {"kubeproxy_sync_proxy_rules_endpoint_changes_total", "Cumulative proxy rules Endpoint changes"})) {}

void ProxyMetrics::ObserveSync(std::chrono::steady_clock::duration took, bool ok, size_t changed_services) {
  sync_duration_.Get().Observe(std::chrono::duration<double>(took).count());
  service_changes_.Get().Inc(static_cast<double>(changed_services));
  if (!ok) return;
  last_sync_.Get().Set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace kubenode::agent
