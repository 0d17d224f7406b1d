#include "kubelet/prober/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "base/fake_clock.h"
#include "fakes.h"

namespace kubenode::kubelet::prober {
namespace {

using testing::ScriptedProber;
constexpr ProbeResult kSuccess = ProbeResult::kSuccess;
constexpr ProbeResult kFailure = ProbeResult::kFailure;
constexpr ProbeResult kUnknown = ProbeResult::kUnknown;

api::Probe ExecProbeSpec() {
  api::Probe probe;
  probe.handler.exec = api::ExecAction{{"true"}};
  return probe;
}

// Drives workers round by round with DoProbe(); the thread is tested last.
class WorkerTest : public ::testing::Test {
 protected:
  // Waits (bounded) until the prober saw `n` readiness calls.
  bool WaitForReadinessCalls(int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (prober_.CallCount(ProbeType::kReadiness) < n) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  WorkerTest() {
    pod_.metadata.name = "web-1";
    pod_.metadata.uid = "uid-1";
    container_.name = "web";
    container_.liveness_probe = ExecProbeSpec();
    container_.readiness_probe = ExecProbeSpec();
  }

  ResultsCache& Cache(ProbeType type) {
    switch (type) {
      case ProbeType::kLiveness:
        return liveness_;
      case ProbeType::kReadiness:
        return readiness_;
      case ProbeType::kStartup:
        break;
    }
    return startup_;
  }

  std::unique_ptr<Worker> MakeWorker(ProbeType type) {
    WorkerEnv env{prober_, Cache(type), startup_, clock_, std::chrono::seconds(1), [this] { ++changes_; }};
    return std::make_unique<Worker>(type, pod_, container_, std::move(env));
  }

  // Runs `rounds` rounds of `worker`.
  static void Rounds(Worker& worker, int rounds) {
    for (int i = 0; i < rounds; ++i) worker.DoProbe();
  }

  FakeClock clock_;
  ScriptedProber prober_;
  ResultsCache liveness_;
  ResultsCache readiness_;
  ResultsCache startup_;
  std::atomic<int> changes_{0};
  api::Pod pod_;
  api::Container container_;
};

TEST_F(WorkerTest, InitialResultsPerProbeType) {
  container_.startup_probe = ExecProbeSpec();
  auto liveness = MakeWorker(ProbeType::kLiveness);
  auto readiness = MakeWorker(ProbeType::kReadiness);
  auto startup = MakeWorker(ProbeType::kStartup);
  for (Worker* worker : {liveness.get(), readiness.get(), startup.get()}) worker->Update("c1", "10.88.0.5");
  EXPECT_EQ(liveness_.Get("c1"), kSuccess);
  EXPECT_EQ(readiness_.Get("c1"), kFailure);
  EXPECT_EQ(startup_.Get("c1"), kUnknown);
  EXPECT_EQ(changes_, 0);  // the syncing caller knows already
}

TEST_F(WorkerTest, NoProbeWithoutARunningContainer) {
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->DoProbe();
  readiness->Update("", "10.88.0.5");
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 0u);
  EXPECT_EQ(readiness_.size(), 0u);
}

TEST_F(WorkerTest, ProbesTheContainerAtThePodIp) {
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->Update("c1", "10.88.0.5");
  readiness->DoProbe();
  ASSERT_EQ(prober_.calls().size(), 1u);
  EXPECT_EQ(prober_.calls()[0].type, ProbeType::kReadiness);
  EXPECT_EQ(prober_.calls()[0].container_id, "c1");
  EXPECT_EQ(prober_.calls()[0].pod_ip, "10.88.0.5");
}

TEST_F(WorkerTest, ReadinessFollowsThresholds) {
  container_.readiness_probe->success_threshold = 2;
  container_.readiness_probe->failure_threshold = 3;
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kReadiness, {kSuccess, kSuccess, kFailure, kFailure, kSuccess, kFailure, kFailure,
                                        kFailure, kSuccess, kSuccess});

  readiness->DoProbe();
  EXPECT_EQ(readiness_.Get("c1"), kFailure) << "one success of two";
  readiness->DoProbe();
  EXPECT_EQ(readiness_.Get("c1"), kSuccess);
  EXPECT_EQ(changes_, 1);

  Rounds(*readiness, 3);  // F F S: the run of failures is broken
  EXPECT_EQ(readiness_.Get("c1"), kSuccess);
  Rounds(*readiness, 2);
  EXPECT_EQ(readiness_.Get("c1"), kSuccess) << "two failures of three";
  readiness->DoProbe();
  EXPECT_EQ(readiness_.Get("c1"), kFailure);
  EXPECT_EQ(changes_, 2);

