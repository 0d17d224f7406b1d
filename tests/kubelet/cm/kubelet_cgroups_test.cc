// The kubelet with cgroupsPerQOS against the fake runtime and a fake cgroup manager: pod cgroups made
// before the sandbox, CRI resources, qosClass, OOMKilled restarts, limit edits, removal.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/kubelet.h"
#include "tests/kubelet/cm/fake_cgroup_manager.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char kLimited[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: mem
  uid: uid-1
spec:
  containers:
  - name: app
    image: busybox:latest
    resources:
      limits: {memory: 64Mi, cpu: 200m}
      requests: {cpu: 100m}
)";

class KubeletCgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-cgroups-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ + "/manifests");
    runtime_ = std::make_unique<testing::FakeRuntime>(clock_);
    KubeletConfig config;
    config.node_name = "node1";
    config.node_ip = "192.168.1.10";
    config.pod_manifest_path = "";
    config.root_dir = dir_ + "/root";
    config.pod_logs_dir = dir_ + "/logs";
    config.pod_worker_threads = 0;
    config.cgroups_per_qos = true;
    kubelet_ = std::make_unique<Kubelet>(config, *runtime_, *runtime_, clock_, probes_, events_, nullptr, &cgroups_);
    kubelet_->AddPodSource(std::make_unique<ManifestDirectorySource>(dir_ + "/manifests", "node1", 20s, events_));
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  void Write(const std::string& text) { std::ofstream(dir_ + "/manifests/mem.yaml") << text; }
  std::optional<PodWithStatus> Mem() { return kubelet_->GetPod("default", "mem-node1"); }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<testing::FakeRuntime> runtime_;
  testing::FakeCgroupManager cgroups_;
  testing::FakeProbeManager probes_;
  MemoryEventRecorder events_{clock_};
  std::unique_ptr<Kubelet> kubelet_;
};

TEST_F(KubeletCgroupsTest, PodRunsInItsQOSCgroupWithItsLimits) {
  Write(kLimited);
  kubelet_->SyncOnce();
  ASSERT_EQ(runtime_->Sandboxes().size(), 1u);
  EXPECT_EQ(runtime_->SandboxConfig(runtime_->Sandboxes()[0].id).cgroup_parent, "/kubepods/burstable/poduid-1");
  ASSERT_TRUE(cgroups_.cgroups.contains("/kubepods/burstable/poduid-1"));
  const auto& pod_cgroup = cgroups_.cgroups["/kubepods/burstable/poduid-1"];
  EXPECT_EQ(pod_cgroup.memory, 67108864);
  EXPECT_EQ(pod_cgroup.cpu_shares, 102);
  EXPECT_EQ(pod_cgroup.cpu_quota, 20000);

  const auto app = runtime_->ContainersNamed("app");
  ASSERT_EQ(app.size(), 1u);
  const auto config = runtime_->ContainerConfigOf(app[0].id);
  ASSERT_TRUE(config.resources);
  EXPECT_EQ(config.resources->memory_limit_in_bytes, 67108864);
  EXPECT_EQ(config.resources->cpu_quota, 20000);
  EXPECT_EQ(config.resources->cpu_period, 100000);
  EXPECT_EQ(config.resources->cpu_shares, 102);
  EXPECT_EQ(Mem()->status.qos_class, "Burstable");
}

TEST_F(KubeletCgroupsTest, NoSandboxWithoutThePodCgroup) {
  cgroups_.fail_create = "mkdir /sys/fs/cgroup/memory/kubepods: permission denied";
  Write(kLimited);
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 0);
  bool event = false;
  for (const auto& e : kubelet_->EventsFor("default", "mem-node1")) {
    if (e.reason == "FailedCreatePodContainer") {
      event = true;
      EXPECT_NE(e.message.find("permission denied"), std::string::npos) << e.message;
    }
  }
  EXPECT_TRUE(event);

  // Retried after the sync error delay.
  cgroups_.fail_create.clear();
  clock_.Advance(11s);
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 1);
}

