// The kubelet never kills, duplicates or loses pods by mistake: nothing is killed before every pod source
// has listed, a transient CRI error never starts a second instance, an exception in a sync or in the loop
// is retried rather than fatal, probe workers never call into a destroyed Kubelet, and an outage of the
// container runtime is said once when it begins and once when it ends. The fake runtime and a FakeClock
// drive SyncOnce(); the loop and probe tests run real threads and wait (bounded) for what they expect.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/kubelet.h"
#include "kubelet/prober/probe_manager_impl.h"
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
    readinessProbe:
      exec:
        command: ["true"]
      periodSeconds: 1
      failureThreshold: 1
)";

// A source that delivers nothing until opened, as an API source still listing in the background; once
// open, it delivers what its manifest directory holds.
class GatedSource : public PodSource {
 public:
  GatedSource(std::string dir, EventRecorder& events, bool open) : inner_(std::move(dir), "node1", 20s, events) {
    open_ = open;
  }
  std::string Name() const override { return inner_.Name(); }
  Status Start(PodSnapshotSink sink) override {
    if (open_) inner_.SyncNow(sink);
    return {};
  }
  void Stop() override {}
  void SyncNow(const PodSnapshotSink& sink) override {
    if (open_) inner_.SyncNow(sink);
  }
  void Open() { open_ = true; }

 private:
  ManifestDirectorySource inner_;
  std::atomic<bool> open_{false};
};

// Waits until `pred` holds; gives up after 20 s so that a broken build fails instead of hanging. Nothing
// asserts how long it took.
template <typename Pred>
bool Eventually(Pred pred) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

class KubeletRobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-robust-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ + "/manifests");
    runtime_ = std::make_unique<testing::FakeRuntime>(clock_);
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  KubeletConfig Config() {
    KubeletConfig config;
    config.node_name = "node1";
    config.node_ip = "192.168.1.10";
    config.pod_manifest_path = "";
    config.root_dir = dir_ + "/root";
    config.pod_logs_dir = dir_ + "/logs";
    config.pod_worker_threads = 0;
    return config;
  }
  // A new kubelet process on the same runtime; its source delivers only once `open`.
  GatedSource& NewKubelet(bool open, ProbeManager* probes = nullptr, KubeletConfig config = {}) {
    kubelet_.reset();
    if (config.node_name.empty()) config = Config();
    kubelet_ = std::make_unique<Kubelet>(config, *runtime_, *runtime_, clock_, probes ? *probes : probes_, events_);
    auto source = std::make_unique<GatedSource>(dir_ + "/manifests", events_, open);
    auto& ref = *source;
    kubelet_->AddPodSource(std::move(source));
    return ref;
  }
  void Write(const std::string& text) { std::ofstream(dir_ + "/manifests/web.yaml") << text; }
  int Running(const std::string& name) {
    int n = 0;
    for (const auto& c : runtime_->ContainersNamed(name)) n += c.state == cri::ContainerState::kRunning;
    return n;
  }
  std::optional<PodWithStatus> Web() { return kubelet_->GetPod("default", "web-node1"); }
  int Kills() {
    return runtime_->CountCalls("StopContainer") + runtime_->CountCalls("StopPodSandbox") +
           runtime_->CountCalls("RemovePodSandbox") + runtime_->CountCalls("RemoveContainer");
  }
  // Runs the pod with a first kubelet, then starts a second one whose source has not listed yet and lets
  // it relist (PLEG events for the running pod) a few times.
  GatedSource& RestartWithSourceNotListed() {
    Write(kWeb);
    NewKubelet(/*open=*/true);
    kubelet_->SyncOnce();
    EXPECT_EQ(Running("app"), 1);
    auto& source = NewKubelet(/*open=*/false);
    runtime_->ClearCalls();
    for (int i = 0; i < 3; ++i) {
      clock_.Advance(1s);
      kubelet_->SyncOnce();
    }
    EXPECT_EQ(Kills(), 0) << "killed before the source listed";
    EXPECT_EQ(Running("app"), 1);
    return source;
  }
  std::vector<std::string> Reasons(const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& e : kubelet_->Events()) {
      if (e.object.kind == kind) out.push_back(e.reason + ": " + e.message);
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

TEST_F(KubeletRobustnessTest, NothingIsKilledBeforeTheSourcesListedThenAnUnlistedPodIsRemoved) {
  auto& source = RestartWithSourceNotListed();
  fs::remove(dir_ + "/manifests/web.yaml");
  source.Open();
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  EXPECT_TRUE(runtime_->Sandboxes().empty());
  EXPECT_TRUE(runtime_->ContainersNamed("app").empty());
}

TEST_F(KubeletRobustnessTest, NothingIsKilledBeforeTheSourcesListedThenAListedPodIsAdopted) {
  auto& source = RestartWithSourceNotListed();
  source.Open();
  for (int i = 0; i < 2; ++i) {
    clock_.Advance(1s);
    kubelet_->SyncOnce();
  }
  EXPECT_EQ(Kills(), 0);
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 0);
  EXPECT_EQ(runtime_->CountCalls("CreateContainer"), 0);
  ASSERT_TRUE(Web());
  EXPECT_EQ(Web()->status.phase, api::PodPhase::kRunning);
  EXPECT_EQ(Web()->status.container_statuses[0].restart_count, 0);
}

