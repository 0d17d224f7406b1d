// LinuxContainerResources with upstream's kuberuntime_container_linux_test.go and qos/policy_test.go numbers.
#include "kubelet/runtime/container_resources.h"

#include <gtest/gtest.h>

#include "kubelet/runtime/cri_configs.h"
#include "tests/kubelet/cm/resource_pods.h"

namespace kubenode::kubelet {
namespace {

using testing::ContainerWith;
using testing::PodWith;

constexpr int64_t kCapacity = 4'000'000'000;  // policy_test.go's standardMemoryAmount

MachineInfo Machine() { return {kCapacity, 4000, {"2MB", "1GB"}}; }

TEST(ContainerResourcesTest, CpuAndMemoryFromRequestsAndLimits) {
  auto pod = PodWith({ContainerWith("a", {{"cpu", "100m"}, {"memory", "32Mi"}}, {{"cpu", "200m"}, {"memory", "64Mi"}})});
  auto r = GenerateLinuxContainerResources(pod, pod.spec.containers[0], Machine());
  EXPECT_EQ(r.cpu_shares, 102);
  EXPECT_EQ(r.cpu_quota, 20000);
  EXPECT_EQ(r.cpu_period, 100000);
  EXPECT_EQ(r.memory_limit_in_bytes, 67108864);
}

TEST(ContainerResourcesTest, NoResourcesMeansMinimumSharesAndNoLimits) {
  auto pod = PodWith({ContainerWith("a", {}, {})});
  auto r = GenerateLinuxContainerResources(pod, pod.spec.containers[0], Machine());
  EXPECT_EQ(r.cpu_shares, 2);
  EXPECT_EQ(r.cpu_quota, 0);
  EXPECT_EQ(r.cpu_period, 100000);
  EXPECT_EQ(r.memory_limit_in_bytes, 0);
  EXPECT_EQ(r.oom_score_adj, 1000);
}

TEST(ContainerResourcesTest, LimitWithoutRequestGivesSharesFromTheLimit) {
  // Containers from before request defaulting (upstream repeats the apiserver's default).
  auto pod = PodWith({ContainerWith("a", {}, {})});
  pod.spec.containers[0].resources.limits["cpu"] = api::ParseQuantity("1").value();
  auto r = GenerateLinuxContainerResources(pod, pod.spec.containers[0], Machine());
  EXPECT_EQ(r.cpu_shares, 1024);
  EXPECT_EQ(r.cpu_quota, 100000);
}

TEST(ContainerResourcesTest, HugepageLimitsForEveryHostPageSize) {
  auto pod = PodWith({ContainerWith("a", {}, {{"cpu", "1"}, {"memory", "1Gi"}, {"hugepages-2Mi", "6Mi"}})});
  auto r = GenerateLinuxContainerResources(pod, pod.spec.containers[0], Machine());
  ASSERT_EQ(r.hugepage_limits.size(), 2u);
  EXPECT_EQ(r.hugepage_limits[0], (cri::HugepageLimit{"2MB", 6291456}));
  EXPECT_EQ(r.hugepage_limits[1], (cri::HugepageLimit{"1GB", 0}));
}

TEST(ContainerResourcesTest, OOMScoreAdjustPerQOS) {
  auto guaranteed = PodWith({ContainerWith("a", {}, {{"cpu", "1"}, {"memory", "1Gi"}})});
  EXPECT_EQ(ContainerOOMScoreAdjust(guaranteed, guaranteed.spec.containers[0], kCapacity), -997);
  auto besteffort = PodWith({ContainerWith("a", {}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(besteffort, besteffort.spec.containers[0], kCapacity), 1000);

  // Burstable: 1000 - 1000 × request / capacity, within [3, 999].
  auto quarter = PodWith({ContainerWith("a", {{"memory", "1000000000"}}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(quarter, quarter.spec.containers[0], kCapacity), 750);
  auto tiny = PodWith({ContainerWith("a", {{"memory", "1"}}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(tiny, tiny.spec.containers[0], kCapacity), 999);
  auto cpu_only = PodWith({ContainerWith("a", {{"cpu", "100m"}}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(cpu_only, cpu_only.spec.containers[0], kCapacity), 999);
  auto huge = PodWith({ContainerWith("a", {{"memory", "4000000000"}}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(huge, huge.spec.containers[0], kCapacity), 3);
  auto more = PodWith({ContainerWith("a", {{"memory", "10G"}}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(more, more.spec.containers[0], kCapacity), 3);
  // Per container: the other container's request does not count.
  auto two = PodWith({ContainerWith("a", {{"memory", "2000000000"}}, {}), ContainerWith("b", {}, {})});
  EXPECT_EQ(ContainerOOMScoreAdjust(two, two.spec.containers[0], kCapacity), 500);
  EXPECT_EQ(ContainerOOMScoreAdjust(two, two.spec.containers[1], kCapacity), 999);
}

TEST(ContainerResourcesTest, NodeCriticalStaticPodsAreProtectedLikeGuaranteed) {
  // kubeadm's control-plane pods: static, system-node-critical, Burstable.
  auto pod = PodWith({ContainerWith("etcd", {{"cpu", "100m"}, {"memory", "100Mi"}}, {})});
  pod.metadata.annotations["kubernetes.io/config.source"] = "file";
  pod.spec.priority_class_name = "system-node-critical";
  EXPECT_EQ(ContainerOOMScoreAdjust(pod, pod.spec.containers[0], kCapacity), -997);
  pod.spec.priority_class_name = "system-cluster-critical";
  EXPECT_GT(ContainerOOMScoreAdjust(pod, pod.spec.containers[0], kCapacity), 900);
}

TEST(ContainerResourcesTest, BuildContainerConfigCarriesResourcesAndSandboxTheCgroupParent) {
  auto pod = PodWith({ContainerWith("a", {}, {{"memory", "64Mi"}})});
  auto config = BuildContainerConfig(pod, pod.spec.containers[0], false, 0, "busybox", {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->resources.has_value());
  EXPECT_EQ(config->resources->memory_limit_in_bytes, 67108864);
  EXPECT_EQ(BuildSandboxConfig(pod, 0, "/var/log/pods", "/kubepods/burstable/pod1234-abcd").cgroup_parent,
            "/kubepods/burstable/pod1234-abcd");
  EXPECT_EQ(BuildSandboxConfig(pod, 0, "/var/log/pods").cgroup_parent, "");
}

TEST(ContainerResourcesTest, HostMachineInfoIsRead) {
  EXPECT_GT(HostMachineInfo().memory_capacity, 0);
  EXPECT_GE(HostMachineInfo().milli_cpu, 1000);
}

}  // namespace
}  // namespace kubenode::kubelet
