// The PLEG relist: two list RPCs on a steady node, a status RPC only for what changed, the same runtime
// view as a full read, and upstream's events.
#include "kubelet/pleg/generic_pleg.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/fake_clock.h"
#include "tests/kubelet/counting_runtime.h"
#include "tests/kubelet/fake_runtime.h"
#include "tests/kubelet/runtime_pods.h"

namespace kubenode::kubelet {
namespace {

using testing::AddRunningPod;
using testing::CountingRuntime;
using testing::FakeRuntime;
using testing::RuntimePod;

// Everything the kubelet reads from a PodRuntimeState, as text, so that two views compare in one EXPECT.
std::string Describe(const std::map<std::string, PodRuntimeState>& pods) {
  std::ostringstream out;
  for (const auto& [uid, pod] : pods) {
    out << uid << " " << pod.ns << "/" << pod.name << "\n";
    for (const auto& s : pod.sandboxes) {
      out << "  sandbox " << s.id << " state=" << static_cast<int>(s.state) << " ip=" << s.ip
          << " created=" << s.created_at_ns << " attempt=" << s.metadata.attempt << " labels=" << s.labels.size()
          << " annotations=" << s.annotations.size() << "\n";
    }
    for (const auto& c : pod.containers) {
      out << "  container " << c.id << " " << c.name << " sandbox=" << c.sandbox_id
          << " state=" << cri::ToString(c.state) << " exit=" << c.exit_code << " reason=" << c.reason
          << " created=" << c.created_at.time_since_epoch().count()
          << " started=" << c.started_at.time_since_epoch().count()
          << " finished=" << c.finished_at.time_since_epoch().count() << " hash=" << c.hash
          << " restarts=" << c.restart_count << " grace=" << c.grace_period_seconds << "\n";
    }
  }
  return out.str();
}

class GenericPlegTest : public ::testing::Test {
 protected:
  GenericPlegTest() : fake_(clock_), runtime_(fake_) {}

  std::vector<PlegEvent> Relist() {
    auto events = pleg_.Relist(runtime_);
    EXPECT_TRUE(events.ok()) << events.status().message();
    return events.ok() ? *events : std::vector<PlegEvent>{};
  }
  std::vector<RuntimePod> AddPods(int n) {
    std::vector<RuntimePod> pods;
    for (int i = 0; i < n; ++i) pods.push_back(AddRunningPod(fake_, "web-" + std::to_string(i)));
    return pods;
  }

  FakeClock clock_;
  FakeRuntime fake_;
  CountingRuntime runtime_;
  GenericPleg pleg_;
};

TEST_F(GenericPlegTest, SteadyRelistOfThirtyPodsIsTwoListCallsAndNoStatusCall) {
  AddPods(30);
  EXPECT_EQ(Relist().size(), 60u);  // first relist: every sandbox and container, against nothing
  runtime_.Reset();
  clock_.Advance(std::chrono::milliseconds(200));
  EXPECT_TRUE(Relist().empty());
  EXPECT_EQ(runtime_.Count("ListPodSandbox"), 1);
  EXPECT_EQ(runtime_.Count("ListContainers"), 1);
  EXPECT_EQ(runtime_.Total(), 2);
  EXPECT_EQ(pleg_.LastState().size(), 30u);
}

TEST_F(GenericPlegTest, AContainerThatChangedStateGetsTheOnlyStatusCall) {
  auto pods = AddPods(30);
  Relist();
  runtime_.Reset();
  clock_.Advance(std::chrono::seconds(3));
  fake_.ExitContainer(pods[7].container_ids[0], 1);
  auto events = Relist();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].pod_uid, pods[7].uid);
  EXPECT_EQ(events[0].type, PlegEventType::kContainerDied);
  EXPECT_EQ(events[0].id, pods[7].container_ids[0]);
  EXPECT_EQ(runtime_.Count("ContainerStatus"), 1);
  EXPECT_EQ(runtime_.Count("PodSandboxStatus"), 0);
  EXPECT_EQ(runtime_.Total(), 3);
  // The kept status is the new one: exit code, reason and finish time, as a full read gives them.
  const auto state = pleg_.LastState().at(pods[7].uid);
  ASSERT_EQ(state.containers.size(), 1u);
  EXPECT_EQ(state.containers[0].state, cri::ContainerState::kExited);
  EXPECT_EQ(state.containers[0].exit_code, 1);
  EXPECT_EQ(state.containers[0].reason, "Error");
  auto direct = fake_.ContainerStatusOf(pods[7].container_ids[0]);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(state.containers[0].finished_at, FromNanos(direct->finished_at_ns));
  EXPECT_GT(state.containers[0].finished_at, state.containers[0].started_at);
}

