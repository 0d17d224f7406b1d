// BuildPodStatus's start time: kept from the previous status, else the oldest sandbox's creation (so a restarted
// daemon that adopts a pod does not show it as new), else now.
#include "kubelet/status/status_builder.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;

api::Pod WebPod() {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.uid = "uid-1";
  pod.spec.containers.push_back({});
  pod.spec.containers.back().name = "app";
  return pod;
}

cri::PodSandboxStatus SandboxCreatedAt(api::Time t) {
  cri::PodSandboxStatus s;
  s.id = "sb";
  s.created_at_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return s;
}

TEST(StatusBuilderTest, StartTimeOfAnAdoptedPodIsItsSandboxCreation) {
  const api::Pod pod = WebPod();
  const api::Time now = std::chrono::system_clock::now();
  PodRuntimeState state;
  state.uid = "uid-1";
  state.sandboxes = {SandboxCreatedAt(now - 2h), SandboxCreatedAt(now - 5h)};  // newest first
  const ReasonMap reasons;
  auto st = BuildPodStatus({pod, state, reasons, nullptr, "192.0.2.2", now, nullptr});
  ASSERT_TRUE(st.start_time.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(now - *st.start_time).count(), 5 * 3600);

  api::PodStatus previous;
  previous.start_time = now - 1h;
  st = BuildPodStatus({pod, state, reasons, nullptr, "192.0.2.2", now, &previous});
  EXPECT_EQ(st.start_time, previous.start_time);

  state.sandboxes.clear();
  st = BuildPodStatus({pod, state, reasons, nullptr, "192.0.2.2", now, nullptr});
  EXPECT_EQ(st.start_time, now);
}

}  // namespace
}  // namespace kubenode::kubelet
