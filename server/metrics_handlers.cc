#include "server/metrics_handlers.h"

#include <algorithm>
#include <map>
#include <memory>

#include "base/log.h"

namespace kubenode::server {
namespace {

constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;
};

struct ResourceFamily {
  metrics::Opts opts;
  const char* type;
  std::vector<Sample> samples;
};

int64_t Ms(int64_t ns) { return ns / 1000000; }

Labels ContainerLabels(const PodSummary& p, const ContainerSummary& c) {
  // Sorted by label name, as client_golang writes them.
  return {{"container", c.name}, {"namespace", p.ns}, {"pod", p.name}};
}

Labels PodLabels(const PodSummary& p) { return {{"namespace", p.ns}, {"pod", p.name}}; }

}  // namespace

std::string ResourceMetricsText(const Result<Summary>& summary) {
  using metrics::Stability;
  // Names, HELP and stability as upstream's pkg/kubelet/metrics/collectors/resource_metrics.go (v1.28).
  std::map<std::string, ResourceFamily> families;
  auto family = [&](const char* name, const char* help, Stability stability, const char* type) -> ResourceFamily& {
    auto& f = families[name];
    if (f.opts.name.empty()) f = ResourceFamily{{name, help, stability}, type, {}};
    return f;
  };
  auto& node_cpu = family("node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds",
                          Stability::kStable, "counter");
  auto& node_mem = family("node_memory_working_set_bytes", "Current working set of the node in bytes",
                          Stability::kStable, "gauge");
  auto& c_cpu = family("container_cpu_usage_seconds_total",
                       "Cumulative cpu time consumed by the container in core-seconds", Stability::kStable, "counter");
  auto& c_mem = family("container_memory_working_set_bytes", "Current working set of the container in bytes",
                       Stability::kStable, "gauge");
  auto& c_start = family("container_start_time_seconds", "Start time of the container since unix epoch in seconds",
                         Stability::kStable, "gauge");
  auto& p_cpu = family("pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds",
                       Stability::kStable, "counter");
  auto& p_mem = family("pod_memory_working_set_bytes", "Current working set of the pod in bytes", Stability::kStable,
                       "gauge");
  auto& scrape = family("scrape_error", "1 if there was an error while getting container metrics, 0 otherwise",
                        Stability::kAlpha, "gauge");
  scrape.samples.push_back({{}, summary.ok() ? 0.0 : 1.0, std::nullopt});
  if (summary.ok()) {
    const Summary& s = *summary;
    if (s.node.cpu && s.node.cpu->usage_core_nano_seconds) {
      node_cpu.samples.push_back({{}, *s.node.cpu->usage_core_nano_seconds / 1e9, Ms(s.node.cpu->time_ns)});
    }
    if (s.node.memory && s.node.memory->working_set_bytes) {
      node_mem.samples.push_back(
          {{}, static_cast<double>(*s.node.memory->working_set_bytes), Ms(s.node.memory->time_ns)});
    }
    for (const auto& p : s.pods) {
      for (const auto& c : p.containers) {
        if (c.start_time_ns / 1000000000 > 0) {
          c_start.samples.push_back({ContainerLabels(p, c), c.start_time_ns / 1e9, std::nullopt});
        }
        if (c.cpu && c.cpu->usage_core_nano_seconds) {
          c_cpu.samples.push_back({ContainerLabels(p, c), *c.cpu->usage_core_nano_seconds / 1e9, Ms(c.cpu->time_ns)});
        }
        if (c.memory && c.memory->working_set_bytes) {
          c_mem.samples.push_back(
              {ContainerLabels(p, c), static_cast<double>(*c.memory->working_set_bytes), Ms(c.memory->time_ns)});
        }
      }
      if (p.cpu && p.cpu->usage_core_nano_seconds) {
        p_cpu.samples.push_back({PodLabels(p), *p.cpu->usage_core_nano_seconds / 1e9, Ms(p.cpu->time_ns)});
      }
      if (p.memory && p.memory->working_set_bytes) {
        p_mem.samples.push_back({PodLabels(p), static_cast<double>(*p.memory->working_set_bytes), Ms(p.memory->time_ns)});
      }
    }
  }
  std::string out;
  for (auto& [name, f] : families) {
    if (f.samples.empty()) continue;  // Gather leaves out a family nothing was collected for
    std::stable_sort(f.samples.begin(), f.samples.end(),
                     [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
    metrics::WriteHeader(&out, f.opts, f.type);
    for (const auto& sample : f.samples) metrics::WriteSample(&out, name, sample.labels, sample.value, sample.timestamp_ms);
  }
  return out;
}

void AddMetricsRoutes(Router& router, MetricsDeps deps) {
  metrics::Registry* registry = deps.registry ? deps.registry : &metrics::DefaultRegistry();
  router.Add("GET", "/metrics", [registry](Exchange& ex) {
    Response r = Response::Text(200, registry->Expose());
    r.content_type = kPrometheusContentType;
    ex.Respond(std::move(r));
  });
  AddStatsRoutes(router, std::shared_ptr<StatsProvider>(deps.stats, [](StatsProvider*) {}));
}

void AddMetricsRoutes(Router& router, cri::RuntimeService& runtime, const std::string& node_name,
                      const std::string& root_dir) {
  AddMetricsRoutes(router, MetricsDeps{});
  struct Owned : StatsProvider {
    Owned(cri::RuntimeService& runtime, const std::string& node_name, const std::string& root_dir)
        : host("/", root_dir), provider(runtime, host, node_name) {}
    Result<Summary> GetSummary() override { return provider.GetSummary(); }
    HostNodeStatsSource host;
    CriStatsProvider provider;
  };
  AddStatsRoutes(router, std::make_shared<Owned>(runtime, node_name, root_dir));
}

void AddStatsRoutes(Router& router, std::shared_ptr<StatsProvider> stats) {
  if (stats == nullptr) return;
  router.Add("GET", "/metrics/resource", [stats](Exchange& ex) {
    auto summary = stats->GetSummary();
    if (!summary.ok()) Logger("server")->error("/metrics/resource: {}", summary.status().message());
    Response r = Response::Text(200, ResourceMetricsText(summary));
    r.content_type = kPrometheusContentType;
    ex.Respond(std::move(r));
  });
  router.Add("GET", "/stats/summary", [stats](Exchange& ex) {
    auto summary = stats->GetSummary();
    if (!summary.ok()) {
      ex.Respond(Response::Text(500, "Internal Error: failed to get node info: " + summary.status().message()));
      return;
    }
    // ?only_cpu_and_memory=true: what the resource metrics read, without network and filesystems.
    if (ex.request().Query("only_cpu_and_memory") == "true") {
      summary->node.network.reset();
      summary->node.fs.reset();
      for (auto& p : summary->pods) {
        p.network.reset();
        for (auto& c : p.containers) c.rootfs.reset();
      }
    }
    ex.Respond(Response::Json(200, SummaryJson(*summary)));
  });
}

}  // namespace kubenode::server
