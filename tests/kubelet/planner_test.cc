#include "kubelet/runtime/planner.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/runtime/labels.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;

api::Container MakeContainer(const std::string& name, const std::string& image = "nginx:latest") {
  api::Container c;
  c.name = name;
  c.image = image;
  return c;
}

api::Pod MakePod(std::vector<std::string> containers, std::vector<std::string> inits = {}) {
  api::Pod pod;
  pod.metadata.name = "web-node1";
  pod.metadata.ns = "default";
  pod.metadata.uid = "uid-1";
  for (const auto& n : containers) pod.spec.containers.push_back(MakeContainer(n));
  for (const auto& n : inits) pod.spec.init_containers.push_back(MakeContainer(n, "busybox"));
  return pod;
}

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() : backoff_(clock_, 10s, 300s) { state_.uid = "uid-1"; }

  cri::PodSandboxStatus& AddSandbox(cri::SandboxState st = cri::SandboxState::kReady, uint32_t attempt = 0,
                                    std::string ip = "10.244.0.2") {
    cri::PodSandboxStatus s;
    s.id = "sb" + std::to_string(state_.sandboxes.size());
    s.metadata = {"web-node1", "uid-1", "default", attempt};
    s.state = st;
    s.ip = ip;
    s.created_at_ns = ++created_;
    state_.sandboxes.insert(state_.sandboxes.begin(), s);  // newest first
    return state_.sandboxes.front();
  }

  RuntimeContainer& AddContainer(const api::Pod& pod, const std::string& name, cri::ContainerState st,
                                 int32_t exit_code = 0, bool is_init = false) {
    RuntimeContainer c;
    c.id = name + "-" + std::to_string(state_.containers.size());
    c.name = name;
    c.is_init = is_init;
    c.state = st;
    c.exit_code = exit_code;
    c.created_at = clock_.WallNow() + std::chrono::nanoseconds(++created_);
    c.started_at = clock_.WallNow();
    if (st == cri::ContainerState::kExited) c.finished_at = clock_.WallNow();
    const auto& spec = is_init ? pod.spec.init_containers : pod.spec.containers;
    for (const auto& sc : spec) {
      if (sc.name == name) c.hash = HashContainer(sc);
    }
    c.sandbox_id = state_.sandboxes.empty() ? "" : state_.sandboxes.front().id;
    state_.containers.insert(state_.containers.begin(), c);
    return state_.containers.front();
  }

  PodActions Plan(const api::Pod& pod) { return ComputePodActions({pod, state_, backoff_, probes_}); }

  FakeClock clock_;
  Backoff backoff_;
  PodRuntimeState state_;
  ProbeLookup probes_;
  int64_t created_ = 0;
};

TEST_F(PlannerTest, NewPodCreatesSandboxAndStartsAllContainers) {
  auto pod = MakePod({"app", "sidecar"});
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_TRUE(a.kill_pod);  // nothing to kill, but upstream sets both together
  EXPECT_EQ(a.attempt, 0u);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0, 1}));
  EXPECT_FALSE(a.next_init_container);
}

TEST_F(PlannerTest, HealthyPodNeedsNothing) {
  auto pod = MakePod({"app"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  auto a = Plan(pod);
  EXPECT_TRUE(a.Empty());
  EXPECT_EQ(a.sandbox_id, "sb0");
}

TEST_F(PlannerTest, MissingContainerIsStartedInExistingSandbox) {
  auto pod = MakePod({"app", "sidecar"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  auto a = Plan(pod);
  EXPECT_FALSE(a.create_sandbox);
  EXPECT_FALSE(a.kill_pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{1}));
}

TEST_F(PlannerTest, SandboxNotReadyKillsAllAndCreatesNextAttempt) {
  auto pod = MakePod({"app"});
  AddSandbox(cri::SandboxState::kNotReady, 2);
  AddContainer(pod, "app", cri::ContainerState::kExited, 137);
  auto a = Plan(pod);
  EXPECT_TRUE(a.kill_pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.attempt, 3u);
  EXPECT_EQ(a.sandbox_id, "sb0");
}

TEST_F(PlannerTest, SandboxWithoutIPIsReplaced) {
  auto pod = MakePod({"app"});
  AddSandbox(cri::SandboxState::kReady, 0, "");
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.attempt, 1u);
}

TEST_F(PlannerTest, HostNetworkChangeReplacesSandbox) {
  auto pod = MakePod({"app"});
  pod.spec.host_network = true;
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.sandbox_id, "");
}

TEST_F(PlannerTest, TwoReadySandboxesAreReplaced) {
  auto pod = MakePod({"app"});
  AddSandbox(cri::SandboxState::kReady, 0);
  AddSandbox(cri::SandboxState::kReady, 1);
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.attempt, 2u);
}

