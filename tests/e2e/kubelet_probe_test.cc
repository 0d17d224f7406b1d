// Probes on the real runtime: a failing liveness probe restarts the container (event Unhealthy); a failing
// readiness probe turns the pod's Ready condition False (READY 0/1) and back to True when it passes.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::PodCondition;
using testing::StripRuntimePrefix;

constexpr char kLivenessYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: live-probe
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox:latest
    command: ["sh", "-c", "touch /tmp/healthy; trap 'exit 0' TERM; while true; do sleep 1; done"]
    livenessProbe:
      exec:
        command: ["cat", "/tmp/healthy"]
      periodSeconds: 1
      failureThreshold: 2
)";

constexpr char kReadinessYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: ready-probe
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox:latest
    command: ["sh", "-c", "touch /tmp/ready; trap 'exit 0' TERM; while true; do sleep 1; done"]
    readinessProbe:
      exec:
        command: ["cat", "/tmp/ready"]
      periodSeconds: 1
      failureThreshold: 1
      successThreshold: 1
)";

class KubeletProbeTest : public DaemonFixture {
 protected:
  void Exec(const std::string& container_id, const std::vector<std::string>& cmd) {
    auto r = runtime_->ExecSync(container_id, cmd, std::chrono::seconds(10));
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->exit_code, 0) << r->stdout_data << r->stderr_data;
  }
};

TEST_F(KubeletProbeTest, FailingLivenessProbeRestartsTheContainer) {
  WriteManifest("live-probe.yaml", kLivenessYaml);
  const std::string pod = PodName("live-probe");
  auto before = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  const std::string id = StripRuntimePrefix(ContainerStatusJson(before, "app").value("containerID", ""));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(ContainerStatusJson(before, "app").value("restartCount", -1), 0);

  Exec(id, {"rm", "/tmp/healthy"});
  auto after = WaitForPod(
      pod,
      [&](const nlohmann::json& p) {
        auto c = ContainerStatusJson(p, "app");
        return c.value("restartCount", 0) >= 1 && StripRuntimePrefix(c.value("containerID", "")) != id &&
               c["state"].contains("running");
      },
      60s, "container restarted by its liveness probe");
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(ContainerStatusJson(after, "app").value("restartCount", 0), 1) << after.dump(2);
  auto old = runtime_->ContainerStatusOf(id);
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ(old->state, cri::ContainerState::kExited);

  auto events = Cli("get events");
  EXPECT_NE(events.output.find("Unhealthy"), std::string::npos) << events.output;
  EXPECT_NE(events.output.find("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"),
            std::string::npos)
      << events.output;
  EXPECT_NE(events.output.find("Container app failed liveness probe, will be restarted"), std::string::npos)
      << events.output;

  // The new instance created the file again: it stays up.
  auto row = Columns(GetPodsRow(pod));
  ASSERT_GE(row.size(), 4u);
  EXPECT_EQ(row[1], "1/1");
  EXPECT_EQ(row[2], "Running");
  EXPECT_EQ(row[3].substr(0, 1), "1") << GetPodsRow(pod);
}

TEST_F(KubeletProbeTest, FailingReadinessProbeTurnsReadyFalseAndBack) {
  WriteManifest("ready-probe.yaml", kReadinessYaml);
  const std::string pod = PodName("ready-probe");
  auto ready = WaitForPod(
      pod, [](const nlohmann::json& p) { return PodCondition(p, "Ready") == "True"; }, 90s, "Ready=True");
  ASSERT_FALSE(HasFailure());
  const std::string id = StripRuntimePrefix(ContainerStatusJson(ready, "app").value("containerID", ""));
  ASSERT_FALSE(id.empty());
  EXPECT_TRUE(Eventually(
      [&] {
        auto r = Columns(GetPodsRow(pod));
        return r.size() > 1 && r[1] == "1/1";
      },
      10s)) << GetPodsRow(pod);

  Exec(id, {"rm", "/tmp/ready"});
  auto unready = WaitForPod(
      pod,
      [](const nlohmann::json& p) {
        return PodCondition(p, "Ready") == "False" && PodCondition(p, "ContainersReady") == "False" &&
               !ContainerStatusJson(p, "app").value("ready", true);
      },
      30s, "Ready=False after the readiness file was removed");
  ASSERT_FALSE(HasFailure());
  auto row = Columns(GetPodsRow(pod));
  ASSERT_GE(row.size(), 4u);
  EXPECT_EQ(row[1], "0/1");
  EXPECT_EQ(row[2], "Running");
  EXPECT_EQ(row[3], "0");
  auto events = Cli("get events");
  EXPECT_NE(events.output.find("Readiness probe failed"), std::string::npos) << events.output;

  Exec(id, {"touch", "/tmp/ready"});
  auto back = WaitForPod(
      pod,
      [](const nlohmann::json& p) {
        return PodCondition(p, "Ready") == "True" && ContainerStatusJson(p, "app").value("ready", false);
      },
      30s, "Ready=True again");
  ASSERT_FALSE(HasFailure());
  row = Columns(GetPodsRow(pod));
  ASSERT_GE(row.size(), 4u);
  EXPECT_EQ(row[1], "1/1");
  EXPECT_EQ(row[3], "0");
  // Readiness never restarts anything.
  EXPECT_EQ(StripRuntimePrefix(ContainerStatusJson(back, "app").value("containerID", "")), id);
  EXPECT_EQ(ContainerStatusJson(back, "app").value("restartCount", -1), 0);
}

}  // namespace
}  // namespace kubenode
