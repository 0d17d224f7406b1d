// The kubelet server's metrics and stats through the real apiserver's node proxy, as metrics-server and
// `kubectl get --raw` reach them: /metrics/resource parsed as Prometheus text (upstream's names, labels and
// HELP/TYPE; a busy pod's CPU counter rises), /stats/summary decoded as statsapi.Summary, /metrics with the
// kubelet's own metrics. Real containerd from the harness, real kubectl.
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-metrics-1";

// A Prometheus text exposition (format 0.0.4), parsed strictly enough to catch format errors.
struct Exposition {
  struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
    std::optional<int64_t> timestamp_ms;
  };
  std::map<std::string, std::string> help, type;
  std::vector<Sample> samples;
  std::string error;  // the first line that did not parse

  static Exposition Parse(const std::string& text) {
    Exposition e;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        const auto rest = line.substr(7);
        const auto sp = rest.find(' ');
        (line[2] == 'H' ? e.help : e.type)[rest.substr(0, sp)] = sp == std::string::npos ? "" : rest.substr(sp + 1);
        continue;
      }
      if (line[0] == '#') continue;
      Sample s;
      size_t i = line.find_first_of("{ ");
      s.name = line.substr(0, i);
      if (i != std::string::npos && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
          const auto eq = line.find('=', i);
          if (eq == std::string::npos || line[eq + 1] != '"') {
            if (e.error.empty()) e.error = line;
            break;
          }
          std::string key = line.substr(i, eq - i), value;
          size_t j = eq + 2;
          for (; j < line.size() && line[j] != '"'; ++j) {
            if (line[j] == '\\' && j + 1 < line.size()) {
              ++j;
              value += line[j] == 'n' ? '\n' : line[j];
            } else {
              value += line[j];
            }
          }
          s.labels[key] = value;
          i = j + 1;
          if (i < line.size() && line[i] == ',') ++i;
        }
        i = line.find(' ', i);
      }
      std::istringstream rest(i == std::string::npos ? "" : line.substr(i));
      std::string value;
      if (!(rest >> value)) {
        if (e.error.empty()) e.error = line;
        continue;
      }
      s.value = value == "+Inf" ? INFINITY : value == "-Inf" ? -INFINITY : std::stod(value);
      int64_t ts = 0;
      if (rest >> ts) s.timestamp_ms = ts;
      e.samples.push_back(std::move(s));
    }
    return e;
  }
  const Sample* Find(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [k, v] : labels) all = all && s.labels.count(k) && s.labels.at(k) == v;
      if (all) return &s;
    }
    return nullptr;
  }
};

class KubeletMetricsTest : public ApiNodeFixture<kNode> {
 protected:
  std::string Raw(const std::string& path) {
    CommandResult r = control_plane_->Kubectl(std::string("get --raw /api/v1/nodes/") + kNode + "/proxy" + path);
    EXPECT_EQ(r.exit_code, 0) << path << ": " << r.output;
    return r.output;
  }
  void WaitReady() {
    ASSERT_TRUE(Eventually([&] { return Condition(KubectlJson(std::string("get node ") + kNode), "Ready") == "True"; },
                           60s, 500ms));
  }
};