TEST_F(PlannerTest, NeverPolicyFinishedPodGetsNoNewSandbox) {
  auto pod = MakePod({"job"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox(cri::SandboxState::kNotReady, 0);
  AddContainer(pod, "job", cri::ContainerState::kExited, 0);
  auto a = Plan(pod);
  EXPECT_TRUE(a.kill_pod);
  EXPECT_FALSE(a.create_sandbox);
  EXPECT_TRUE(a.containers_to_start.empty());
}

TEST_F(PlannerTest, OnFailureSucceededContainersAreNotRestartedWithNewSandbox) {
  auto pod = MakePod({"done", "failed"});
  pod.spec.restart_policy = api::RestartPolicy::kOnFailure;
  AddSandbox(cri::SandboxState::kNotReady, 0);
  AddContainer(pod, "done", cri::ContainerState::kExited, 0);
  AddContainer(pod, "failed", cri::ContainerState::kExited, 1);
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{1}));
}

TEST_F(PlannerTest, OnFailureAllSucceededKillsPodWithoutNewSandbox) {
  auto pod = MakePod({"done"});
  pod.spec.restart_policy = api::RestartPolicy::kOnFailure;
  AddSandbox(cri::SandboxState::kNotReady, 0);
  AddContainer(pod, "done", cri::ContainerState::kExited, 0);
  auto a = Plan(pod);
  EXPECT_TRUE(a.kill_pod);
  EXPECT_FALSE(a.create_sandbox);
}

