// QoS classes with upstream's qos_test.go shapes.
#include "kubelet/cm/qos.h"

#include <gtest/gtest.h>

#include "tests/kubelet/cm/resource_pods.h"

namespace kubenode::kubelet::cm {
namespace {

using testing::ContainerWith;
using testing::PodWith;

TEST(QOSTest, BestEffortWithoutCpuOrMemory) {
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {}, {}), ContainerWith("b", {}, {})})), QOSClass::kBestEffort);
  // Zero quantities count as unset; other resources do not count at all.
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {{"cpu", "0"}}, {{"memory", "0"}})})), QOSClass::kBestEffort);
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {}, {{"ephemeral-storage", "1Gi"}, {"hugepages-2Mi", "4Mi"}})})),
            QOSClass::kBestEffort);
}

TEST(QOSTest, GuaranteedWhenEveryContainerLimitsCpuAndMemoryEqualToRequests) {
  auto g = ContainerWith("a", {}, {{"cpu", "100m"}, {"memory", "100Mi"}});
  EXPECT_EQ(GetPodQOS(PodWith({g, ContainerWith("b", {}, {{"cpu", "1"}, {"memory", "1Gi"}})})), QOSClass::kGuaranteed);
  // Written differently, same value.
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {{"cpu", "0.1"}}, {{"cpu", "100m"}, {"memory", "100Mi"}})})),
            QOSClass::kGuaranteed);
  // Hugepages do not spoil it.
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {}, {{"cpu", "1"}, {"memory", "1Gi"}, {"hugepages-2Mi", "4Mi"}})})),
            QOSClass::kGuaranteed);
}

TEST(QOSTest, BurstableOtherwise) {
  auto g = ContainerWith("a", {}, {{"cpu", "100m"}, {"memory", "100Mi"}});
  EXPECT_EQ(GetPodQOS(PodWith({g, ContainerWith("b", {}, {})})), QOSClass::kBurstable);
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {{"memory", "64Mi"}}, {})})), QOSClass::kBurstable);
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {}, {{"memory", "64Mi"}})})), QOSClass::kBurstable);
  EXPECT_EQ(GetPodQOS(PodWith({ContainerWith("a", {{"cpu", "50m"}}, {{"cpu", "100m"}, {"memory", "100Mi"}})})),
            QOSClass::kBurstable);
  // Init containers count: a best-effort init container makes a guaranteed pod burstable.
  EXPECT_EQ(GetPodQOS(PodWith({g}, {ContainerWith("init", {}, {})})), QOSClass::kBurstable);
  EXPECT_EQ(GetPodQOS(PodWith({g}, {g})), QOSClass::kGuaranteed);
}

TEST(QOSTest, Names) {
  EXPECT_STREQ(ToString(QOSClass::kGuaranteed), "Guaranteed");
  EXPECT_STREQ(ToString(QOSClass::kBurstable), "Burstable");
  EXPECT_STREQ(ToString(QOSClass::kBestEffort), "BestEffort");
}

TEST(QOSTest, CriticalPods) {
  auto pod = PodWith({ContainerWith("a", {}, {})});
  EXPECT_FALSE(IsCriticalPod(pod));
  pod.spec.priority_class_name = "system-node-critical";
  EXPECT_FALSE(IsNodeCriticalPod(pod));  // an API pod without its resolved priority
  pod.spec.priority = 2000001000;
  EXPECT_TRUE(IsNodeCriticalPod(pod));
  pod.spec.priority.reset();
  pod.metadata.annotations["kubernetes.io/config.source"] = "file";  // static pods are critical
  EXPECT_TRUE(IsCriticalPod(pod));
  EXPECT_TRUE(IsNodeCriticalPod(pod));
  pod.spec.priority_class_name = "system-cluster-critical";
  EXPECT_TRUE(IsCriticalPod(pod));
  EXPECT_FALSE(IsNodeCriticalPod(pod));
}

}  // namespace
}  // namespace kubenode::kubelet::cm
