#include "kubelet/printers/get_printers.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;

const api::Time kNow = api::Time(std::chrono::seconds(1'767'225'600));

PodWithStatus RunningPod() {
  PodWithStatus p;
  p.pod.metadata.name = "web-node1";
  p.pod.spec.node_name = "node1";
  p.pod.spec.containers.resize(2);
  p.status.phase = api::PodPhase::kRunning;
  p.status.pod_ip = "10.244.0.5";
  p.status.start_time = kNow - 125s;
  p.status.conditions = {{"Initialized", true, "", "", kNow}, {"Ready", true, "", "", kNow}};
  for (auto name : {"app", "sidecar"}) {
    api::ContainerStatus c;
    c.name = name;
    c.ready = true;
    c.state.running = api::ContainerStateRunning{kNow - 100s};
    p.status.container_statuses.push_back(c);
  }
  return p;
}

TEST(PrintersTest, GetPodsRunning) {
  EXPECT_EQ(PrintPods({RunningPod()}, kNow, false),
            "NAME        READY   STATUS    RESTARTS   AGE\n"
            "web-node1   2/2     Running   0          2m5s\n");
}

TEST(PrintersTest, GetPodsWideWithCrashLoopAndRestarts) {
  auto p = RunningPod();
  auto& c = p.status.container_statuses[0];
  c.ready = false;
  c.state = {};
  c.state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", ""};
  c.restart_count = 3;
  c.last_state.terminated = api::ContainerStateTerminated{1, 0, "Error", "", kNow - 60s, kNow - 45s, ""};
  EXPECT_EQ(PrintPods({p}, kNow, true),
            "NAME        READY   STATUS             RESTARTS      AGE    IP           NODE    NOMINATED NODE   READINESS GATES\n"
            "web-node1   1/2     CrashLoopBackOff   3 (45s ago)   2m5s   10.244.0.5   node1   <none>           <none>\n");
}

TEST(PrintersTest, StatusColumnCases) {
  auto p = RunningPod();
  p.status.container_statuses[0].state = {};
  p.status.container_statuses[0].state.waiting = api::ContainerStateWaiting{"ContainerCreating", ""};
  EXPECT_EQ(ComputePodRow(p, kNow).status, "ContainerCreating");

  p = RunningPod();
  p.pod.spec.init_containers.resize(1);
  p.status.conditions[0].status = false;
  api::ContainerStatus init;
  init.state.running = api::ContainerStateRunning{kNow};
  p.status.init_container_statuses = {init};
  EXPECT_EQ(ComputePodRow(p, kNow).status, "Init:0/1");

  p = RunningPod();
  for (auto& c : p.status.container_statuses) {
    c.state = {};
    c.state.terminated = api::ContainerStateTerminated{0, 0, "Completed", "", kNow, kNow, ""};
  }
  EXPECT_EQ(ComputePodRow(p, kNow).status, "Completed");
  p.status.container_statuses[1].state.terminated->reason = "Error";
  EXPECT_EQ(ComputePodRow(p, kNow).status, "Completed");  // kubectl reports the first container's reason last

  p = RunningPod();
  p.terminating = true;
  EXPECT_EQ(ComputePodRow(p, kNow).status, "Terminating");
}

TEST(PrintersTest, GetEventsAggregatesCounts) {
  RecordedEvent e;
  e.object = {"Pod", "default", "web-node1", "u", "spec.containers{app}"};
  e.type = EventType::kWarning;
  e.reason = "BackOff";
  e.message = "Back-off restarting failed container app in pod web-node1_default(u)";
  e.count = 3;
  e.first_timestamp = kNow - 120s;
  e.last_timestamp = kNow - 5s;
  EXPECT_EQ(PrintEvents({e}, kNow),
            "LAST SEEN         TYPE      REASON    OBJECT          MESSAGE\n"
            "5s (x3 over 2m)   Warning   BackOff   pod/web-node1   Back-off restarting failed container app in pod "
            "web-node1_default(u)\n");
}

}  // namespace
}  // namespace kubenode::kubelet