TEST_F(PlannerTest, AlwaysRestartsExitedContainerFirstTimeWithoutBackOff) {
  auto pod = MakePod({"app"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kExited, 0);
  auto a = Plan(pod);
  EXPECT_FALSE(a.kill_pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
  EXPECT_TRUE(a.backoffs.empty());
}

TEST_F(PlannerTest, OnFailureDoesNotRestartSuccessButRestartsFailure) {
  auto pod = MakePod({"ok", "bad"});
  pod.spec.restart_policy = api::RestartPolicy::kOnFailure;
  AddSandbox();
  AddContainer(pod, "ok", cri::ContainerState::kExited, 0);
  AddContainer(pod, "bad", cri::ContainerState::kExited, 2);
  auto a = Plan(pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{1}));
  EXPECT_FALSE(a.kill_pod);
}

TEST_F(PlannerTest, NeverPolicyAllExitedKillsPod) {
  auto pod = MakePod({"a", "b"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox();
  AddContainer(pod, "a", cri::ContainerState::kExited, 0);
  AddContainer(pod, "b", cri::ContainerState::kExited, 1);
  auto a = Plan(pod);
  EXPECT_TRUE(a.kill_pod);
  EXPECT_FALSE(a.create_sandbox);
  EXPECT_TRUE(a.containers_to_start.empty());
}

TEST_F(PlannerTest, NeverPolicyKeepsPodWhileOneRuns) {
  auto pod = MakePod({"a", "b"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox();
  AddContainer(pod, "a", cri::ContainerState::kExited, 1);
  AddContainer(pod, "b", cri::ContainerState::kRunning);
  auto a = Plan(pod);
  EXPECT_TRUE(a.Empty());
}

TEST_F(PlannerTest, CreatedOrUnknownContainersAreRestartedEvenWithNever) {
  auto pod = MakePod({"a", "b"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox();
  AddContainer(pod, "a", cri::ContainerState::kCreated);
  auto& unknown = AddContainer(pod, "b", cri::ContainerState::kUnknown);
  const auto unknown_id = unknown.id;
  auto a = Plan(pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0, 1}));
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].id, unknown_id);
  EXPECT_EQ(a.containers_to_kill[0].reason, KillReason::kUnknownState);
}

TEST_F(PlannerTest, SpecChangeKillsAndRestartsOnlyThatContainer) {
  auto pod = MakePod({"app", "sidecar"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  AddContainer(pod, "sidecar", cri::ContainerState::kRunning);
  pod.spec.containers[1].image = "busybox:2";
  auto a = Plan(pod);
  EXPECT_FALSE(a.kill_pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{1}));
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].name, "sidecar");
  EXPECT_EQ(a.containers_to_kill[0].reason, KillReason::kSpecChanged);
  EXPECT_EQ(a.containers_to_kill[0].message, "Container sidecar definition changed, will be restarted");
}

TEST_F(PlannerTest, SpecChangeRestartsEvenWithNeverPolicy) {
  auto pod = MakePod({"app"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  pod.spec.containers[0].args = {"--new"};
  auto a = Plan(pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
  EXPECT_EQ(a.containers_to_kill.size(), 1u);
}

TEST_F(PlannerTest, LivenessFailureRestartsContainer) {
  auto pod = MakePod({"app"});
  AddSandbox();
  const auto id = AddContainer(pod, "app", cri::ContainerState::kRunning).id;
  probes_ = [&](ProbeType t, const std::string& cid) {
    return t == ProbeType::kLiveness && cid == id ? ProbeResult::kFailure : ProbeResult::kSuccess;
  };
  auto a = Plan(pod);
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].reason, KillReason::kLivenessFailed);
  EXPECT_EQ(a.containers_to_kill[0].message, "Container app failed liveness probe, will be restarted");
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
}

TEST_F(PlannerTest, LivenessFailureWithNeverPolicyKillsWithoutRestartAndThenPod) {
  auto pod = MakePod({"app"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  probes_ = [](ProbeType t, const std::string&) { return t == ProbeType::kLiveness ? ProbeResult::kFailure : ProbeResult::kSuccess; };
  auto a = Plan(pod);
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].message, "Container app failed liveness probe");
  EXPECT_TRUE(a.containers_to_start.empty());
  EXPECT_TRUE(a.kill_pod);
}

TEST_F(PlannerTest, StartupFailureRestartsContainer) {
  auto pod = MakePod({"app"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  probes_ = [](ProbeType t, const std::string&) { return t == ProbeType::kStartup ? ProbeResult::kFailure : ProbeResult::kSuccess; };
  auto a = Plan(pod);
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].reason, KillReason::kStartupFailed);
}

TEST_F(PlannerTest, UnknownProbeResultKeepsContainer) {
  auto pod = MakePod({"app"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  probes_ = [](ProbeType, const std::string&) { return ProbeResult::kUnknown; };
  EXPECT_TRUE(Plan(pod).Empty());
}

TEST_F(PlannerTest, CrashLoopBackOffDelaysRestart) {
  auto pod = MakePod({"app"});
  AddSandbox();
  auto& c = AddContainer(pod, "app", cri::ContainerState::kExited, 1);
  const auto finished = c.finished_at;
  backoff_.Next(BackoffKey(pod, pod.spec.containers[0]), finished);  // the executor's record of a restart
  clock_.Advance(3s);
  auto a = Plan(pod);
  EXPECT_TRUE(a.containers_to_start.empty());
  ASSERT_EQ(a.backoffs.size(), 1u);
  EXPECT_EQ(a.backoffs[0].name, "app");
  EXPECT_EQ(a.backoffs[0].until, finished + 10s);
  EXPECT_EQ(a.backoffs[0].message, "back-off 10s restarting failed container=app pod=web-node1_default(uid-1)");
  EXPECT_FALSE(a.kill_pod);
  clock_.Advance(7s);
  a = Plan(pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
  EXPECT_TRUE(a.backoffs.empty());
}

TEST_F(PlannerTest, BackOffDoublesUpToFiveMinutes) {
  auto pod = MakePod({"app"});
  const auto key = BackoffKey(pod, pod.spec.containers[0]);
  std::vector<long> delays;
  for (int i = 0; i < 8; ++i) {
    backoff_.Next(key, clock_.WallNow());
    delays.push_back(std::chrono::duration_cast<std::chrono::seconds>(backoff_.Get(key)).count());
    clock_.Advance(1s);
  }
  EXPECT_EQ(delays, (std::vector<long>{10, 20, 40, 80, 160, 300, 300, 300}));
}

TEST_F(PlannerTest, BackOffResetsAfterTenMinutesOfRunning) {
  auto pod = MakePod({"app"});
  const auto key = BackoffKey(pod, pod.spec.containers[0]);
  for (int i = 0; i < 4; ++i) backoff_.Next(key, clock_.WallNow());
  EXPECT_EQ(backoff_.Get(key), 80s);
  clock_.Advance(11min);  // the container ran for 11 minutes, then exited
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kExited, 1);
  auto a = Plan(pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));  // not in back-off any more
  backoff_.Next(key, clock_.WallNow());
  EXPECT_EQ(backoff_.Get(key), 10s);
}

TEST_F(PlannerTest, SpecChangeGetsFreshBackOffKey) {
  auto pod = MakePod({"app"});
  AddSandbox();
  auto& c = AddContainer(pod, "app", cri::ContainerState::kExited, 1);
  backoff_.Next(BackoffKey(pod, pod.spec.containers[0]), c.finished_at);
  pod.spec.containers[0].image = "nginx:2";
  auto a = Plan(pod);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
  EXPECT_TRUE(a.backoffs.empty());
}

TEST_F(PlannerTest, InitContainersStartFirstWithNewSandbox) {
  auto pod = MakePod({"app"}, {"init1", "init2"});
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.next_init_container, 0u);
  EXPECT_TRUE(a.containers_to_start.empty());
}

TEST_F(PlannerTest, InitContainersRunInOrder) {
  auto pod = MakePod({"app"}, {"init1", "init2"});
  AddSandbox();
  AddContainer(pod, "init1", cri::ContainerState::kRunning, 0, true);
  auto a = Plan(pod);
  EXPECT_TRUE(a.Empty());  // wait for init1

  state_.containers.clear();
  AddContainer(pod, "init1", cri::ContainerState::kExited, 0, true);
  a = Plan(pod);
  EXPECT_EQ(a.next_init_container, 1u);
  EXPECT_TRUE(a.containers_to_start.empty());

  AddContainer(pod, "init2", cri::ContainerState::kExited, 0, true);
  a = Plan(pod);
  EXPECT_FALSE(a.next_init_container);
  EXPECT_EQ(a.containers_to_start, (std::vector<size_t>{0}));
}

TEST_F(PlannerTest, FailedInitContainerIsRetriedWithBackOff) {
  auto pod = MakePod({"app"}, {"init1"});
  AddSandbox();
  auto& c = AddContainer(pod, "init1", cri::ContainerState::kExited, 1, true);
  auto a = Plan(pod);
  EXPECT_EQ(a.next_init_container, 0u);
  backoff_.Next(BackoffKey(pod, pod.spec.init_containers[0]), c.finished_at);
  a = Plan(pod);
  EXPECT_FALSE(a.next_init_container);
  ASSERT_EQ(a.backoffs.size(), 1u);
  EXPECT_TRUE(a.backoffs[0].is_init);
}

TEST_F(PlannerTest, FailedInitContainerWithNeverPolicyKillsPod) {
  auto pod = MakePod({"app"}, {"init1"});
  pod.spec.restart_policy = api::RestartPolicy::kNever;
  AddSandbox();
  AddContainer(pod, "init1", cri::ContainerState::kExited, 1, true);
  auto a = Plan(pod);
  EXPECT_TRUE(a.kill_pod);
  EXPECT_FALSE(a.next_init_container);
}

TEST_F(PlannerTest, RunningMainContainerMeansInitDoneEvenIfInitsAreGone) {
  auto pod = MakePod({"app"}, {"init1"});
  AddSandbox();
  AddContainer(pod, "app", cri::ContainerState::kRunning);
  EXPECT_TRUE(Plan(pod).Empty());
}

TEST_F(PlannerTest, NewSandboxRestartsInitContainersFromTheFirst) {
  auto pod = MakePod({"app"}, {"init1"});
  AddSandbox(cri::SandboxState::kNotReady, 0);
  AddContainer(pod, "init1", cri::ContainerState::kExited, 0, true);
  AddContainer(pod, "app", cri::ContainerState::kExited, 137);
  auto a = Plan(pod);
  EXPECT_TRUE(a.create_sandbox);
  EXPECT_EQ(a.attempt, 1u);
  EXPECT_EQ(a.next_init_container, 0u);
}

TEST_F(PlannerTest, HashIgnoresNothingThatMatters) {
  auto a = MakeContainer("app");
  auto b = a;
  EXPECT_EQ(HashContainer(a), HashContainer(b));
  b.env.push_back({"X", "1"});
  EXPECT_NE(HashContainer(a), HashContainer(b));
  b = a;
  b.readiness_probe = api::Probe{};
  EXPECT_NE(HashContainer(a), HashContainer(b));
}

}  // namespace
}  // namespace kubenode::kubelet