  Rounds(*readiness, 2);  // readiness keeps probing after failing
  EXPECT_EQ(readiness_.Get("c1"), kSuccess);
  EXPECT_EQ(changes_, 3);
}

TEST_F(WorkerTest, ResultChangeIsReportedOnlyOnChange) {
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->Update("c1", "10.88.0.5");
  Rounds(*readiness, 5);  // five successes
  EXPECT_EQ(readiness_.Get("c1"), kSuccess);
  EXPECT_EQ(changes_, 1);
}

TEST_F(WorkerTest, LivenessFailureHoldsUntilTheContainerIdChanges) {
  container_.liveness_probe->failure_threshold = 2;
  auto liveness = MakeWorker(ProbeType::kLiveness);
  liveness->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kLiveness, {kFailure, kFailure});

  liveness->DoProbe();
  EXPECT_EQ(liveness_.Get("c1"), kSuccess);
  liveness->DoProbe();
  EXPECT_EQ(liveness_.Get("c1"), kFailure);
  EXPECT_EQ(changes_, 1);

  Rounds(*liveness, 3);
  liveness->Update("c1", "10.88.0.5");  // the same container: still held
  liveness->DoProbe();
  EXPECT_EQ(prober_.CallCount(ProbeType::kLiveness), 2);
  EXPECT_EQ(liveness_.Get("c1"), kFailure);

  liveness->Update("c2", "10.88.0.5");  // restarted
  EXPECT_EQ(liveness_.Get("c1"), std::nullopt);
  EXPECT_EQ(liveness_.Get("c2"), kSuccess);
  liveness->DoProbe();
  EXPECT_EQ(prober_.CallCount(ProbeType::kLiveness), 3);
  EXPECT_EQ(prober_.calls().back().container_id, "c2");
}

TEST_F(WorkerTest, NewContainerStartsCountingAgain) {
  container_.liveness_probe->failure_threshold = 2;
  auto liveness = MakeWorker(ProbeType::kLiveness);
  liveness->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kLiveness, {kFailure, kFailure});
  liveness->DoProbe();              // one failure for c1
  liveness->Update("c2", "10.88.0.5");
  liveness->DoProbe();              // one failure for c2: below the threshold
  EXPECT_EQ(liveness_.Get("c2"), kSuccess);
}

TEST_F(WorkerTest, InitialDelayCountsFromWhenTheContainerWasSeen) {
  container_.readiness_probe->initial_delay_seconds = 10;
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->Update("c1", "10.88.0.5");
  readiness->DoProbe();
  clock_.Advance(std::chrono::seconds(9));
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 0u);
  clock_.Advance(std::chrono::seconds(1));
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 1u);

  readiness->Update("c2", "10.88.0.5");  // a new container waits again
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 1u);
  clock_.Advance(std::chrono::seconds(10));
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 2u);
}

TEST_F(WorkerTest, LivenessAndReadinessWaitForTheStartupProbe) {
  container_.startup_probe = ExecProbeSpec();
  container_.startup_probe->failure_threshold = 3;
  auto startup = MakeWorker(ProbeType::kStartup);
  auto liveness = MakeWorker(ProbeType::kLiveness);
  auto readiness = MakeWorker(ProbeType::kReadiness);
  for (Worker* worker : {startup.get(), liveness.get(), readiness.get()}) worker->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kStartup, {kFailure, kSuccess});

  liveness->DoProbe();
  readiness->DoProbe();
  startup->DoProbe();  // failure 1 of 3
  liveness->DoProbe();
  readiness->DoProbe();
  EXPECT_EQ(prober_.CallCount(ProbeType::kLiveness), 0);
  EXPECT_EQ(prober_.CallCount(ProbeType::kReadiness), 0);
  EXPECT_EQ(startup_.Get("c1"), kUnknown);

  startup->DoProbe();
  EXPECT_EQ(startup_.Get("c1"), kSuccess);
  liveness->DoProbe();
  readiness->DoProbe();
  EXPECT_EQ(prober_.CallCount(ProbeType::kLiveness), 1);
  EXPECT_EQ(prober_.CallCount(ProbeType::kReadiness), 1);
  EXPECT_EQ(readiness_.Get("c1"), kSuccess);

  startup->DoProbe();  // started: the startup probe is done
  EXPECT_EQ(prober_.CallCount(ProbeType::kStartup), 2);
}

