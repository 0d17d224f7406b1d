// The whole kubelet against the fake runtime: manifests in a temp directory, syncs driven by SyncOnce()
// and a FakeClock (no threads, no sleeping).
#include "kubelet/kubelet.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/config/static_pod.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::kubelet {
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
  - name: sidecar
    image: busybox:latest
    command: ["sleep", "3600"]
)";

class KubeletFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-flow-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ + "/manifests");
    runtime_ = std::make_unique<testing::FakeRuntime>(clock_);
    NewKubelet();
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  void NewKubelet() {
    kubelet_.reset();
    KubeletConfig config;
    config.node_name = "node1";
    config.node_ip = "192.168.1.10";
    config.pod_manifest_path = "";  // the source is added below, without its thread
    config.root_dir = dir_ + "/root";
    config.pod_logs_dir = dir_ + "/logs";
    config.pod_worker_threads = 0;
    kubelet_ = std::make_unique<Kubelet>(config, *runtime_, *runtime_, clock_, probes_, events_);
    kubelet_->AddPodSource(std::make_unique<ManifestDirectorySource>(dir_ + "/manifests", "node1", 20s, events_));
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/manifests/" + name) << text;
  }
  int Running(const std::string& name) {
    int n = 0;
    for (const auto& c : runtime_->ContainersNamed(name)) n += c.state == cri::ContainerState::kRunning;
    return n;
  }
  std::optional<PodWithStatus> Web() { return kubelet_->GetPod("default", "web-node1"); }
  void EditCommandRestartsOnlySidecar(const std::string& manifest);

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<testing::FakeRuntime> runtime_;
  testing::FakeProbeManager probes_;
  MemoryEventRecorder events_{clock_};
  std::unique_ptr<Kubelet> kubelet_;
};

TEST_F(KubeletFlowTest, AddedPodRunsWithSandboxAndContainers) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  auto sandboxes = runtime_->Sandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandboxes[0].metadata.name, "web-node1");
  EXPECT_EQ(sandboxes[0].state, cri::SandboxState::kReady);
  const auto config = runtime_->SandboxConfig(sandboxes[0].id);
  EXPECT_EQ(config.log_directory, dir_ + "/logs/default_web-node1_fixed-uid-1");
  EXPECT_EQ(config.hostname, "web-node1");
  EXPECT_EQ(config.labels.at("io.kubernetes.pod.uid"), "fixed-uid-1");
  EXPECT_EQ(Running("app"), 1);
  EXPECT_EQ(Running("sidecar"), 1);
  const auto app = runtime_->ContainersNamed("app")[0];
  EXPECT_EQ(app.log_path, dir_ + "/logs/default_web-node1_fixed-uid-1/app/0.log");
  EXPECT_EQ(runtime_->ContainerConfigOf(app.id).labels.at("io.kubernetes.container.name"), "app");

  auto web = Web();
  ASSERT_TRUE(web);
  EXPECT_EQ(web->status.phase, api::PodPhase::kRunning);
  EXPECT_EQ(web->status.pod_ip, sandboxes[0].ip);
  EXPECT_EQ(web->status.host_ip, "192.168.1.10");
  EXPECT_EQ(web->pod.spec.node_name, "node1");
  EXPECT_EQ(web->pod.metadata.annotations.at("kubernetes.io/config.source"), "file");
  ASSERT_EQ(web->status.container_statuses.size(), 2u);
  EXPECT_TRUE(web->status.container_statuses[0].ready);
  EXPECT_TRUE(web->status.container_statuses[0].state.running);

  // Nothing more to do on the next sync.
  runtime_->ClearCalls();
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("Create"), 0);
  EXPECT_EQ(runtime_->CountCalls("Run"), 0);

  std::vector<std::string> reasons;
  for (const auto& e : kubelet_->EventsFor("default", "web-node1")) reasons.push_back(e.reason);
  // MissingClusterDNS: dnsPolicy ClusterFirst without clusterDNS falls back to Default, as upstream warns.
  EXPECT_EQ(reasons, (std::vector<std::string>{"MissingClusterDNS", "Pulling", "Pulled", "Created", "Started", "Pulling",
                                               "Pulled", "Created", "Started"}));
}

