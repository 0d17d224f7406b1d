#include "server/stats_summary.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/fake_clock.h"
#include "server/metrics_handlers.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::server {
namespace {

class FixedNode : public NodeStatsSource {
 public:
  NodeSummary Read() override { return node; }
  NodeSummary node;
};

struct Pod {
  std::string sandbox_id;
  std::vector<std::string> container_ids;
};

// A runtime that also answers ListPodSandboxStats (containerd 1.6 does), with what the test sets.
class SandboxStatsRuntime : public kubelet::testing::FakeRuntime {
 public:
  using FakeRuntime::FakeRuntime;
  Result<std::vector<cri::PodSandboxStats>> ListPodSandboxStats(const cri::PodSandboxStatsFilter&) override {
    return sandbox_stats;
  }
  std::vector<cri::PodSandboxStats> sandbox_stats;
};

class StatsSummaryTest : public ::testing::Test {
 protected:
  StatsSummaryTest() : runtime_(clock_), provider_(runtime_, node_, "node-a") {
    runtime_.AddImage("busybox");
    node_.node.cpu = CpuStats{1'000'000'000'000'000'000, std::nullopt, 5'000'000'000};
    node_.node.memory = MemoryStats{1'000'000'000'000'000'000, 1000, 3000, 2000, 1500, std::nullopt, std::nullopt};
  }

  Pod RunPod(const std::string& name, const std::string& ns, const std::vector<std::string>& containers) {
    cri::PodSandboxConfig sb;
    sb.metadata = {name, "uid-" + name, ns, 0};
    Pod pod;
    pod.sandbox_id = runtime_.RunPodSandbox(sb).value();
    for (const auto& c : containers) {
      cri::ContainerConfig cc;
      cc.metadata = {c, 0};
      cc.image = "busybox";
      cc.labels = {{"io.kubernetes.container.name", c}, {"io.kubernetes.pod.name", name},
                   {"io.kubernetes.pod.namespace", ns}, {"io.kubernetes.pod.uid", "uid-" + name}};
      auto id = runtime_.CreateContainer(pod.sandbox_id, cc, sb).value();
      EXPECT_TRUE(runtime_.StartContainer(id).ok());
      pod.container_ids.push_back(id);
    }
    return pod;
  }

  static cri::CpuUsage Cpu(int64_t t_ns, uint64_t used_ns) { return {t_ns, used_ns, std::nullopt}; }
  static cri::MemoryUsage Mem(int64_t t_ns, uint64_t ws) {
    cri::MemoryUsage m;
    m.timestamp_ns = t_ns;
    m.working_set_bytes = ws;
    m.usage_bytes = ws + 100;
    return m;
  }

  FakeClock clock_;
  SandboxStatsRuntime runtime_;
  FixedNode node_;
  CriStatsProvider provider_;
};

constexpr int64_t kT0 = 1'767'225'600'000'000'000;  // 2026-01-01T00:00:00Z

TEST_F(StatsSummaryTest, PodsAreTheSumOfTheirRunningContainersAndNanoCoresNeedTwoSamples) {
  Pod web = RunPod("web", "default", {"nginx", "sidecar"});
  runtime_.SetContainerStats(web.container_ids[0], Cpu(kT0, 3'000'000'000), Mem(kT0, 10'000));
  runtime_.SetContainerStats(web.container_ids[1], Cpu(kT0, 1'000'000'000), Mem(kT0, 5'000));

  auto first = provider_.GetSummary();
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->pods.size(), 1u);
  const PodSummary& p = first->pods[0];
  EXPECT_EQ(p.name, "web");
  EXPECT_EQ(p.ns, "default");
  EXPECT_EQ(p.uid, "uid-web");
  ASSERT_EQ(p.containers.size(), 2u);
  EXPECT_EQ(p.containers[0].name, "nginx");
  ASSERT_TRUE(p.cpu && p.cpu->usage_core_nano_seconds);
  EXPECT_EQ(*p.cpu->usage_core_nano_seconds, 4'000'000'000u);
  EXPECT_EQ(*p.memory->working_set_bytes, 15'000u);
  EXPECT_EQ(*p.memory->usage_bytes, 15'200u);
  EXPECT_FALSE(p.cpu->usage_nano_cores);  // one sample: no rate yet
  EXPECT_FALSE(p.containers[0].cpu->usage_nano_cores);

  // Two seconds later nginx used one more core-second: half a core.
  runtime_.SetContainerStats(web.container_ids[0], Cpu(kT0 + 2'000'000'000, 4'000'000'000), Mem(kT0, 10'000));
  runtime_.SetContainerStats(web.container_ids[1], Cpu(kT0 + 2'000'000'000, 1'000'000'000), Mem(kT0, 5'000));
  auto second = provider_.GetSummary();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->pods[0].containers[0].cpu->usage_nano_cores, 500'000'000u);
  EXPECT_EQ(second->pods[0].containers[1].cpu->usage_nano_cores, 0u);
  EXPECT_EQ(second->pods[0].cpu->usage_nano_cores, 500'000'000u);
}

TEST_F(StatsSummaryTest, SandboxStatsGiveThePodCgroupAndNetwork) {
  Pod web = RunPod("web", "default", {"nginx"});
  runtime_.SetContainerStats(web.container_ids[0], Cpu(kT0, 3'000'000'000), Mem(kT0, 10'000));
  cri::PodSandboxStats sb;
  sb.id = web.sandbox_id;
  sb.cpu = Cpu(kT0, 3'200'000'000);  // the pause container and the pod cgroup's own share
  sb.memory = Mem(kT0, 11'000);
  sb.network = cri::NetworkUsage{0, {"eth0", 1006, 0, 472, 0}, {}};  // containerd 1.6: timestamp 0
  runtime_.sandbox_stats = {sb};
  auto s = provider_.GetSummary();
  ASSERT_TRUE(s.ok());
  const PodSummary& p = s->pods.at(0);
  EXPECT_EQ(p.cpu->usage_core_nano_seconds, 3'200'000'000u);
  EXPECT_EQ(p.memory->working_set_bytes, 11'000u);
  ASSERT_TRUE(p.network);
  EXPECT_EQ(p.network->default_interface.name, "eth0");
  EXPECT_EQ(p.network->default_interface.rx_bytes, 1006u);
  EXPECT_EQ(p.network->time_ns, kT0);  // stamped with the sandbox's sample, not 1970
}

TEST_F(StatsSummaryTest, ExitedContainersAndStoppedSandboxesAreLeftOut) {
  Pod a = RunPod("a", "ns1", {"main", "done"});
  Pod b = RunPod("b", "ns1", {"main"});
  runtime_.ExitContainer(a.container_ids[1], 0);
  ASSERT_TRUE(runtime_.StopPodSandbox(b.sandbox_id).ok());
  auto s = provider_.GetSummary();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->pods.size(), 1u);
  ASSERT_EQ(s->pods[0].containers.size(), 1u);
  EXPECT_EQ(s->pods[0].containers[0].name, "main");
}

TEST_F(StatsSummaryTest, JsonHasUpstreamsSummaryFields) {
  Pod web = RunPod("web", "default", {"nginx"});
  runtime_.SetContainerStats(web.container_ids[0], Cpu(kT0, 3'000'000'000), Mem(kT0, 10'000));
  auto s = provider_.GetSummary();
  ASSERT_TRUE(s.ok());
  auto j = nlohmann::json::parse(SummaryJson(*s));
  EXPECT_EQ(j["node"]["nodeName"], "node-a");
  EXPECT_EQ(j["node"]["cpu"]["usageCoreNanoSeconds"], 5'000'000'000u);
  EXPECT_EQ(j["node"]["memory"]["workingSetBytes"], 2000);
  EXPECT_EQ(j["node"]["memory"]["availableBytes"], 1000);
  EXPECT_EQ(j["pods"][0]["podRef"], (nlohmann::json{{"name", "web"}, {"namespace", "default"}, {"uid", "uid-web"}}));
  EXPECT_EQ(j["pods"][0]["containers"][0]["name"], "nginx");
  EXPECT_EQ(j["pods"][0]["containers"][0]["cpu"]["time"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["pods"][0]["containers"][0]["memory"]["workingSetBytes"], 10'000);
  EXPECT_EQ(j["pods"][0]["cpu"]["usageCoreNanoSeconds"], 3'000'000'000u);
  EXPECT_TRUE(j["pods"][0]["startTime"].is_string());
}

TEST_F(StatsSummaryTest, RuntimeErrorFailsTheSummary) {
  runtime_.FailNext("ListContainerStats", "rpc error: code = Unavailable");
  auto s = provider_.GetSummary();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("Unavailable"), std::string::npos);
}

TEST(HostNodeStatsSource, ReadsRootCgroupV1AndProc) {
  const auto root = std::filesystem::temp_directory_path() / ("stats-root-" + std::to_string(getpid()));
  std::filesystem::create_directories(root / "proc/net");
  std::filesystem::create_directories(root / "sys/fs/cgroup/cpuacct");
  std::filesystem::create_directories(root / "sys/fs/cgroup/memory");
  auto write = [&](const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; };
  write("proc/stat", "cpu  1 2 3 4 5 6 7 8 0 0\nbtime 1767225600\n");
  write("proc/meminfo", "MemTotal:       1000 kB\nMemFree:         100 kB\n");
  write("sys/fs/cgroup/cpuacct/cpuacct.usage", "123456789\n");
  write("sys/fs/cgroup/memory/memory.usage_in_bytes", "800000\n");
  write("sys/fs/cgroup/memory/memory.stat", "total_rss 300000\ntotal_inactive_file 200000\ntotal_pgfault 7\n");
  write("proc/net/route", "Iface\tDestination\tGateway\nlo\t0000007F\t0\neth0\t00000000\t010200C0\n");
  write("proc/net/dev",
        "Inter-|   Receive  |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes\n"
        "    lo: 10 1 0 0 0 0 0 0 10 1 0 0 0 0 0 0\n"
        "  eth0: 500 5 2 0 0 0 0 0 700 7 3 0 0 0 0 0\n"
        "vethab: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n");
  HostNodeStatsSource source(root.string(), root.string());
  NodeSummary n = source.Read();
  std::filesystem::remove_all(root);
  EXPECT_EQ(n.start_time_ns, 1'767'225'600'000'000'000);
  ASSERT_TRUE(n.cpu);
  EXPECT_EQ(n.cpu->usage_core_nano_seconds, 123456789u);
  ASSERT_TRUE(n.memory);
  EXPECT_EQ(n.memory->usage_bytes, 800000u);
  EXPECT_EQ(n.memory->working_set_bytes, 600000u);  // usage - total_inactive_file, as cadvisor
  EXPECT_EQ(n.memory->available_bytes, 1024000u - 600000u);
  EXPECT_EQ(n.memory->rss_bytes, 300000u);
  ASSERT_TRUE(n.network);
  EXPECT_EQ(n.network->default_interface.name, "eth0");
  EXPECT_EQ(n.network->default_interface.rx_bytes, 500u);
  EXPECT_EQ(n.network->default_interface.rx_errors, 2u);
  EXPECT_EQ(n.network->default_interface.tx_bytes, 700u);
  EXPECT_EQ(n.network->default_interface.tx_errors, 3u);
  EXPECT_EQ(n.network->interfaces.size(), 1u);  // lo and veth left out
  EXPECT_TRUE(n.fs && n.fs->capacity_bytes);
}

}  // namespace
}  // namespace kubenode::server