TEST_F(WorkerTest, StartupFailureHoldsUntilTheContainerIdChanges) {
  container_.startup_probe = ExecProbeSpec();
  container_.startup_probe->failure_threshold = 2;
  auto startup = MakeWorker(ProbeType::kStartup);
  startup->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kStartup, {kFailure, kFailure});
  Rounds(*startup, 4);
  EXPECT_EQ(startup_.Get("c1"), kFailure);
  EXPECT_EQ(prober_.CallCount(ProbeType::kStartup), 2);
  startup->Update("c2", "10.88.0.5");
  EXPECT_EQ(startup_.Get("c2"), kUnknown);
  startup->DoProbe();
  EXPECT_EQ(startup_.Get("c2"), kSuccess);
}

TEST_F(WorkerTest, ContainerThatStopsRunningFails) {
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->Update("c1", "10.88.0.5");
  readiness->DoProbe();
  EXPECT_EQ(readiness_.Get("c1"), kSuccess);
  readiness->Update("", "10.88.0.5");
  EXPECT_EQ(readiness_.Get("c1"), kFailure);
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 1u);

  readiness->Update("c2", "10.88.0.5");
  EXPECT_EQ(readiness_.Get("c1"), std::nullopt);
  EXPECT_EQ(readiness_.Get("c2"), kFailure);
}

TEST_F(WorkerTest, ErroredRunsAreThrownAway) {
  container_.liveness_probe->failure_threshold = 2;
  auto liveness = MakeWorker(ProbeType::kLiveness);
  liveness->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kLiveness, {kFailure, kUnknown, kUnknown, kFailure});
  Rounds(*liveness, 3);
  EXPECT_EQ(liveness_.Get("c1"), kSuccess);
  liveness->DoProbe();
  EXPECT_EQ(liveness_.Get("c1"), kFailure) << "the errors neither counted nor broke the run";
}

TEST_F(WorkerTest, ResultOfAReplacedContainerIsDropped) {
  container_.liveness_probe->failure_threshold = 1;
  auto liveness = MakeWorker(ProbeType::kLiveness);
  liveness->Update("c1", "10.88.0.5");
  prober_.Queue(ProbeType::kLiveness, {kFailure});
  prober_.OnProbe([&] { liveness->Update("c2", "10.88.0.5"); });  // restarted while the probe ran
  liveness->DoProbe();
  EXPECT_EQ(liveness_.Get("c1"), std::nullopt);
  EXPECT_EQ(liveness_.Get("c2"), kSuccess);
  EXPECT_EQ(changes_, 0);
}

TEST_F(WorkerTest, StopRemovesTheResult) {
  auto readiness = MakeWorker(ProbeType::kReadiness);
  readiness->Update("c1", "10.88.0.5");
  readiness->Stop();
  EXPECT_EQ(readiness_.Get("c1"), std::nullopt);
  readiness->DoProbe();
  EXPECT_EQ(prober_.calls().size(), 0u);
}

TEST_F(WorkerTest, ThreadProbesEveryPeriodUntilStopped) {
  WorkerEnv env{prober_, readiness_, startup_, clock_, std::chrono::milliseconds(1), [this] { ++changes_; }};
  Worker readiness(ProbeType::kReadiness, pod_, container_, std::move(env));
  readiness.Update("c1", "10.88.0.5");
  readiness.Start();
  ASSERT_TRUE(WaitForReadinessCalls(3));
  readiness.Stop();
  const int calls = prober_.CallCount(ProbeType::kReadiness);
  readiness.Stop();  // idempotent
  EXPECT_EQ(prober_.CallCount(ProbeType::kReadiness), calls);
  EXPECT_EQ(changes_, 1);
  EXPECT_EQ(readiness_.Get("c1"), std::nullopt);
}

TEST_F(WorkerTest, TriggerProbesWithoutWaitingForThePeriod) {
  container_.readiness_probe->period_seconds = 3600;
  WorkerEnv env{prober_, readiness_, startup_, clock_, std::chrono::seconds(1), nullptr};
  Worker readiness(ProbeType::kReadiness, pod_, container_, std::move(env));
  readiness.Update("c1", "10.88.0.5");
  readiness.Start();
  ASSERT_TRUE(WaitForReadinessCalls(1));
  readiness.Trigger();
  EXPECT_TRUE(WaitForReadinessCalls(2)) << "Trigger did not probe (the period is an hour)";
  const auto stop_started = std::chrono::steady_clock::now();
  readiness.Stop();  // returns at once although the period is an hour
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::seconds(30));
}

}  // namespace
}  // namespace kubenode::kubelet::prober