TEST_F(GenericPlegTest, NewAndChangedObjectsAreReadOnceAndTheViewMatchesAFullRead) {
  auto pods = AddPods(5);
  Relist();
  // A sandbox dies (its containers exit with it), a pod is added, a pod is removed.
  fake_.KillSandbox(pods[1].sandbox_id);
  auto added = AddRunningPod(fake_, "added", {"app", "sidecar"});
  ASSERT_TRUE(fake_.StopPodSandbox(pods[2].sandbox_id).ok());
  ASSERT_TRUE(fake_.RemovePodSandbox(pods[2].sandbox_id).ok());
  runtime_.Reset();
  auto events = Relist();
  EXPECT_EQ(runtime_.Count("PodSandboxStatus"), 2);  // the dead one and the new one
  EXPECT_EQ(runtime_.Count("ContainerStatus"), 3);   // the dead one and the new two
  auto full = ListPodRuntimeStates(fake_);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(Describe(pleg_.LastState()), Describe(*full));

  std::map<std::string, int> per_pod;
  for (const auto& e : events) ++per_pod[e.pod_uid];
  EXPECT_EQ(per_pod[pods[1].uid], 2);  // sandbox changed, container died
  EXPECT_EQ(per_pod[added.uid], 3);    // sandbox, two containers started
  EXPECT_EQ(per_pod[pods[2].uid], 2);  // sandbox gone, container removed
  EXPECT_EQ(per_pod.size(), 3u);

  // And a steady relist afterwards costs the two lists again.
  runtime_.Reset();
  EXPECT_TRUE(Relist().empty());
  EXPECT_EQ(runtime_.Total(), 2);
}

TEST_F(GenericPlegTest, AFailedRelistLosesNoEvent) {
  auto pods = AddPods(2);
  Relist();
  fake_.ExitContainer(pods[0].container_ids[0], 0);
  fake_.FailNext("ListContainers", "rpc error: code = Unavailable desc = connection refused");
  auto failed = pleg_.Relist(runtime_);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("PLEG relist: ListContainers"), std::string::npos)
      << failed.status().message();
  auto events = Relist();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, PlegEventType::kContainerDied);
  EXPECT_EQ(pleg_.LastState().at(pods[0].uid).containers[0].reason, "Completed");
}

TEST_F(GenericPlegTest, AContainerGoneBetweenListAndStatusIsLeftOut) {
  auto pods = AddPods(1);
  // The status call fails as for a container removed after the list: the pod has its sandbox only, and
  // the container is read again by the next relist.
  class StatusNotFound : public CountingRuntime {
   public:
    using CountingRuntime::CountingRuntime;
    bool fail = true;
    Result<cri::ContainerStatus> ContainerStatusOf(const std::string& id) override {
      if (fail) return Status::Error("rpc error: code = NotFound desc = container \"" + id + "\" not found");
      return CountingRuntime::ContainerStatusOf(id);
    }
  } racy(fake_);
  ASSERT_TRUE(pleg_.Relist(racy).ok());
  EXPECT_TRUE(pleg_.LastState().at(pods[0].uid).containers.empty());
  racy.fail = false;
  auto events = pleg_.Relist(racy);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, PlegEventType::kContainerStarted);
  EXPECT_EQ(racy.Count("ContainerStatus"), 1);
}

}  // namespace
}  // namespace kubenode::kubelet
