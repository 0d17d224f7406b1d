// KubeletStreamTargets against a whole kubelet on the fake runtime (as tests/kubelet/kubelet_flow_test.cc):
// the IDs it resolves must be the ones the runtime really holds.
#include "server/stream_targets.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::server {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char kWeb[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  uid: fixed-uid-1
spec:
  containers:
  - name: app
    image: nginx:latest
  - name: shell
    image: busybox:latest
    command: ["sh"]
    stdin: true
    tty: true
)";

class StreamTargetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stream-targets-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ + "/manifests");
    kubelet::KubeletConfig config;
    config.node_name = "node1";
    config.node_ip = "192.168.1.10";
    config.pod_manifest_path = "";
    config.root_dir = dir_ + "/root";
    config.pod_logs_dir = dir_ + "/logs";
    config.pod_worker_threads = 0;
    kubelet_ = std::make_unique<kubelet::Kubelet>(config, runtime_, runtime_, clock_, probes_, events_);
    kubelet_->AddPodSource(
        std::make_unique<kubelet::ManifestDirectorySource>(dir_ + "/manifests", "node1", 20s, events_));
    std::ofstream(dir_ + "/manifests/web.yaml") << kWeb;
    kubelet_->SyncOnce();
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  std::string RunningId(const std::string& name) {
    for (const auto& c : runtime_.ContainersNamed(name)) {
      if (c.state == cri::ContainerState::kRunning) return c.id;
    }
    return "";
  }

  FakeClock clock_;
  std::string dir_;
  kubelet::testing::FakeRuntime runtime_{clock_};
  kubelet::testing::FakeProbeManager probes_;
  kubelet::MemoryEventRecorder events_{clock_};
  std::unique_ptr<kubelet::Kubelet> kubelet_;
};

TEST_F(StreamTargetsTest, ResolvesRunningContainersWithTheirSpecsTerminal) {
  KubeletStreamTargets targets(*kubelet_, runtime_);
  StreamTarget app = targets.Container(PodRef{"default", "web-node1", ""}, "app");
  ASSERT_EQ(app.status, 200) << app.message;
  EXPECT_EQ(app.id, RunningId("app"));
  EXPECT_FALSE(app.id.empty());
  EXPECT_FALSE(app.tty);
  StreamTarget shell = targets.Container(PodRef{"default", "web-node1", "fixed-uid-1"}, "shell");
  ASSERT_EQ(shell.status, 200) << shell.message;
  EXPECT_EQ(shell.id, RunningId("shell"));
  EXPECT_TRUE(shell.tty);
}

TEST_F(StreamTargetsTest, UnknownPodsContainersAndUidsAreNotFound) {
  KubeletStreamTargets targets(*kubelet_, runtime_);
  StreamTarget no_pod = targets.Container(PodRef{"default", "web", ""}, "app");
  EXPECT_EQ(no_pod.status, 404);
  EXPECT_EQ(no_pod.message, "pod does not exist");
  StreamTarget no_container = targets.Container(PodRef{"default", "web-node1", ""}, "db");
  EXPECT_EQ(no_container.status, 404);
  EXPECT_EQ(no_container.message, "container not found (\"db\")");
  StreamTarget old_uid = targets.Container(PodRef{"default", "web-node1", "an-older-uid"}, "app");
  EXPECT_EQ(old_uid.status, 404);
  EXPECT_EQ(targets.Sandbox(PodRef{"kube-system", "web-node1", ""}).status, 404);
}

TEST_F(StreamTargetsTest, ResolvesTheReadySandbox) {
  KubeletStreamTargets targets(*kubelet_, runtime_);
  StreamTarget sandbox = targets.Sandbox(PodRef{"default", "web-node1", ""});
  ASSERT_EQ(sandbox.status, 200) << sandbox.message;
  auto sandboxes = runtime_.Sandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandbox.id, sandboxes[0].id);

  runtime_.KillSandbox(sandboxes[0].id);  // no ready sandbox: nothing to forward to
  StreamTarget dead = targets.Sandbox(PodRef{"default", "web-node1", "fixed-uid-1"});
  EXPECT_EQ(dead.status, 404);
  EXPECT_EQ(dead.message, "pod not found (\"web-node1_default\")");
}

}  // namespace
}  // namespace kubenode::server
