#include "kubelet/prober/probe_manager_impl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "fakes.h"
#include "test_server.h"

namespace kubenode::kubelet {
namespace {

using prober::testing::ExecRuntime;
using prober::testing::RecordingEventRecorder;
using prober::testing::TestServer;

// Waits for a condition that the worker threads will bring about; gives up after a minute so that a broken
// build fails instead of hanging. Nothing here asserts how long it took.
template <typename Pred>
bool Eventually(Pred pred) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

api::Probe Exec(const std::string& command, int failure_threshold = 1) {
  api::Probe probe;
  probe.handler.exec = api::ExecAction{{command}};
  probe.failure_threshold = failure_threshold;
  probe.period_seconds = 1;
  return probe;
}

api::Pod WebPod() {
  api::Pod pod;
  pod.metadata.name = "web-1";
  pod.metadata.ns = "shop";
  pod.metadata.uid = "uid-1";
  api::Container web;
  web.name = "web";
  pod.spec.containers = {web};
  return pod;
}

class ProbeManagerImplTest : public ::testing::Test {
 protected:
  ProbeManagerImplTest() {
    manager_.SetOnResultChange([this](const std::string& uid) {
      std::lock_guard lock(mu_);
      changed_.push_back(uid);
    });
  }

  std::vector<std::string> changed() {
    std::lock_guard lock(mu_);
    return changed_;
  }

  // Declared before the manager, so that they outlive its worker threads.
  ExecRuntime runtime_;
  RecordingEventRecorder recorder_;
  RealClock clock_;
  std::mutex mu_;
  std::vector<std::string> changed_;
  // One probe "second" is a millisecond.
  ProbeManagerImpl manager_{runtime_, recorder_, clock_, ProbeManagerOptions{std::chrono::milliseconds(1)}};
};

TEST_F(ProbeManagerImplTest, ContainersWithoutProbesAreSuccess) {
  manager_.SyncPod(WebPod(), "10.88.0.5", {{"web", "c1"}});
  EXPECT_EQ(manager_.WorkerCount(), 0u);
  for (ProbeType type : {ProbeType::kLiveness, ProbeType::kReadiness, ProbeType::kStartup}) {
    EXPECT_EQ(manager_.Get(type, "c1"), ProbeResult::kSuccess);
  }
}

TEST_F(ProbeManagerImplTest, InitialResultsAreThereWhenSyncPodReturns) {
  runtime_.Default("check", ExecRuntime::Exit(1));
  api::Pod pod = WebPod();
  pod.spec.containers[0].liveness_probe = Exec("check", 1000);
  pod.spec.containers[0].readiness_probe = Exec("check", 1000);
  pod.spec.containers[0].startup_probe = Exec("check", 1000);
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  EXPECT_EQ(manager_.WorkerCount(), 3u);
  EXPECT_EQ(manager_.Get(ProbeType::kLiveness, "c1"), ProbeResult::kSuccess);
  EXPECT_EQ(manager_.Get(ProbeType::kReadiness, "c1"), ProbeResult::kFailure);
  EXPECT_EQ(manager_.Get(ProbeType::kStartup, "c1"), ProbeResult::kUnknown);
}

TEST_F(ProbeManagerImplTest, ReadinessSuccessIsReportedThroughTheCallback) {
  api::Pod pod = WebPod();
  pod.spec.containers[0].readiness_probe = Exec("ready");
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  ASSERT_TRUE(Eventually([&] { return manager_.Get(ProbeType::kReadiness, "c1") == ProbeResult::kSuccess; }));
  ASSERT_TRUE(Eventually([&] { return !changed().empty(); }));
  EXPECT_EQ(changed()[0], "uid-1");
  EXPECT_EQ(runtime_.calls()[0].container_id, "c1");
}

TEST_F(ProbeManagerImplTest, LivenessFailureStaysUntilTheContainerIsReplaced) {
  runtime_.Default("alive", ExecRuntime::Exit(1, "dead"));
  api::Pod pod = WebPod();
  pod.spec.containers[0].liveness_probe = Exec("alive", 3);
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  ASSERT_TRUE(Eventually([&] { return !changed().empty(); }));
  EXPECT_EQ(manager_.Get(ProbeType::kLiveness, "c1"), ProbeResult::kFailure);
  EXPECT_EQ(changed(), std::vector<std::string>{"uid-1"});
  EXPECT_EQ(runtime_.CallCount("alive"), 3);  // held: no more probes of c1
  std::vector<prober::testing::RecordedEvent> events = recorder_.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].reason, "Unhealthy");
  EXPECT_EQ(events[0].message, "Liveness probe failed: dead");
  EXPECT_EQ(events[0].object.field_path, "spec.containers{web}");

