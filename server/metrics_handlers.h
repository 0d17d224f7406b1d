// The kubelet server's metrics and stats routes: /metrics (the process's Prometheus registry),
// /metrics/resource (upstream's resource metrics collector, what metrics-server scrapes) and
// /stats/summary (statsapi.Summary JSON).
#pragma once

#include <memory>
#include <string>

#include "base/metrics.h"
#include "server/http.h"
#include "server/stats_summary.h"

namespace kubenode::server {

struct MetricsDeps {
  metrics::Registry* registry = nullptr;  // null: metrics::DefaultRegistry()
  StatsProvider* stats = nullptr;         // required for /metrics/resource and /stats/summary
};

void AddMetricsRoutes(Router& router, MetricsDeps deps);
// /metrics/resource and /stats/summary only, from `stats` (kept alive by the routes).
void AddStatsRoutes(Router& router, std::shared_ptr<StatsProvider> stats);

// The daemon's form: the default registry, and stats from `runtime` (CRI) and the host (root cgroup, /proc,
// the filesystem of `root_dir`), kept alive by the routes.
void AddMetricsRoutes(Router& router, cri::RuntimeService& runtime, const std::string& node_name,
                      const std::string& root_dir);

// The /metrics/resource text for a summary (or for a failed one: scrape_error 1 alone), as upstream's
// resourceMetricsCollector gathered by client_golang: families by name, samples by label values,
// cumulative/gauge values with the sample's time in milliseconds.
std::string ResourceMetricsText(const Result<Summary>& summary);

}  // namespace kubenode::server
