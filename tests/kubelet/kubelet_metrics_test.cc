#include "kubelet/kubelet_metrics.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;

bool HasLine(const std::string& text, const std::string& line) { return text.find("\n" + line + "\n") != std::string::npos; }

TEST(KubeletMetrics, RunningPodsAndContainersFromTheRelistedState) {
  metrics::Registry registry;
  KubeletMetrics m(registry);
  PodRuntimeState ready;
  ready.sandboxes.resize(1);
  ready.sandboxes[0].state = cri::SandboxState::kReady;
  ready.containers.resize(2);
  ready.containers[0].state = cri::ContainerState::kRunning;
  ready.containers[1].state = cri::ContainerState::kExited;
  PodRuntimeState stopped;
  stopped.sandboxes.resize(1);
  stopped.containers.resize(1);
  stopped.containers[0].state = cri::ContainerState::kExited;
  m.SetRuntimeState({{"a", ready}, {"b", stopped}});
  const std::string text = registry.Expose();
  EXPECT_TRUE(HasLine(text, "kubelet_running_pods 1")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_running_containers{container_state=\"running\"} 1")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_running_containers{container_state=\"exited\"} 2")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_running_containers{container_state=\"created\"} 0")) << text;
}

TEST(KubeletMetrics, PodStartDurationIsObservedOnceFromFirstSeenToFirstRunning) {
  metrics::Registry registry;
  KubeletMetrics m(registry);
  const auto t0 = std::chrono::steady_clock::time_point(1000s);
  m.PodSeen("u", t0);
  m.PodSeen("u", t0 + 1s);  // an update: still first seen at t0
  m.PodStatus("u", false, t0 + 2s);
  m.PodStatus("u", true, t0 + 7s);
  m.PodStatus("u", true, t0 + 9s);  // already started
  const std::string text = registry.Expose();
  EXPECT_TRUE(HasLine(text, "kubelet_pod_start_duration_seconds_bucket{le=\"6\"} 0")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pod_start_duration_seconds_bucket{le=\"8\"} 1")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pod_start_duration_seconds_sum 7")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pod_start_duration_seconds_count 1")) << text;
}

TEST(KubeletMetrics, RelistDurationAndIntervalAndNodeName) {
  metrics::Registry registry;
  KubeletMetrics m(registry);
  const auto t0 = std::chrono::steady_clock::time_point(1000s);
  m.ObserveRelist(t0, 3ms);
  m.ObserveRelist(t0 + 200ms, 2ms);
  m.SetNodeName("node-a");
  const std::string text = registry.Expose();
  EXPECT_TRUE(HasLine(text, "kubelet_pleg_relist_duration_seconds_count 2")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pleg_relist_duration_seconds_bucket{le=\"0.005\"} 2")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pleg_relist_interval_seconds_count 1")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pleg_relist_interval_seconds_bucket{le=\"0.25\"} 1")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_pleg_relist_interval_seconds_bucket{le=\"0.1\"} 0")) << text;
  EXPECT_TRUE(HasLine(text, "kubelet_node_name{node=\"node-a\"} 1")) << text;
  EXPECT_NE(text.find("# HELP kubelet_pleg_relist_duration_seconds [ALPHA] Duration in seconds for relisting pods in PLEG.\n"
                      "# TYPE kubelet_pleg_relist_duration_seconds histogram\n"),
            std::string::npos);
}

}  // namespace
}  // namespace kubenode::kubelet