TEST_F(KubeletFlowTest, ExitedContainerRestartsWithCrashLoopBackOff) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  auto first = runtime_->ContainersNamed("app")[0].id;
  runtime_->ExitContainer(first, 1);
  clock_.Advance(1s);
  kubelet_->SyncOnce();  // first restart: immediate
  auto app = runtime_->ContainersNamed("app");
  ASSERT_EQ(app.size(), 2u);
  EXPECT_EQ(app[0].state, cri::ContainerState::kRunning);
  EXPECT_EQ(app[0].metadata.attempt, 1u);
  EXPECT_EQ(Web()->status.container_statuses[0].restart_count, 1);
  ASSERT_TRUE(Web()->status.container_statuses[0].last_state.terminated);
  EXPECT_EQ(Web()->status.container_statuses[0].last_state.terminated->exit_code, 1);

  runtime_->ExitContainer(app[0].id, 2);
  clock_.Advance(1s);
  kubelet_->SyncOnce();  // in back-off (10 s since the previous restart)
  EXPECT_EQ(Running("app"), 0);
  const auto web = Web();
  const auto& st = web->status.container_statuses[0];
  ASSERT_TRUE(st.state.waiting);
  EXPECT_EQ(st.state.waiting->reason, "CrashLoopBackOff");
  EXPECT_EQ(st.state.waiting->message,
            "back-off 10s restarting failed container=app pod=web-node1_default(fixed-uid-1)");
  ASSERT_TRUE(st.last_state.terminated);
  EXPECT_EQ(st.last_state.terminated->exit_code, 2);
  EXPECT_EQ(Running("sidecar"), 1);

  clock_.Advance(10s);
  kubelet_->SyncOnce();  // back-off expired: restarted
  EXPECT_EQ(Running("app"), 1);
  EXPECT_EQ(Web()->status.container_statuses[0].restart_count, 2);
  // GC keeps only the newest dead instance.
  EXPECT_EQ(runtime_->ContainersNamed("app").size(), 2u);
}

// kWeb without metadata.uid: the UID then comes from file, node and pod name.
std::string WebWithoutUID() {
  std::string text = kWeb;
  const std::string uid_line = "  uid: fixed-uid-1\n";
  text.erase(text.find(uid_line), uid_line.size());
  return text;
}

