// kill -9 of the daemon and a new `kubenode run` while clients use the reference Service's NodePort: the
// kernel keeps the old ruleset while no daemon runs, and the new proxy must not program the Service before
// the kubelet reported the adopted pod (else it rejects the NodePort for about a sync period). Zero failed
// requests over ten rounds; the pod is not restarted.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"
#include "tests/support/reference_manifests.h"

namespace kubenode {
namespace {

using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::ReadFile;
using testing::RunCommand;
using testing::StripRuntimePrefix;
using nlohmann::json;
using namespace std::chrono_literals;

class ProxyRestartFaultTest : public DaemonFixture {
 protected:
  std::vector<std::string> DaemonFlags() const override {
    return {"--cluster-cidr", testing::RequiredEnv("KUBENODE_POD_SUBNET")};
  }
  void TearDown() override {
    for (const std::string& stop : stops_) RunCommand("touch " + stop);
    DaemonFixture::TearDown();
    RunCommand(std::string(KUBENODE_BINARY) + " run --cleanup");
  }

  // A client loop (at most 100 000 requests of at most 2 s each) writing one line per request: the HTTP
  // code, or FAIL and curl's exit code.
  struct Loop {
    std::string out, stop;
  };
  Loop StartLoop(const std::string& url, const std::string& name) {
    Loop l{dir_ + "/" + name + ".out", dir_ + "/" + name + ".stop"};
    stops_.push_back(l.stop);
    RunCommand("sh -c 'i=0; while [ ! -f " + l.stop + " ] && [ $i -lt 100000 ]; do i=$((i+1)); curl -s -o /dev/null "
               "--max-time 2 -w \"%{http_code}\\n\" " + url + " || echo FAIL $?; done > " + l.out + "; touch " +
               l.out + ".done' >/dev/null 2>&1 &");
    return l;
  }
  static size_t Lines(const Loop& l) {
    std::string text = ReadFile(l.out);
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  // Stops the loop; returns (failed, total) requests.
  std::pair<int, int> Stop(const Loop& l) {
    RunCommand("touch " + l.stop);
    EXPECT_TRUE(Eventually([&] { return std::filesystem::exists(l.out + ".done"); }, 10s, 50ms));
    int failed = 0, total = 0;
    std::istringstream lines(ReadFile(l.out));
    for (std::string line; std::getline(lines, line);) {
      ++total;
      if (line != "200") ++failed;
    }
    return {failed, total};
  }

  std::vector<std::string> stops_;
};

TEST_F(ProxyRestartFaultTest, NodePortServesEveryRequestThroughKillAndRestart) {
  WriteManifest("nginx.yaml", testing::kReferencePod);
  WriteManifest("service.yaml", testing::kReferenceService);
  const std::string pod = PodName("nginx");
  json before = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  const std::string pod_ip = before["status"].value("podIP", "");
  const std::map<std::string, std::string> ids = {
      {"nginx", StripRuntimePrefix(ContainerStatusJson(before, "nginx").value("containerID", ""))}};
  auto sandboxes = SandboxesOf(pod);
  ASSERT_EQ(sandboxes.size(), 1u);
  const std::string element = "tcp . 30001 . 0 : " + pod_ip + " . 80";
  ASSERT_TRUE(Eventually([&] { return Cli("proxy dump").output.find(element) != std::string::npos; }, 30s))
      << Cli("proxy dump").output;
  auto node = Cli("describe node | sed -n 's/^  InternalIP:  //p'");
  const std::string node_ip = node.output.substr(0, node.output.find('\n'));
  ASSERT_FALSE(node_ip.empty());

  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Loop local = StartLoop("http://127.0.0.1:30001/", "local" + std::to_string(round));
    Loop external = StartLoop("http://" + node_ip + ":30001/", "node" + std::to_string(round));
    ASSERT_TRUE(Eventually([&] { return Lines(local) >= 5 && Lines(external) >= 5; }, 20s, 50ms));
    KillDaemon();
    StartDaemon();
    ASSERT_FALSE(HasFailure());
    // Until the new proxy has synced (it logs its first full resync) and clients went on for a while.
    ASSERT_TRUE(Eventually(
        [&] {
          const std::string log = ReadFile(log_file_);
          return log.rfind("full resync") > log.rfind("==== kubenode run started by the test ====") &&
                 log.rfind("full resync") != std::string::npos;
        },
        30s, 100ms))
        << DaemonLog();
    const size_t seen = Lines(local) + Lines(external);
    ASSERT_TRUE(Eventually([&] { return Lines(local) + Lines(external) >= seen + 40; }, 30s, 50ms));
    for (const Loop* l : {&local, &external}) {
      auto [failed, total] = Stop(*l);
      EXPECT_EQ(failed, 0) << "of " << total << " through " << l->out << ":\n" << ReadFile(l->out);
      EXPECT_GT(total, 20);
    }
  }
  ExpectPodUntouchedFor(pod, ids, sandboxes[0].id, 2s);
}

TEST_F(ProxyRestartFaultTest, BrokenAllocationsFileNeitherStopsTheAgentNorMovesTheClusterIP) {
  WriteManifest("nginx.yaml", testing::kReferencePod);
  WriteManifest("service.yaml", testing::kReferenceService);
  const std::string pod = PodName("nginx");
  WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  auto cluster_ip = [&] {
    auto svc = Cli("get svc hello-service -o json");
    return svc.exit_code == 0 ? json::parse(svc.output)["spec"].value("clusterIP", "") : std::string();
  };
  ASSERT_TRUE(Eventually([&] { return !cluster_ip().empty(); }, 30s));
  const std::string ip = cluster_ip();
  const std::string state = dir_ + "/state/service-allocations.json";
  for (const char* broken : {"{\"version\": 1, \"servi", "[]"}) {
    SCOPED_TRACE(broken);
    KillDaemon();
    std::ofstream(state, std::ios::trunc) << broken;
    StartDaemon();
    ASSERT_FALSE(HasFailure());
    WaitForRunning(pod);
    EXPECT_TRUE(Eventually([&] { return cluster_ip() == ip; }, 30s)) << cluster_ip() << " != " << ip;
    EXPECT_TRUE(Eventually([&] { return Cli("get events").output.find("ServiceAllocationsRecovered") != std::string::npos; }, 10s))
        << Cli("get events").output;
  }
  // A deleted file: the backup keeps the ClusterIP too.
  KillDaemon();
  std::filesystem::remove(state);
  StartDaemon();
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(Eventually([&] { return cluster_ip() == ip; }, 30s)) << cluster_ip() << " != " << ip;
}

}  // namespace
}  // namespace kubenode
