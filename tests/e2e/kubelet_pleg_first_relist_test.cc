// A container that exits before the daemon's first PLEG relist is restarted right away (upstream's
// generic PLEG compares its first relist against "no record": a container found exited yields
// ContainerDied, so the pod is synced), not only at the next periodic resync a minute later.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;

constexpr char kCrashYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: early-exit
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: crash
    image: busybox:latest
    command: ["sh", "-c", "exit 1"]
)";

class KubeletPlegFirstRelistTest : public DaemonFixture {};

TEST_F(KubeletPlegFirstRelistTest, ContainerExitingBeforeTheFirstRelistIsRestartedAtOnce) {
  // The manifest is there when the daemon starts: the pod is synced at once and its container exits well
  // within the first relist period (1 s).
  StopDaemon();
  WriteManifest("early-exit.yaml", kCrashYaml);
  StartDaemon();
  ASSERT_FALSE(HasFailure());
  const std::string pod = PodName("early-exit");
  // First restart: no back-off yet (upstream doBackOff finds no entry), so within a few relists; the
  // next back-off (10 s) must not have passed yet, nor the 60 s resync.
  auto restarted = WaitForPod(
      pod, [](const nlohmann::json& p) { return ContainerStatusJson(p, "crash").value("restartCount", 0) >= 1; },
      8s, "first restart of a container that exited before the first PLEG relist");
  EXPECT_EQ(ContainerStatusJson(restarted, "crash").value("restartCount", 0), 1) << restarted.dump(2);
}

}  // namespace
}  // namespace kubenode