// Runs `manifest`, edits the sidecar's command and checks that the pod keeps its UID and sandbox, the app
// container is untouched and only the sidecar was restarted (restartCount 1, as upstream's startContainer
// counts a spec-change restart like any other).
void KubeletFlowTest::EditCommandRestartsOnlySidecar(const std::string& manifest) {
  Write("web.yaml", manifest);
  kubelet_->SyncOnce();
  const auto uid = Web()->pod.metadata.uid;
  const auto hash = Web()->pod.metadata.annotations.at("kubernetes.io/config.hash");
  const auto sandbox = runtime_->Sandboxes()[0].id;
  const auto app = runtime_->ContainersNamed("app")[0].id;
  std::string edited = manifest;
  edited.replace(edited.find("3600"), 4, "7200");
  Write("web.yaml", edited);
  clock_.Advance(1s);
  runtime_->ClearCalls();
  kubelet_->SyncOnce();

  EXPECT_EQ(Web()->pod.metadata.uid, uid);
  EXPECT_NE(Web()->pod.metadata.annotations.at("kubernetes.io/config.hash"), hash);
  ASSERT_EQ(runtime_->Sandboxes().size(), 1u);
  EXPECT_EQ(runtime_->Sandboxes()[0].id, sandbox);
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 0);
  EXPECT_EQ(runtime_->ContainersNamed("app").size(), 1u);
  EXPECT_EQ(runtime_->ContainersNamed("app")[0].id, app);
  EXPECT_EQ(runtime_->ContainersNamed("app")[0].state, cri::ContainerState::kRunning);
  EXPECT_EQ(runtime_->CountCalls("StopContainer app"), 0);
  auto sidecar = runtime_->ContainersNamed("sidecar");
  ASSERT_EQ(sidecar.size(), 2u);
  EXPECT_EQ(sidecar[0].state, cri::ContainerState::kRunning);
  EXPECT_EQ(sidecar[0].metadata.attempt, 1u);
  EXPECT_EQ(runtime_->ContainerConfigOf(sidecar[0].id).args, (std::vector<std::string>{}));
  EXPECT_EQ(runtime_->ContainerConfigOf(sidecar[0].id).command, (std::vector<std::string>{"sleep", "7200"}));
  EXPECT_EQ(sidecar[1].state, cri::ContainerState::kExited);

  const auto web = Web();
  ASSERT_EQ(web->status.container_statuses.size(), 2u);
  EXPECT_EQ(web->status.container_statuses[0].name, "app");
  EXPECT_EQ(web->status.container_statuses[0].restart_count, 0);
  EXPECT_FALSE(web->status.container_statuses[0].last_state.terminated);
  EXPECT_EQ(web->status.container_statuses[1].name, "sidecar");
  EXPECT_EQ(web->status.container_statuses[1].restart_count, 1);
  EXPECT_TRUE(web->status.container_statuses[1].state.running);
  EXPECT_TRUE(web->status.container_statuses[1].last_state.terminated);
  bool killing = false;
  for (const auto& e : kubelet_->EventsFor("default", "web-node1")) {
    if (e.reason == "Killing") {
      EXPECT_EQ(e.object.field_path, "spec.containers{sidecar}");
      EXPECT_EQ(e.message, "Container sidecar definition changed, will be restarted");
      killing = true;
    }
  }
  EXPECT_TRUE(killing);
}

TEST_F(KubeletFlowTest, ManifestEditRestartsOnlyChangedContainer) { EditCommandRestartsOnlySidecar(kWeb); }

TEST_F(KubeletFlowTest, ManifestWithoutUIDKeepsUIDAcrossEdits) {
  const auto text = WebWithoutUID();
  EditCommandRestartsOnlySidecar(text);
  EXPECT_EQ(Web()->pod.metadata.uid, StaticPodUID(dir_ + "/manifests/web.yaml", "node1", "default", "web-node1"));
  EXPECT_EQ(Web()->pod.metadata.uid.size(), 32u);
}

TEST_F(KubeletFlowTest, RenamedPodIsANewPod) {
  std::string text = WebWithoutUID();
  Write("web.yaml", text);
  kubelet_->SyncOnce();
  const auto uid = Web()->pod.metadata.uid;
  text.replace(text.find("name: web"), 9, "name: www");
  Write("web.yaml", text);
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_FALSE(Web());
  const auto www = kubelet_->GetPod("default", "www-node1");
  ASSERT_TRUE(www);
  EXPECT_NE(www->pod.metadata.uid, uid);
  ASSERT_EQ(runtime_->Sandboxes().size(), 1u);
  EXPECT_EQ(runtime_->Sandboxes()[0].labels.at("io.kubernetes.pod.uid"), www->pod.metadata.uid);
}

TEST_F(KubeletFlowTest, MovedManifestIsANewPod) {
  Write("web.yaml", WebWithoutUID());
  kubelet_->SyncOnce();
  const auto uid = Web()->pod.metadata.uid;
  fs::rename(dir_ + "/manifests/web.yaml", dir_ + "/manifests/web2.yaml");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  ASSERT_TRUE(Web());
  EXPECT_NE(Web()->pod.metadata.uid, uid);
  ASSERT_EQ(runtime_->Sandboxes().size(), 1u);
  EXPECT_EQ(runtime_->Sandboxes()[0].labels.at("io.kubernetes.pod.uid"), Web()->pod.metadata.uid);
}

