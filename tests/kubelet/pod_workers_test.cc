#include "kubelet/pod_workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kubelet/kubelet.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;

// Records what the syncs did and lets the test hold them: a sync of a UID in `blocked` waits until the
// gate opens. Every wait is bounded (30 s) so that a broken PodWorkers fails the test instead of hanging it.
class Recorder {
 public:
  void Sync(const std::string& uid) {
    std::unique_lock lock(mu_);
    ++runs_[uid];
    const int now = ++in_flight_[uid];
    if (now > max_in_flight_[uid]) max_in_flight_[uid] = now;
    ++total_in_flight_;
    if (total_in_flight_ > max_total_in_flight_) max_total_in_flight_ = total_in_flight_;
    threads_[uid] = std::this_thread::get_id();
    cv_.notify_all();
    cv_.wait_for(lock, 30s, [&] { return open_ || !blocked_.contains(uid); });
    --in_flight_[uid];
    --total_in_flight_;
    cv_.notify_all();
  }
  void Block(const std::string& uid) {
    std::lock_guard lock(mu_);
    blocked_.insert(uid);
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits (bounded) until `n` syncs are in flight at once; returns how many are.
  int WaitInFlight(int n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 30s, [&] { return total_in_flight_ >= n; });
    return total_in_flight_;
  }
  int Runs(const std::string& uid) {
    std::lock_guard lock(mu_);
    return runs_[uid];
  }
  int MaxInFlight(const std::string& uid) {
    std::lock_guard lock(mu_);
    return max_in_flight_[uid];
  }
  int MaxTotalInFlight() {
    std::lock_guard lock(mu_);
    return max_total_in_flight_;
  }
  int TotalInFlight() {
    std::lock_guard lock(mu_);
    return total_in_flight_;
  }
  std::thread::id ThreadOf(const std::string& uid) {
    std::lock_guard lock(mu_);
    return threads_[uid];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::set<std::string> blocked_;
  std::map<std::string, int> runs_, in_flight_, max_in_flight_;
  std::map<std::string, std::thread::id> threads_;
  int total_in_flight_ = 0;
  int max_total_in_flight_ = 0;
};

std::string Uid(int i) { return "pod-" + std::to_string(i); }

TEST(PodWorkersTest, ThirtyPodsWhoseSyncsBlockAllRunAtOnce) {
  // 30 pods being deleted with a 30 s grace period each: none may wait for another's grace period.
  // The daemon's setting (KubeletConfig default), as the kubelet constructs its workers.
  Recorder rec;
  for (int i = 0; i < 30; ++i) rec.Block(Uid(i));
  PodWorkers workers([&](const std::string& uid) { rec.Sync(uid); }, KubeletConfig{}.pod_worker_threads);
  for (int i = 0; i < 30; ++i) workers.Enqueue(Uid(i));
  EXPECT_EQ(rec.WaitInFlight(30), 30);
  EXPECT_EQ(workers.ActiveRunners(), 30);
  rec.Open();
  workers.WaitIdle();
  for (int i = 0; i < 30; ++i) EXPECT_EQ(rec.Runs(Uid(i)), 1) << Uid(i);
  // Runners end with their pod's work: no thread is left behind.
  EXPECT_EQ(workers.ActiveRunners(), 0);
}

TEST(PodWorkersTest, PodsBeyondTheCapQueueAndRunWhenARunnerFinishes) {
  Recorder rec;
  for (int i = 0; i < 5; ++i) rec.Block(Uid(i));
  PodWorkers workers([&](const std::string& uid) { rec.Sync(uid); }, 2);
  for (int i = 0; i < 5; ++i) workers.Enqueue(Uid(i));
  EXPECT_EQ(rec.WaitInFlight(2), 2);
  EXPECT_EQ(workers.ActiveRunners(), 2);
  EXPECT_EQ(rec.Runs(Uid(2)) + rec.Runs(Uid(3)) + rec.Runs(Uid(4)), 0);
  rec.Open();
  workers.WaitIdle();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rec.Runs(Uid(i)), 1) << Uid(i);
  EXPECT_LE(rec.MaxTotalInFlight(), 2);
}