  // The kubelet kills c1; while nothing runs the result is Failure; then c2 starts healthy.
  manager_.SyncPod(pod, "10.88.0.5", {});
  EXPECT_EQ(manager_.Get(ProbeType::kLiveness, "c1"), ProbeResult::kFailure);
  runtime_.Default("alive", ExecRuntime::Exit(0));
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c2"}});
  EXPECT_EQ(manager_.Get(ProbeType::kLiveness, "c2"), ProbeResult::kSuccess);
  ASSERT_TRUE(Eventually([&] { return runtime_.calls().back().container_id == "c2"; }));
  EXPECT_EQ(manager_.Get(ProbeType::kLiveness, "c2"), ProbeResult::kSuccess);
}

TEST_F(ProbeManagerImplTest, LivenessAndReadinessStartAfterTheStartupProbe) {
  runtime_.Script("started", {ExecRuntime::Exit(1), ExecRuntime::Exit(1), ExecRuntime::Exit(1)});
  api::Pod pod = WebPod();
  pod.spec.containers[0].startup_probe = Exec("started", 10);
  pod.spec.containers[0].liveness_probe = Exec("alive");
  pod.spec.containers[0].readiness_probe = Exec("ready");
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  ASSERT_TRUE(Eventually([&] { return manager_.Get(ProbeType::kReadiness, "c1") == ProbeResult::kSuccess; }));
  EXPECT_EQ(manager_.Get(ProbeType::kStartup, "c1"), ProbeResult::kSuccess);

  // The first liveness and readiness commands ran after the fourth (successful) startup command.
  std::vector<ExecRuntime::Call> calls = runtime_.calls();
  auto first = [&](const std::string& command) {
    return std::find_if(calls.begin(), calls.end(), [&](const auto& c) { return c.command[0] == command; }) -
           calls.begin();
  };
  EXPECT_EQ(first("started"), 0);
  EXPECT_EQ(runtime_.CallCount("started"), 4);
  EXPECT_GE(first("ready"), 4);
  ASSERT_TRUE(Eventually([&] { return runtime_.CallCount("alive") > 0; }));
  calls = runtime_.calls();
  EXPECT_GE(first("alive"), 4);
  EXPECT_EQ(runtime_.CallCount("started"), 4) << "startup stops once the container has started";
}

TEST_F(ProbeManagerImplTest, HttpFailureEventsFromARealServer) {
  TestServer server([](const std::string&) { return TestServer::Response(500); });
  api::Pod pod = WebPod();
  pod.spec.containers[0].ports = {{.name = "http", .container_port = server.port()}};
  api::Probe probe;
  probe.handler.http_get = api::HTTPGetAction{};
  probe.handler.http_get->port = api::IntOrString::String("http");
  probe.failure_threshold = 2;
  pod.spec.containers[0].readiness_probe = probe;
  manager_.SyncPod(pod, "127.0.0.1", {{"web", "c1"}});
  ASSERT_TRUE(Eventually([&] { return recorder_.events().size() >= 2; }));
  EXPECT_EQ(recorder_.events()[0].message, "Readiness probe failed: HTTP probe failed with statuscode: 500");
  EXPECT_EQ(recorder_.events()[0].object.uid, "uid-1");
  EXPECT_EQ(recorder_.events()[0].object.field_path, "spec.containers{web}");
  EXPECT_EQ(manager_.Get(ProbeType::kReadiness, "c1"), ProbeResult::kFailure);  // its initial value, and after
}