TEST_F(KubeletFlowTest, InvalidEditKeepsRunningPodAndRecordsEvent) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  Write("web.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: 5\n");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_EQ(Running("app"), 1);
  bool found = false;
  for (const auto& e : kubelet_->Events()) {
    if (e.reason == "InvalidManifest" && e.object.kind == "Node" && e.message.find("web.yaml") != std::string::npos) found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(KubeletFlowTest, RemovedManifestKillsAndRemovesSandbox) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  fs::remove(dir_ + "/manifests/web.yaml");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_TRUE(runtime_->Sandboxes().empty());
  EXPECT_TRUE(runtime_->ContainersNamed("app").empty());
  EXPECT_FALSE(Web());
  EXPECT_TRUE(probes_.Removed("fixed-uid-1"));
  EXPECT_EQ(runtime_->CountCalls("StopContainer app timeout=30"), 1);
}

TEST_F(KubeletFlowTest, RestartedKubeletAdoptsRunningPodWithoutRestarts) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  runtime_->ExitContainer(runtime_->ContainersNamed("app")[0].id, 1);
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  runtime_->ClearCalls();
  NewKubelet();  // a new kubelet process on the same runtime
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 0);
  EXPECT_EQ(runtime_->CountCalls("CreateContainer"), 0);
  EXPECT_EQ(runtime_->CountCalls("StopContainer"), 0);
  EXPECT_EQ(Web()->status.container_statuses[0].restart_count, 1);
  EXPECT_EQ(Web()->status.phase, api::PodPhase::kRunning);
}

TEST_F(KubeletFlowTest, WipedRuntimeContinuesRestartCountFromLogFiles) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  // The runtime wrote logs for attempts 0..2 of app; then containerd's state is lost (node reboot).
  const std::string logs = dir_ + "/logs/default_web-node1_fixed-uid-1/app/";
  fs::create_directories(logs);  // containerd creates it with the first log file
  for (const auto* f : {"0.log", "1.log", "2.log"}) std::ofstream(logs + f) << "x\n";
  runtime_ = std::make_unique<testing::FakeRuntime>(clock_);
  NewKubelet();
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  const auto app = runtime_->ContainersNamed("app");
  ASSERT_EQ(app.size(), 1u);
  EXPECT_EQ(app[0].metadata.attempt, 3u);
  EXPECT_EQ(app[0].log_path, logs + "3.log");  // 0.log is not reused
  EXPECT_EQ(Web()->status.container_statuses[0].restart_count, 3);
  EXPECT_EQ(Web()->status.container_statuses[1].restart_count, 0);  // sidecar has no logs
}

TEST_F(KubeletFlowTest, ReaddedManifestStartsAgainAtRestartCountZero) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  const std::string pod_logs = dir_ + "/logs/default_web-node1_fixed-uid-1";
  ASSERT_TRUE(fs::is_directory(pod_logs));  // made by the kubelet before the sandbox
  fs::create_directories(pod_logs + "/app");
  std::ofstream(pod_logs + "/app/0.log") << "x\n";
  runtime_->ExitContainer(runtime_->ContainersNamed("app")[0].id, 1);
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  std::ofstream(pod_logs + "/app/1.log") << "x\n";
  ASSERT_EQ(Web()->status.container_statuses[0].restart_count, 1);

  fs::remove(dir_ + "/manifests/web.yaml");
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_FALSE(fs::exists(pod_logs));  // removed with the pod, as upstream's GC evicts them
  Write("web.yaml", kWeb);  // the same UID again
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_EQ(Web()->status.container_statuses[0].restart_count, 0);
  EXPECT_EQ(runtime_->ContainersNamed("app")[0].metadata.attempt, 0u);
}

