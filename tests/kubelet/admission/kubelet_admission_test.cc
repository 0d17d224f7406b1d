// Admission, active deadlines, readiness gates and the FieldNotSupported warning through the whole
// kubelet against the fake runtime (SyncOnce and a FakeClock: no threads, no sleeping).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/kubelet.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string PodYaml(const std::string& name, const std::string& spec_extra, const std::string& container_extra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n" + spec_extra +
         "  containers:\n  - name: app\n    image: busybox:latest\n    command: [sleep, '3600']\n" + container_extra;
}

class KubeletAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-admission-XXXXXX";
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
    config.node = admission::MakeNodeFacts("node1", "amd64", 2, 1LL << 30, 110, {});  // 2 cores, 1 GiB
    kubelet_ = std::make_unique<Kubelet>(config, *runtime_, *runtime_, clock_, probes_, events_);
    kubelet_->AddPodSource(std::make_unique<ManifestDirectorySource>(dir_ + "/manifests", "node1", 20s, events_));
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/manifests/" + name) << text; }
  std::optional<PodWithStatus> Pod(const std::string& name) { return kubelet_->GetPod("default", name + "-node1"); }
  int Sandboxes(const std::string& name) {
    int n = 0;
    for (const auto& s : runtime_->Sandboxes()) n += s.metadata.name == name + "-node1";
    return n;
  }
  std::vector<RecordedEvent> Events(const std::string& name, const std::string& reason) {
    std::vector<RecordedEvent> out;
    for (const auto& e : kubelet_->EventsFor("default", name + "-node1")) {
      if (e.reason == reason) out.push_back(e);
    }
    return out;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<testing::FakeRuntime> runtime_;
  testing::FakeProbeManager probes_;
  MemoryEventRecorder events_{clock_};
  std::unique_ptr<Kubelet> kubelet_;
};

TEST_F(KubeletAdmissionTest, PodAskingForMoreMemoryThanTheNodeHasIsFailedWithoutASandbox) {
  Write("small.yaml", PodYaml("small", "", "    resources: {requests: {memory: 100Mi}}\n"));
  kubelet_->SyncOnce();
  Write("big.yaml", PodYaml("big", "", "    resources: {requests: {memory: 2Gi}}\n"));
  kubelet_->SyncOnce();
  auto big = Pod("big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status.phase, api::PodPhase::kFailed);
  EXPECT_EQ(big->status.reason, "OutOfmemory");
  EXPECT_EQ(big->status.message, "Pod was rejected: Node didn't have enough resource: memory, requested: 2147483648, "
                                 "used: 104857600, capacity: 968884224");
  EXPECT_EQ(Sandboxes("big"), 0);
  auto events = Events("big", "OutOfmemory");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kWarning);
  EXPECT_EQ(Pod("small")->status.phase, api::PodPhase::kRunning);

  // Still nothing on later syncs; fixing the manifest admits it (kubenode keeps the UID across edits).
  clock_.Advance(61s);
  kubelet_->SyncOnce();
  EXPECT_EQ(Sandboxes("big"), 0);
  EXPECT_EQ(Pod("big")->status.phase, api::PodPhase::kFailed);
  Write("big.yaml", PodYaml("big", "", "    resources: {requests: {memory: 200Mi}}\n"));
  kubelet_->SyncOnce();
  EXPECT_EQ(Sandboxes("big"), 1);
  EXPECT_EQ(Pod("big")->status.phase, api::PodPhase::kRunning);
  EXPECT_EQ(Pod("big")->status.reason, "");
}

TEST_F(KubeletAdmissionTest, SecondPodOnTheSameHostPortIsRejected) {
  const std::string port = "    ports: [{containerPort: 80, hostPort: 8080}]\n";
  Write("a.yaml", PodYaml("a", "", port));
  kubelet_->SyncOnce();
  Write("b.yaml", PodYaml("b", "", port));
  kubelet_->SyncOnce();
  EXPECT_EQ(Pod("a")->status.phase, api::PodPhase::kRunning);
  auto b = Pod("b");
  EXPECT_EQ(b->status.phase, api::PodPhase::kFailed);
  EXPECT_EQ(b->status.reason, "NodePorts");
  EXPECT_EQ(b->status.message, "Pod was rejected: Predicate NodePorts failed");
  EXPECT_EQ(Sandboxes("b"), 0);
}