TEST_F(KubeletCgroupsTest, OOMKilledContainerRestartsWithTheReasonInLastState) {
  Write(kLimited);
  kubelet_->SyncOnce();
  runtime_->ExitContainer(runtime_->ContainersNamed("app")[0].id, 137, "OOMKilled");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  auto status = Mem()->status.container_statuses.at(0);
  EXPECT_EQ(status.restart_count, 1);
  EXPECT_TRUE(status.state.running);
  ASSERT_TRUE(status.last_state.terminated);
  EXPECT_EQ(status.last_state.terminated->reason, "OOMKilled");
  EXPECT_EQ(status.last_state.terminated->exit_code, 137);

  // Killed again, now in back-off: waiting in CrashLoopBackOff, the OOMKilled instance as lastState.
  runtime_->ExitContainer(runtime_->ContainersNamed("app")[0].id, 137, "OOMKilled");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  status = Mem()->status.container_statuses.at(0);
  ASSERT_TRUE(status.state.waiting);
  EXPECT_EQ(status.state.waiting->reason, "CrashLoopBackOff");
  ASSERT_TRUE(status.last_state.terminated);
  EXPECT_EQ(status.last_state.terminated->reason, "OOMKilled");
}

TEST_F(KubeletCgroupsTest, ChangedLimitRestartsTheContainerAndUpdatesThePodCgroup) {
  Write(kLimited);
  kubelet_->SyncOnce();
  const auto first = runtime_->ContainersNamed("app")[0].id;
  std::string edited = kLimited;
  edited.replace(edited.find("64Mi"), 4, "128Mi");
  Write(edited);
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  auto app = runtime_->ContainersNamed("app");
  ASSERT_EQ(app.size(), 2u);
  EXPECT_NE(app[0].id, first);
  EXPECT_EQ(app[0].state, cri::ContainerState::kRunning);
  EXPECT_EQ(runtime_->ContainerConfigOf(app[0].id).resources->memory_limit_in_bytes, 128LL << 20);
  EXPECT_EQ(cgroups_.cgroups["/kubepods/burstable/poduid-1"].memory, 128LL << 20);

  // Written differently, same value: nothing restarts.
  std::string same = edited;
  same.replace(same.find("cpu: 200m"), 9, "cpu: 0.2");
  Write(same);
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->ContainersNamed("app").size(), 2u);
  EXPECT_EQ(runtime_->ContainersNamed("app")[0].id, app[0].id);
}

TEST_F(KubeletCgroupsTest, RemovedPodLosesItsCgroup) {
  Write(kLimited);
  kubelet_->SyncOnce();
  ASSERT_TRUE(cgroups_.cgroups.contains("/kubepods/burstable/poduid-1"));
  fs::remove(dir_ + "/manifests/mem.yaml");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_TRUE(runtime_->Sandboxes().empty());
  EXPECT_FALSE(cgroups_.cgroups.contains("/kubepods/burstable/poduid-1"));
  EXPECT_TRUE(cgroups_.cgroups.contains("/kubepods/burstable"));
}

TEST_F(KubeletCgroupsTest, QOSClassOfTheThreeShapes) {
  std::ofstream(dir_ + "/manifests/g.yaml") << R"(apiVersion: v1
kind: Pod
metadata: {name: g}
spec:
  containers:
  - {name: a, image: busybox, resources: {limits: {cpu: 100m, memory: 64Mi}}}
)";
  std::ofstream(dir_ + "/manifests/be.yaml") << R"(apiVersion: v1
kind: Pod
metadata: {name: be}
spec:
  containers:
  - {name: a, image: busybox}
)";
  Write(kLimited);
  kubelet_->SyncOnce();
  EXPECT_EQ(kubelet_->GetPod("default", "g-node1")->status.qos_class, "Guaranteed");
  EXPECT_EQ(kubelet_->GetPod("default", "be-node1")->status.qos_class, "BestEffort");
  EXPECT_EQ(Mem()->status.qos_class, "Burstable");
  const auto g_uid = kubelet_->GetPod("default", "g-node1")->pod.metadata.uid;
  EXPECT_TRUE(cgroups_.cgroups.contains("/kubepods/pod" + g_uid));
  // Static pods are critical but not node-critical: oom_score_adj follows the QoS class.
  for (const auto& c : runtime_->ContainersNamed("a")) {
    const auto adj = runtime_->ContainerConfigOf(c.id).resources->oom_score_adj;
    EXPECT_TRUE(adj == -997 || adj == 1000) << adj;
  }
}

}  // namespace
}  // namespace kubenode::kubelet