TEST_F(KubeletFlowTest, OrphanedPodIsRemovedAfterSourcesSynced) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  fs::remove(dir_ + "/manifests/web.yaml");
  NewKubelet();  // the manifest disappeared while the kubelet was down
  kubelet_->SyncOnce();  // relist sees the orphan
  kubelet_->SyncOnce();
  EXPECT_TRUE(runtime_->Sandboxes().empty());
}

TEST_F(KubeletFlowTest, ImagePullFailureBacksOff) {
  runtime_->FailPull("nginx:latest", "connection refused");
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  auto st = Web()->status.container_statuses[0];
  ASSERT_TRUE(st.state.waiting);
  EXPECT_EQ(st.state.waiting->reason, "ErrImagePull");
  EXPECT_EQ(Web()->status.phase, api::PodPhase::kPending);
  clock_.Advance(2s);
  kubelet_->SyncOnce();  // the PLEG sees the new sandbox and syncs: still in the 10 s pull back-off
  EXPECT_EQ(Web()->status.container_statuses[0].state.waiting->reason, "ImagePullBackOff");
  EXPECT_EQ(runtime_->CountCalls("PullImage nginx"), 1);
  clock_.Advance(10s);
  kubelet_->SyncOnce();  // the failed sync's retry: back-off over, pulled again, failed again
  EXPECT_EQ(Web()->status.container_statuses[0].state.waiting->reason, "ErrImagePull");
  EXPECT_EQ(runtime_->CountCalls("PullImage nginx"), 2);
  clock_.Advance(10s);
  kubelet_->SyncOnce();  // 10 s < 20 s: ImagePullBackOff
  EXPECT_EQ(Web()->status.container_statuses[0].state.waiting->reason, "ImagePullBackOff");
  EXPECT_EQ(runtime_->CountCalls("PullImage nginx"), 2);
  runtime_->ClearPullFailure("nginx:latest");
  clock_.Advance(11s);
  kubelet_->SyncOnce();
  EXPECT_EQ(Running("app"), 1);
}

TEST_F(KubeletFlowTest, SandboxDeathRecreatesPodWithNextAttempt) {
  Write("web.yaml", kWeb);
  kubelet_->SyncOnce();
  runtime_->KillSandbox(runtime_->Sandboxes()[0].id);
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  int ready = 0;
  for (const auto& s : runtime_->Sandboxes()) {
    if (s.state == cri::SandboxState::kReady) {
      ++ready;
      EXPECT_EQ(s.metadata.attempt, 1u);
    }
  }
  EXPECT_EQ(ready, 1);
  EXPECT_EQ(Running("app"), 1);
  EXPECT_EQ(Running("sidecar"), 1);
}

}  // namespace
}  // namespace kubenode::kubelet

namespace kubenode::kubelet {
namespace {

// The watchdog's kubelet check (upstream PLEG Healthy): healthy while relists succeed, an error naming
// the last successful relist once they fail for longer than the threshold.
TEST_F(KubeletFlowTest, HealthFollowsTheLastSuccessfulRelist) {
  kubelet_->SyncOnce();
  EXPECT_TRUE(kubelet_->Health(std::chrono::minutes(3)).ok());
  runtime_->FailNext("ListPodSandbox", "rpc error: code = Unavailable desc = connection refused", 100);
  kubelet_->SyncOnce();
  EXPECT_TRUE(kubelet_->Health(std::chrono::minutes(3)).ok());  // one failure, well within the threshold
  Status unhealthy = kubelet_->Health(std::chrono::milliseconds(0));
  ASSERT_FALSE(unhealthy.ok());
  EXPECT_NE(unhealthy.message().find("PLEG is not healthy: pleg was last seen active"), std::string::npos)
      << unhealthy.message();
  runtime_->FailNext("ListPodSandbox", "", 0);
  kubelet_->SyncOnce();
  EXPECT_TRUE(kubelet_->Health(std::chrono::milliseconds(500)).ok());
}

}  // namespace
}  // namespace kubenode::kubelet
