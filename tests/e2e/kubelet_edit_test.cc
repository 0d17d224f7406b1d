// Editing a static pod's manifest restarts only the container whose spec changed (same sandbox, the other
// container untouched); removing the manifest removes the pod's sandbox.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::StripRuntimePrefix;

// Two containers that exit promptly on SIGTERM (sh runs the trap after the current `sleep 1`).
std::string TwoContainerPod(const std::string& b_marker) {
  return R"(apiVersion: v1
kind: Pod
metadata:
  name: edit-two
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: a
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  - name: b
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done; echo )" +
         b_marker + R"("]
)";
}

class KubeletEditTest : public DaemonFixture {};

TEST_F(KubeletEditTest, EditedCommandRestartsOnlyThatContainerAndRemovalRemovesTheSandbox) {
  WriteManifest("edit-two.yaml", TwoContainerPod("v1"));
  const std::string pod = PodName("edit-two");
  auto before = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  const std::string uid = before["metadata"].value("uid", "");
  const std::string a_id = StripRuntimePrefix(ContainerStatusJson(before, "a").value("containerID", ""));
  const std::string b_id = StripRuntimePrefix(ContainerStatusJson(before, "b").value("containerID", ""));
  ASSERT_FALSE(a_id.empty()) << before.dump(2);
  ASSERT_FALSE(b_id.empty()) << before.dump(2);
  auto sandboxes = SandboxesOf(pod);
  ASSERT_EQ(sandboxes.size(), 1u);
  const std::string sandbox_id = sandboxes[0].id;
  ASSERT_EQ(RunningContainersOf(pod).size(), 2u);

  // Edit b's command only.
  WriteManifest("edit-two.yaml", TwoContainerPod("v2"));
  auto after = WaitForPod(
      pod,
      [&](const nlohmann::json& p) {
        auto b = ContainerStatusJson(p, "b");
        return !b.empty() && b.value("restartCount", 0) == 1 && b.value("ready", false) &&
               StripRuntimePrefix(b.value("containerID", "")) != b_id && b["state"].contains("running");
      },
      60s, "container b restarted once after the edit");
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(after["metadata"].value("uid", ""), uid) << "the static pod's UID must not change on an edit";
  auto a = ContainerStatusJson(after, "a");
  EXPECT_EQ(StripRuntimePrefix(a.value("containerID", "")), a_id) << after.dump(2);
  EXPECT_EQ(a.value("restartCount", -1), 0) << after.dump(2);
  EXPECT_TRUE(a["state"].contains("running")) << after.dump(2);

  // CRI agrees: one sandbox (the same), a's container is the same running one, b runs the new command.
  sandboxes = SandboxesOf(pod);
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandboxes[0].id, sandbox_id);
  EXPECT_EQ(sandboxes[0].state, cri::SandboxState::kReady);
  auto running = RunningContainersOf(pod);
  ASSERT_EQ(running.size(), 2u);
  for (const auto& c : running) {
    EXPECT_EQ(c.pod_sandbox_id, sandbox_id);
    const std::string name = c.labels.at("io.kubernetes.container.name");
    if (name == "a") {
      EXPECT_EQ(c.id, a_id);
    } else {
      EXPECT_NE(c.id, b_id);
      EXPECT_EQ(c.annotations.at("io.kubernetes.container.restartCount"), "1");
    }
  }
  auto a_status = runtime_->ContainerStatusOf(a_id);
  ASSERT_TRUE(a_status.ok()) << a_status.status().message();
  EXPECT_EQ(a_status->state, cri::ContainerState::kRunning);
  EXPECT_EQ(a_status->metadata.attempt, 0u);
  auto events = Cli("get events");
  EXPECT_NE(events.output.find("Killing"), std::string::npos) << events.output;

  // Removing the manifest removes the sandbox within 5 s.
  RemoveManifest("edit-two.yaml");
  const auto removed_at = std::chrono::steady_clock::now();
  bool gone = Eventually([&] { return SandboxesOf(pod).empty(); }, 5s, 100ms);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - removed_at);
  EXPECT_TRUE(gone) << "sandbox still listed " << took.count() << " ms after the manifest was removed";
  EXPECT_TRUE(ContainersOf(pod).empty() || Eventually([&] { return ContainersOf(pod).empty(); }, 10s));
  EXPECT_TRUE(Eventually([&] { return Cli("get pods " + pod).exit_code != 0; }, 10s)) << Cli("get pods").output;
}

}  // namespace
}  // namespace kubenode
