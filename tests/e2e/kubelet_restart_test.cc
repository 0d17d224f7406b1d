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
  const auto watch_until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < watch_until && !HasFailure()) {
    auto json = GetPodJson(pod);
    for (const auto& [name, id] : ids) {
      auto c = ContainerStatusJson(json, name);
      ASSERT_FALSE(c.empty()) << json.dump(2);
      EXPECT_EQ(StripRuntimePrefix(c.value("containerID", "")), id) << name;
      EXPECT_EQ(c.value("restartCount", -1), 0) << name;
      EXPECT_TRUE(c["state"].contains("running")) << json.dump(2);
    }
    auto containers = ContainersOf(pod);
    EXPECT_EQ(containers.size(), 2u) << "a container was created or removed";
    for (const auto& c : containers) {
      EXPECT_EQ(c.state, cri::ContainerState::kRunning) << c.id;
      EXPECT_EQ(c.id, ids[c.labels.at("io.kubernetes.container.name")]);
      EXPECT_EQ(c.annotations.at("io.kubernetes.container.restartCount"), "0");
    }
    auto sbs = SandboxesOf(pod);
    ASSERT_EQ(sbs.size(), 1u);
    EXPECT_EQ(sbs[0].id, sandbox_id);
    EXPECT_EQ(sbs[0].state, cri::SandboxState::kReady);
    std::this_thread::sleep_for(1s);
  }
  auto row = Columns(GetPodsRow(pod));
  ASSERT_GE(row.size(), 4u) << Cli("get pods").output;
  EXPECT_EQ(row[1], "2/2");
  EXPECT_EQ(row[2], "Running");
  EXPECT_EQ(row[3], "0");
  // The new daemon did not kill or start anything.
  auto events = Cli("get events");
  EXPECT_EQ(events.output.find("Killing"), std::string::npos) << events.output;
  EXPECT_EQ(events.output.find("Started"), std::string::npos) << events.output;
}

}  // namespace
}  // namespace kubenode