TEST_F(KubeletAdmissionTest, NodeSelectorNotMatchingIsNodeAffinity) {
  Write("p.yaml", PodYaml("p", "  nodeSelector: {disktype: ssd}\n"));
  kubelet_->SyncOnce();
  EXPECT_EQ(Pod("p")->status.phase, api::PodPhase::kFailed);
  EXPECT_EQ(Pod("p")->status.reason, "NodeAffinity");
  EXPECT_EQ(Events("p", "NodeAffinity").size(), 1u);
  EXPECT_EQ(Sandboxes("p"), 0);
}

TEST_F(KubeletAdmissionTest, ActiveDeadlineKillsThePodAndFailsIt) {
  Write("p.yaml", PodYaml("p", "  activeDeadlineSeconds: 3\n"));
  kubelet_->SyncOnce();
  ASSERT_EQ(Pod("p")->status.phase, api::PodPhase::kRunning);
  ASSERT_EQ(runtime_->RunningContainers().size(), 1u);
  clock_.Advance(2s);
  kubelet_->SyncOnce();
  EXPECT_EQ(Pod("p")->status.phase, api::PodPhase::kRunning);
  clock_.Advance(1s);  // the pod's wake-up is at its deadline
  kubelet_->SyncOnce();
  auto p = Pod("p");
  EXPECT_EQ(p->status.phase, api::PodPhase::kFailed);
  EXPECT_EQ(p->status.reason, "DeadlineExceeded");
  EXPECT_EQ(p->status.message, "Pod was active on the node longer than the specified deadline");
  EXPECT_TRUE(runtime_->RunningContainers().empty());
  ASSERT_EQ(p->status.container_statuses.size(), 1u);
  EXPECT_TRUE(p->status.container_statuses[0].state.terminated);
  EXPECT_EQ(Events("p", "DeadlineExceeded").size(), 1u);
  // Not restarted (restartPolicy Always notwithstanding), and said once.
  clock_.Advance(61s);
  kubelet_->SyncOnce();
  EXPECT_TRUE(runtime_->RunningContainers().empty());
  EXPECT_EQ(Pod("p")->status.phase, api::PodPhase::kFailed);
  EXPECT_EQ(Events("p", "DeadlineExceeded").size(), 1u);
}

TEST_F(KubeletAdmissionTest, ReadinessGateWithoutItsConditionKeepsThePodNotReady) {
  Write("p.yaml", PodYaml("p", "  readinessGates: [{conditionType: example.com/lb}]\n"));
  kubelet_->SyncOnce();
  auto p = Pod("p");
  ASSERT_EQ(p->status.phase, api::PodPhase::kRunning);
  std::map<std::string, api::PodCondition> conditions;
  for (const auto& c : p->status.conditions) conditions[c.type] = c;
  EXPECT_TRUE(conditions.at("ContainersReady").status);
  EXPECT_FALSE(conditions.at("Ready").status);
  EXPECT_EQ(conditions.at("Ready").reason, "ReadinessGatesNotReady");
  EXPECT_EQ(conditions.at("Ready").message,
            "corresponding condition of pod readiness gate \"example.com/lb\" does not exist.");
}

TEST_F(KubeletAdmissionTest, UnsupportedFieldsGetOneWarningAndTheVolumeIsAnEmptyDirectory) {
  Write("p.yaml", PodYaml("p", "  volumes: [{name: cfg, configMap: {name: settings}}]\n",
                          "    volumeMounts: [{name: cfg, mountPath: /cfg}]\n"
                          "    env: [{name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]\n"));
  kubelet_->SyncOnce();
  clock_.Advance(61s);
  kubelet_->SyncOnce();
  auto events = Events("p", "FieldNotSupported");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kWarning);
  // env valueFrom fieldRef is served (kubelet/runtime/environment.h); a static pod's configMap is not.
  EXPECT_EQ(events[0].message, "kubenode does not implement: spec.volumes[0].configMap (mounted as an empty directory)");
  EXPECT_EQ(Pod("p")->status.phase, api::PodPhase::kRunning);
  const auto app = runtime_->ContainersNamed("app");
  ASSERT_EQ(app.size(), 1u);
  const auto config = runtime_->ContainerConfigOf(app[0].id);
  ASSERT_FALSE(config.envs.empty());
  EXPECT_EQ(config.envs[0].key, "NODE");
  EXPECT_FALSE(config.envs[0].value.empty());
  const auto mounts = config.mounts;
  bool found = false;
  for (const auto& m : mounts) {
    if (m.container_path != "/cfg") continue;
    found = true;
    EXPECT_TRUE(fs::is_directory(m.host_path));
    EXPECT_TRUE(fs::is_empty(m.host_path));
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace kubenode::kubelet