TEST(PodWorkersTest, RequestsDuringASyncCoalesceIntoOneRerun) {
  Recorder rec;
  rec.Block("a");
  PodWorkers workers([&](const std::string& uid) { rec.Sync(uid); }, PodWorkers::kMaxConcurrentPods);
  workers.Enqueue("a");
  ASSERT_EQ(rec.WaitInFlight(1), 1);
  for (int i = 0; i < 10; ++i) workers.Enqueue("a");
  rec.Open();
  workers.WaitIdle();
  EXPECT_EQ(rec.Runs("a"), 2);
  EXPECT_EQ(rec.MaxInFlight("a"), 1);
}

TEST(PodWorkersTest, OneUidNeverSyncsTwiceAtOnce) {
  // Four producers hammer three UIDs (PLEG, probes, sources and back-off all enqueue concurrently).
  Recorder rec;
  PodWorkers workers([&](const std::string& uid) { rec.Sync(uid); }, PodWorkers::kMaxConcurrentPods);
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) workers.Enqueue(Uid(i % 3));
    });
  }
  for (auto& t : producers) t.join();
  workers.WaitIdle();
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(rec.Runs(Uid(i)), 1) << Uid(i);
    EXPECT_EQ(rec.MaxInFlight(Uid(i)), 1) << Uid(i);
  }
}

TEST(PodWorkersTest, StopWaitsForRunningSyncsAndDropsQueuedWork) {
  Recorder rec;
  for (int i = 0; i < 3; ++i) rec.Block(Uid(i));
  PodWorkers workers([&](const std::string& uid) { rec.Sync(uid); }, PodWorkers::kMaxConcurrentPods);
  for (int i = 0; i < 3; ++i) workers.Enqueue(Uid(i));
  ASSERT_EQ(rec.WaitInFlight(3), 3);
  workers.Enqueue(Uid(0));  // a re-run that Stop drops
  auto stopped = std::async(std::launch::async, [&] {
    workers.Stop();
    return rec.TotalInFlight();
  });
  // Open the gate only once Stop has begun; before that, the queued re-run would rightly run.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!workers.Stopping() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(workers.Stopping());
  rec.Open();
  EXPECT_EQ(stopped.get(), 0);  // Stop returned only after every running sync did
  EXPECT_EQ(workers.ActiveRunners(), 0);
  workers.Enqueue(Uid(5));
  workers.WaitIdle();
  EXPECT_EQ(rec.Runs(Uid(0)), 1);
  EXPECT_EQ(rec.Runs(Uid(5)), 0);
}

TEST(PodWorkersTest, ASyncThrowingANonStandardExceptionKeepsTheWorkersAlive) {
  std::atomic<int> runs{0};
  PodWorkers workers(
      [&](const std::string& uid) {
        ++runs;
        if (uid == "bad") throw 42;
      },
      PodWorkers::kMaxConcurrentPods);
  workers.Enqueue("bad");
  workers.WaitIdle();
  workers.Enqueue("bad");
  workers.Enqueue("good");
  workers.WaitIdle();
  EXPECT_EQ(runs.load(), 3);
}

TEST(PodWorkersTest, InlineModeRunsEverythingInTheCallerAndSurvivesThrows) {
  Recorder rec;
  int self_requeues = 0;
  PodWorkers* self = nullptr;
  PodWorkers workers(
      [&](const std::string& uid) {
        rec.Sync(uid);
        if (uid == "again" && self_requeues++ == 0) self->Enqueue(uid);  // e.g. a probe result during the sync
        if (uid == "bad") throw "not a std::exception";
      },
      0);
  self = &workers;
  workers.Enqueue("bad");
  workers.Enqueue("again");
  workers.Enqueue("c");
  EXPECT_EQ(workers.ActiveRunners(), 0);
  EXPECT_EQ(rec.Runs("c"), 0);  // nothing runs by itself
  workers.RunPending();
  EXPECT_EQ(rec.Runs("bad"), 1);
  EXPECT_EQ(rec.Runs("again"), 2);
  EXPECT_EQ(rec.Runs("c"), 1);
  EXPECT_EQ(rec.ThreadOf("c"), std::this_thread::get_id());
  workers.WaitIdle();  // idle: returns at once
}

}  // namespace
}  // namespace kubenode::kubelet