// ContainerStatus failing with anything but NotFound says nothing about the container: no second instance.
TEST_F(KubeletRobustnessTest, TransientContainerStatusErrorStartsNoDuplicate) {
  Write(kWeb);
  NewKubelet(/*open=*/true);
  kubelet_->SyncOnce();
  ASSERT_EQ(Running("app"), 1);
  runtime_->ClearCalls();
  for (const char* error : {"rpc error: code = Unavailable desc = connection refused",
                            "rpc error: code = DeadlineExceeded desc = context deadline exceeded"}) {
    runtime_->FailNext("ContainerStatus", std::string("ContainerStatus: ") + error, 1000);
    for (int i = 0; i < 3; ++i) {
      clock_.Advance(11s);  // past the retry of a failed sync
      kubelet_->SyncOnce();
    }
    EXPECT_EQ(runtime_->CountCalls("CreateContainer"), 0) << error;
    EXPECT_EQ(Kills(), 0) << error;
    ASSERT_TRUE(Web());
    EXPECT_EQ(Web()->status.phase, api::PodPhase::kRunning) << "last known status kept";
    EXPECT_TRUE(Web()->status.container_statuses[0].state.running);
  }
  runtime_->FailNext("ContainerStatus", "", 0);
  clock_.Advance(11s);
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("CreateContainer"), 0);
  EXPECT_EQ(Running("app"), 1);
}

TEST_F(KubeletRobustnessTest, OnlyNotFoundDropsAContainerFromTheRuntimeState) {
  Write(kWeb);
  NewKubelet(/*open=*/true);
  kubelet_->SyncOnce();
  runtime_->FailNext("ContainerStatus", "rpc error: code = NotFound desc = not found", 1);
  auto gone = GetPodRuntimeState(*runtime_, "fixed-uid-1");
  ASSERT_TRUE(gone.ok()) << gone.status().message();
  EXPECT_TRUE(gone->containers.empty());
  EXPECT_EQ(gone->sandboxes.size(), 1u);

  runtime_->FailNext("ContainerStatus", "rpc error: code = Unavailable desc = connection refused", 1);
  auto failed = GetPodRuntimeState(*runtime_, "fixed-uid-1");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message().rfind("ContainerStatus " + runtime_->ContainersNamed("app")[0].id, 0), 0u)
      << failed.status().message();
  runtime_->FailNext("PodSandboxStatus", "rpc error: code = DeadlineExceeded desc = timeout", 1);
  EXPECT_FALSE(GetPodRuntimeState(*runtime_, "fixed-uid-1").ok());
}

// An exception in a sync is a failed sync: retried after sync_error_retry, the caller keeps going.
TEST_F(KubeletRobustnessTest, ExceptionInASyncIsRetriedLater) {
  Write(kWeb);
  NewKubelet(/*open=*/true);
  runtime_->ThrowNext("RunPodSandbox");
  EXPECT_NO_THROW(kubelet_->SyncOnce());
  EXPECT_TRUE(runtime_->Sandboxes().empty());
  clock_.Advance(5s);
  kubelet_->SyncOnce();
  EXPECT_TRUE(runtime_->Sandboxes().empty()) << "retried before sync_error_retry";
  clock_.Advance(5s);
  kubelet_->SyncOnce();
  EXPECT_EQ(Running("app"), 1);
  ASSERT_TRUE(Web());
  EXPECT_EQ(Web()->status.phase, api::PodPhase::kRunning);
}