TEST_F(KubeletMetricsTest, ResourceMetricsSummaryAndKubeletMetricsThroughTheApiserverProxy) {
  ASSERT_NO_FATAL_FAILURE(WaitReady());
  ASSERT_NO_FATAL_FAILURE(ApplyBusyboxPod("busy", "while :; do :; done", 1));
  ASSERT_TRUE(Eventually([&] { return KubectlJson("get pod busy")["status"].value("phase", "") == "Running"; },
                         kPodTimeout, 1s));

  const std::map<std::string, std::string> busy = {{"container", "main"}, {"namespace", "default"}, {"pod", "busy"}};
  Exposition first;
  ASSERT_TRUE(Eventually(
      [&] {
        first = Exposition::Parse(Raw("/metrics/resource"));
        return first.Find("container_cpu_usage_seconds_total", busy) != nullptr;
      },
      30s, 1s));
  EXPECT_EQ(first.error, "");
  for (const char* name : {"container_cpu_usage_seconds_total", "node_cpu_usage_seconds_total",
                           "pod_cpu_usage_seconds_total"}) {
    EXPECT_EQ(first.type[name], "counter") << name;
  }
  for (const char* name : {"container_memory_working_set_bytes", "container_start_time_seconds",
                           "node_memory_working_set_bytes", "pod_memory_working_set_bytes", "scrape_error"}) {
    EXPECT_EQ(first.type[name], "gauge") << name;
  }
  EXPECT_EQ(first.help["container_cpu_usage_seconds_total"],
            "[STABLE] Cumulative cpu time consumed by the container in core-seconds");
  const auto* cpu1 = first.Find("container_cpu_usage_seconds_total", busy);
  EXPECT_EQ(cpu1->labels.size(), 3u);
  EXPECT_TRUE(cpu1->timestamp_ms.has_value());
  ASSERT_NE(first.Find("container_memory_working_set_bytes", busy), nullptr);
  ASSERT_NE(first.Find("container_start_time_seconds", busy), nullptr);
  ASSERT_NE(first.Find("pod_cpu_usage_seconds_total", {{"namespace", "default"}, {"pod", "busy"}}), nullptr);
  ASSERT_NE(first.Find("pod_memory_working_set_bytes", {{"namespace", "default"}, {"pod", "busy"}}), nullptr);
  ASSERT_NE(first.Find("node_cpu_usage_seconds_total"), nullptr);
  ASSERT_NE(first.Find("node_memory_working_set_bytes"), nullptr);
  ASSERT_NE(first.Find("scrape_error"), nullptr);
  EXPECT_EQ(first.Find("scrape_error")->value, 0);

  // The busy loop burns CPU: the counter rises between scrapes.
  const double cpu_before = cpu1->value;
  EXPECT_TRUE(Eventually(
      [&] {
        auto now = Exposition::Parse(Raw("/metrics/resource"));
        const auto* s = now.Find("container_cpu_usage_seconds_total", busy);
        return s != nullptr && s->value > cpu_before;
      },
      30s, 1s));

  // /stats/summary decodes as statsapi.Summary; a second sample gives usageNanoCores.
  json summary;
  json busy_pod;
  ASSERT_TRUE(Eventually(
      [&] {
        summary = json::parse(Raw("/stats/summary"), nullptr, false);
        if (!summary.is_object()) return false;
        for (const auto& p : summary["pods"]) {
          if (p["podRef"].value("name", "") == "busy") busy_pod = p;
        }
        return busy_pod.is_object() && busy_pod["cpu"].contains("usageNanoCores");
      },
      30s, 1s))
      << summary.dump(1);
  EXPECT_EQ(summary["node"]["nodeName"], kNode);
  EXPECT_TRUE(summary["node"]["cpu"]["usageCoreNanoSeconds"].is_number());
  EXPECT_TRUE(summary["node"]["cpu"]["time"].is_string());
  EXPECT_TRUE(summary["node"]["memory"]["workingSetBytes"].is_number());
  EXPECT_TRUE(summary["node"]["memory"]["availableBytes"].is_number());
  EXPECT_EQ(busy_pod["podRef"]["namespace"], "default");
  EXPECT_FALSE(busy_pod["podRef"].value("uid", "").empty());
  EXPECT_TRUE(busy_pod["startTime"].is_string());
  ASSERT_EQ(busy_pod["containers"].size(), 1u);
  EXPECT_EQ(busy_pod["containers"][0]["name"], "main");
  EXPECT_TRUE(busy_pod["containers"][0]["cpu"]["usageCoreNanoSeconds"].is_number());
  EXPECT_TRUE(busy_pod["containers"][0]["memory"]["workingSetBytes"].is_number());
  // A busy loop is about one core (at least a tenth of one on a loaded test machine).
  EXPECT_GT(busy_pod["cpu"]["usageNanoCores"].get<uint64_t>(), 100'000'000u) << busy_pod.dump(1);

  // /metrics: the kubelet's own.
  auto kubelet = Exposition::Parse(Raw("/metrics"));
  EXPECT_EQ(kubelet.error, "");
  const auto* running = kubelet.Find("kubelet_running_pods");
  ASSERT_NE(running, nullptr);
  EXPECT_GE(running->value, 1);
  EXPECT_EQ(kubelet.type["kubelet_runtime_operations_total"], "counter");
  const auto* lists = kubelet.Find("kubelet_runtime_operations_total", {{"operation_type", "list_containers"}});
  ASSERT_NE(lists, nullptr);
  EXPECT_GT(lists->value, 0);
  EXPECT_NE(kubelet.Find("kubelet_pleg_relist_duration_seconds_count"), nullptr);
  EXPECT_NE(kubelet.Find("kubelet_pod_start_duration_seconds_count"), nullptr);
  EXPECT_NE(kubelet.Find("kubelet_node_name", {{"node", kNode}}), nullptr);

  CommandResult del = control_plane_->Kubectl("delete pod busy --timeout=60s");
  EXPECT_EQ(del.exit_code, 0) << del.output;
}

}  // namespace
}  // namespace kubenode::testing
