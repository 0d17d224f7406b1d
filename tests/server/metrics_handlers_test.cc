#include "server/metrics_handlers.h"

#include <gtest/gtest.h>

namespace kubenode::server {
namespace {

struct FakeExchange : Exchange {
  Request req;
  std::optional<Response> response;
  const Request& request() const override { return req; }
  void Respond(Response r) override { response = std::move(r); }
  ResponseStream* StartStream(int, std::string, std::vector<std::pair<std::string, std::string>>) override {
    return nullptr;
  }
  std::unique_ptr<ByteStream> Hijack() override { return nullptr; }
};

class FakeStats : public StatsProvider {
 public:
  Result<Summary> GetSummary() override { return result; }
  Result<Summary> result = Summary{};
};

constexpr int64_t kT = 1'767'225'600'123'456'789;  // ms 1767225600123

Summary OnePod() {
  Summary s;
  s.node.node_name = "n";
  s.node.cpu = CpuStats{kT, std::nullopt, 12'500'000'000};
  s.node.memory = MemoryStats{kT, std::nullopt, std::nullopt, 2'000'000, std::nullopt, std::nullopt, std::nullopt};
  PodSummary p;
  p.name = "web";
  p.ns = "default";
  p.uid = "u";
  ContainerSummary b{"sidecar", 1'767'225'000'500'000'000, CpuStats{kT, std::nullopt, 250'000'000}, std::nullopt, {}};
  ContainerSummary a{"nginx", 1'767'225'000'000'000'000, CpuStats{kT, std::nullopt, 1'000'000'000},
                     MemoryStats{kT, std::nullopt, std::nullopt, 4096, std::nullopt, std::nullopt, std::nullopt}, {}};
  p.containers = {b, a};
  p.cpu = CpuStats{kT, std::nullopt, 1'250'000'000};
  p.memory = MemoryStats{kT, std::nullopt, std::nullopt, 4096, std::nullopt, std::nullopt, std::nullopt};
  s.pods.push_back(p);
  return s;
}

TEST(ResourceMetricsText, UpstreamNamesLabelsHelpOrderAndTimestamps) {
  EXPECT_EQ(ResourceMetricsText(OnePod()),
            "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in "
            "core-seconds\n"
            "# TYPE container_cpu_usage_seconds_total counter\n"
            "container_cpu_usage_seconds_total{container=\"nginx\",namespace=\"default\",pod=\"web\"} 1 "
            "1767225600123\n"
            "container_cpu_usage_seconds_total{container=\"sidecar\",namespace=\"default\",pod=\"web\"} 0.25 "
            "1767225600123\n"
            "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes\n"
            "# TYPE container_memory_working_set_bytes gauge\n"
            "container_memory_working_set_bytes{container=\"nginx\",namespace=\"default\",pod=\"web\"} 4096 "
            "1767225600123\n"
            "# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds\n"
            "# TYPE container_start_time_seconds gauge\n"
            "container_start_time_seconds{container=\"nginx\",namespace=\"default\",pod=\"web\"} 1.767225e+09\n"
            "container_start_time_seconds{container=\"sidecar\",namespace=\"default\",pod=\"web\"} 1.7672250005e+09\n"
            "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds\n"
            "# TYPE node_cpu_usage_seconds_total counter\n"
            "node_cpu_usage_seconds_total 12.5 1767225600123\n"
            "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n"
            "# TYPE node_memory_working_set_bytes gauge\n"
            "node_memory_working_set_bytes 2e+06 1767225600123\n"
            "# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds\n"
            "# TYPE pod_cpu_usage_seconds_total counter\n"
            "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 1.25 1767225600123\n"
            "# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes\n"
            "# TYPE pod_memory_working_set_bytes gauge\n"
            "pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 4096 1767225600123\n"
            "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n"
            "# TYPE scrape_error gauge\n"
            "scrape_error 0\n");
}

TEST(ResourceMetricsText, FailedSummaryIsScrapeErrorOne) {
  EXPECT_EQ(ResourceMetricsText(Status::Error("ListContainerStats: Unavailable")),
            "# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n"
            "# TYPE scrape_error gauge\n"
            "scrape_error 1\n");
}

const Handler& Route(const Router& router, const std::string& path) {
  const Handler* h = router.Find("GET", path);
  EXPECT_NE(h, nullptr) << path;
  return *h;
}

TEST(MetricsRoutes, ServeRegistryResourceMetricsAndSummary) {
  metrics::Registry registry;
  registry.NewGauge({"kubelet_running_pods", "Number of pods that have a running pod sandbox"}).Get().Set(3);
  FakeStats stats;
  stats.result = OnePod();
  Router router;
  AddMetricsRoutes(router, {&registry, &stats});

  FakeExchange m;
  Route(router, "/metrics")(m);
  ASSERT_TRUE(m.response);
  EXPECT_EQ(m.response->status, 200);
  EXPECT_EQ(m.response->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.response->body.find("\nkubelet_running_pods 3\n"), std::string::npos);

  FakeExchange r;
  Route(router, "/metrics/resource")(r);
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->body, ResourceMetricsText(OnePod()));

  FakeExchange s;
  Route(router, "/stats/summary")(s);
  ASSERT_TRUE(s.response);
  EXPECT_EQ(s.response->status, 200);
  EXPECT_EQ(s.response->content_type.rfind("application/json", 0), 0u);
  EXPECT_NE(s.response->body.find("\"podRef\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u\"}"),
            std::string::npos);

  stats.result = Status::Error("ListPodSandbox: Unavailable");
  FakeExchange failed;
  Route(router, "/stats/summary")(failed);
  ASSERT_TRUE(failed.response);
  EXPECT_EQ(failed.response->status, 500);
  EXPECT_NE(failed.response->body.find("Unavailable"), std::string::npos);
}

}  // namespace
}  // namespace kubenode::server
