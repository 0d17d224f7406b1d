// kill -9 of the daemon and a new `kubenode run`: the new kubelet adopts the running pods by their CRI
// labels; nothing is restarted or recreated.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::StripRuntimePrefix;

constexpr char kPodYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: survivor
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: web
    image: nginx:latest
  - name: side
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
)";

class KubeletRestartTest : public DaemonFixture {};

TEST_F(KubeletRestartTest, KilledDaemonRestartsWithoutTouchingContainers) {
  WriteManifest("survivor.yaml", kPodYaml);
  const std::string pod = PodName("survivor");
  auto before = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  auto sandboxes = SandboxesOf(pod);
  ASSERT_EQ(sandboxes.size(), 1u);
  const std::string sandbox_id = sandboxes[0].id;
  std::map<std::string, std::string> ids;  // container name -> ID
  for (const char* name : {"web", "side"}) {
    ids[name] = StripRuntimePrefix(ContainerStatusJson(before, name).value("containerID", ""));
    ASSERT_FALSE(ids[name].empty()) << before.dump(2);
  }
  const auto all_before = ContainersOf(pod);
  ASSERT_EQ(all_before.size(), 2u);

  KillDaemon();
  // The pod keeps running without the daemon.
  for (const auto& [name, id] : ids) {
    auto s = runtime_->ContainerStatusOf(id);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->state, cri::ContainerState::kRunning) << name;
  }
  StartDaemon();
  ASSERT_FALSE(HasFailure());

  auto after = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(after["metadata"].value("uid", ""), before["metadata"].value("uid", ""));
  EXPECT_EQ(after["status"].value("podIP", ""), before["status"].value("podIP", ""));
  // Watch the new daemon through several PLEG relists, pod syncs and a GC: the same two containers, still
  // running, RESTARTS 0, the same sandbox.
  ExpectPodUntouchedFor(pod, ids, sandbox_id, 15s);
  // The new daemon did not kill or start anything.
  auto events = Cli("get events");
  EXPECT_EQ(events.output.find("Killing"), std::string::npos) << events.output;
  EXPECT_EQ(events.output.find("Started"), std::string::npos) << events.output;
}

}  // namespace
}  // namespace kubenode
