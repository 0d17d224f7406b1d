// kill -9 of the daemon and a new `kubenode run` while clients use the reference Service's NodePort: the
// kernel keeps the old ruleset while no daemon runs, and the new proxy must not program the Service before
// the kubelet reported the adopted pod (else it rejects the NodePort for about a sync period). Zero failed
// requests over ten rounds; the pod is not restarted.
#include <gtest/gtest.h>

#include "tests/fault/reference_fault_fixture.h"

namespace kubenode {
namespace {

using testing::ReferenceFaultFixture;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::ReadFile;
using testing::RunCommand;
using testing::StripRuntimePrefix;
using nlohmann::json;
using namespace std::chrono_literals;

class DaemonRestartFaultTest : public ReferenceFaultFixture {};

TEST_F(DaemonRestartFaultTest, NodePortServesEveryRequestThroughKillAndRestart) {
  StartReference();
  ASSERT_FALSE(HasFailure());
  ExpectNoFailedRequestAcross(10, [&] {
    KillDaemon();
    StartDaemon();
  });
  ExpectPodUntouchedFor(pod_, ids_, sandbox_, 2s);
}

TEST_F(DaemonRestartFaultTest, NodePortServesEveryRequestThroughSigtermAndStart) {
  StartReference();
  ASSERT_FALSE(HasFailure());
  ExpectNoFailedRequestAcross(3, [&] {
    StopDaemon();
    StartDaemon();
  });
  ExpectPodUntouchedFor(pod_, ids_, sandbox_, 2s);
}

TEST_F(DaemonRestartFaultTest, BrokenAllocationsFileNeitherStopsTheAgentNorMovesTheClusterIP) {
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