TEST_F(ProbeManagerImplTest, ChangedProbeRestartsItsWorker) {
  api::Pod pod = WebPod();
  pod.spec.containers[0].readiness_probe = Exec("ready-v1");
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  ASSERT_TRUE(Eventually([&] { return runtime_.CallCount("ready-v1") > 0; }));

  pod.spec.containers[0].readiness_probe = Exec("ready-v2", 1000);
  runtime_.Default("ready-v2", ExecRuntime::Exit(1));
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  EXPECT_EQ(manager_.WorkerCount(), 1u);
  EXPECT_EQ(manager_.Get(ProbeType::kReadiness, "c1"), ProbeResult::kFailure) << "a new worker starts over";
  const int v1_calls = runtime_.CallCount("ready-v1");
  ASSERT_TRUE(Eventually([&] { return runtime_.CallCount("ready-v2") > 0; }));
  EXPECT_EQ(runtime_.CallCount("ready-v1"), v1_calls);
}

TEST_F(ProbeManagerImplTest, ProbeRemovedFromTheSpecStopsItsWorker) {
  api::Pod pod = WebPod();
  pod.spec.containers[0].readiness_probe = Exec("ready", 1000);
  pod.spec.containers[0].liveness_probe = Exec("alive", 1000);
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  EXPECT_EQ(manager_.WorkerCount(), 2u);
  pod.spec.containers[0].liveness_probe.reset();
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  EXPECT_EQ(manager_.WorkerCount(), 1u);
  EXPECT_EQ(manager_.Get(ProbeType::kLiveness, "c1"), ProbeResult::kSuccess);
}

TEST_F(ProbeManagerImplTest, RemovePodStopsWorkersAndForgetsResults) {
  runtime_.Default("ready", ExecRuntime::Exit(1));
  api::Pod pod = WebPod();
  pod.spec.containers[0].readiness_probe = Exec("ready", 1000);
  api::Pod other = WebPod();
  other.metadata.uid = "uid-2";
  other.spec.containers[0].readiness_probe = Exec("ready", 1000);
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  manager_.SyncPod(other, "10.88.0.6", {{"web", "c2"}});
  EXPECT_EQ(manager_.WorkerCount(), 2u);

  manager_.RemovePod("uid-1");
  EXPECT_EQ(manager_.WorkerCount(), 1u);
  EXPECT_EQ(manager_.Get(ProbeType::kReadiness, "c1"), ProbeResult::kSuccess);  // no probe any more
  EXPECT_EQ(manager_.Get(ProbeType::kReadiness, "c2"), ProbeResult::kFailure);
  manager_.RemovePod("uid-1");  // twice is fine
  manager_.RemovePod("uid-unknown");
}

TEST_F(ProbeManagerImplTest, CallbackMayReadResults) {
  auto seen = std::make_shared<std::atomic<int>>(0);
  manager_.SetOnResultChange([this, seen](const std::string&) {
    if (manager_.Get(ProbeType::kReadiness, "c1") == ProbeResult::kSuccess) ++*seen;
  });
  api::Pod pod = WebPod();
  pod.spec.containers[0].readiness_probe = Exec("ready");
  manager_.SyncPod(pod, "10.88.0.5", {{"web", "c1"}});
  ASSERT_TRUE(Eventually([&] { return *seen > 0; }));
}

TEST(ProbeManagerImplLifetimeTest, DestructionStopsRunningWorkers) {
  ExecRuntime runtime;
  RecordingEventRecorder recorder;
  RealClock clock;
  {
    ProbeManagerImpl manager(runtime, recorder, clock, ProbeManagerOptions{std::chrono::microseconds(100)});
    for (int i = 0; i < 5; ++i) {
      api::Pod pod = WebPod();
      pod.metadata.uid = "uid-" + std::to_string(i);
      pod.spec.containers[0].readiness_probe = Exec("ready");
      pod.spec.containers[0].liveness_probe = Exec("alive");
      manager.SyncPod(pod, "10.88.0.5", {{"web", "c" + std::to_string(i)}});
    }
    ASSERT_TRUE(Eventually([&] { return runtime.calls().size() >= 10; }));
  }  // joins every worker thread; a sanitizer build checks that nothing outlives the manager
}

}  // namespace
}  // namespace kubenode::kubelet