// The loop thread survives an exception (here from the PLEG relist) and goes on syncing.
TEST_F(KubeletRobustnessTest, LoopSurvivesAnException) {
  Write(kWeb);
  auto config = Config();
  config.pleg_relist_period = 5ms;
  NewKubelet(/*open=*/true, nullptr, config);
  runtime_->ThrowNext("ListPodSandbox", 2);
  ASSERT_TRUE(kubelet_->Start().ok());
  EXPECT_TRUE(Eventually([&] { return Running("app") == 1 && Web().has_value(); }));
  kubelet_->Stop();
}

// Flips between Success and Failure at every run: every round changes the result and calls back.
class FlippingProber : public prober::Prober {
 public:
  ProbeResult Probe(ProbeType, const prober::ProbeTarget&) override {
    return (++calls % 2) ? ProbeResult::kSuccess : ProbeResult::kFailure;
  }
  std::atomic<int> calls{0};
};

// The daemon destroys the Kubelet before the ProbeManager: the probe workers must neither call back into
// it afterwards nor be halfway through a callback when it goes (run under ASan: scripts/test, build-asan).
TEST_F(KubeletRobustnessTest, DestroyedKubeletGetsNoProbeCallbacks) {
  Write(kWeb);
  auto owned = std::make_unique<FlippingProber>();
  auto& prober = *owned;
  ProbeManagerImpl probes(std::move(owned), clock_, ProbeManagerOptions{.second = 1ms});
  struct ResetFirst {  // an early ASSERT return must not leave a kubelet that outlives `probes`
    std::unique_ptr<Kubelet>& kubelet;
    ~ResetFirst() { kubelet.reset(); }
  } reset_first{kubelet_};
  for (int round = 0; round < 5; ++round) {
    NewKubelet(/*open=*/true, &probes);
    kubelet_->SyncOnce();
    ASSERT_EQ(probes.WorkerCount(), 1u);
    const int before = prober.calls;
    ASSERT_TRUE(Eventually([&] { return prober.calls >= before + 10; }));  // callbacks are firing
    kubelet_.reset();
    EXPECT_EQ(probes.WorkerCount(), 0u) << "probe workers outlive the kubelet";
    // Before the fix, results kept changing and calling into the freed kubelet here (ASan reports it).
    const int after = prober.calls;
    Eventually([&] { return prober.calls >= after + 10 || probes.WorkerCount() == 0; });
  }
}

TEST_F(KubeletRobustnessTest, RuntimeOutageIsSaidOnceWhenItBeginsAndOnceWhenItEnds) {
  Write(kWeb);
  NewKubelet(/*open=*/true);
  kubelet_->SyncOnce();
  runtime_->FailNext("ListPodSandbox", "rpc error: code = Unavailable desc = connection refused", 1000);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(1500ms);
    kubelet_->SyncOnce();
  }
  EXPECT_EQ(Reasons("Node"),
            (std::vector<std::string>{"ContainerRuntimeUnhealthy: container runtime is down: PLEG relist: ListPodSandbox: "
                                      "rpc error: code = Unavailable desc = connection refused"}));
  EXPECT_EQ(Web()->status.phase, api::PodPhase::kRunning);
  runtime_->FailNext("ListPodSandbox", "", 0);
  clock_.Advance(1500ms);
  kubelet_->SyncOnce();
  clock_.Advance(1s);
  kubelet_->SyncOnce();
  const auto reasons = Reasons("Node");
  ASSERT_EQ(reasons.size(), 2u);
  // From the first failed relist to the first successful one: five relists 1.5 s apart.
  EXPECT_EQ(reasons[1], "ContainerRuntimeHealthy: container runtime is back after 7.5s");
  EXPECT_EQ(Running("app"), 1);
}

// A postStart hook that fails and a container that cannot be stopped afterwards: both are said.
TEST_F(KubeletRobustnessTest, FailedKillAfterPostStartHookIsReported) {
  std::string text = kWeb;
  text += "    lifecycle:\n      postStart:\n        exec:\n          command: [\"false\"]\n";
  Write(text);
  NewKubelet(/*open=*/true);
  runtime_->SetExecResult(cri::ExecResult{"", "boom", 1});
  runtime_->FailNext("StopContainer", "StopContainer: rpc error: code = DeadlineExceeded desc = timeout", 1);
  kubelet_->SyncOnce();
  bool found = false;
  for (const auto& e : kubelet_->EventsFor("default", "web-node1")) {
    if (e.reason == "FailedSync" && e.message.find("killing the container failed: StopContainer app") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace kubenode::kubelet
