// CFS conversions and pod cgroup settings with upstream's helpers_linux_test.go numbers.
#include "kubelet/cm/resources.h"

#include <gtest/gtest.h>

#include "tests/kubelet/cm/resource_pods.h"

namespace kubenode::kubelet::cm {
namespace {

using testing::ContainerWith;
using testing::PodWith;

TEST(ResourcesTest, MilliCPUToShares) {
  EXPECT_EQ(MilliCPUToShares(0), 2);
  EXPECT_EQ(MilliCPUToShares(1), 2);  // 1 × 1024 / 1000 = 1, raised to the minimum
  EXPECT_EQ(MilliCPUToShares(2), 2);
  EXPECT_EQ(MilliCPUToShares(100), 102);
  EXPECT_EQ(MilliCPUToShares(200), 204);
  EXPECT_EQ(MilliCPUToShares(1000), 1024);
  EXPECT_EQ(MilliCPUToShares(256000), 262144);
  EXPECT_EQ(MilliCPUToShares(1000000), 262144);  // capped
  EXPECT_EQ(MilliCPUToShares(INT64_MAX), 262144);
}

TEST(ResourcesTest, MilliCPUToQuota) {
  EXPECT_EQ(MilliCPUToQuota(0, 100000), 0);
  EXPECT_EQ(MilliCPUToQuota(5, 100000), 1000);  // 500 raised to the kernel's minimum
  EXPECT_EQ(MilliCPUToQuota(9, 100000), 1000);
  EXPECT_EQ(MilliCPUToQuota(10, 100000), 1000);
  EXPECT_EQ(MilliCPUToQuota(200, 100000), 20000);
  EXPECT_EQ(MilliCPUToQuota(500, 100000), 50000);
  EXPECT_EQ(MilliCPUToQuota(1000, 100000), 100000);
  EXPECT_EQ(MilliCPUToQuota(1500, 100000), 150000);
}

TEST(ResourcesTest, HugePageNames) {
  EXPECT_EQ(HugePageSize("hugepages-2Mi"), 2097152);
  EXPECT_EQ(HugePageSize("hugepages-1Gi"), 1073741824);
  EXPECT_EQ(HugePageSize("memory"), std::nullopt);
  EXPECT_EQ(HugePageSize("hugepages-x"), std::nullopt);
  EXPECT_EQ(HugePageUnitSize(2097152), "2MB");
  EXPECT_EQ(HugePageUnitSize(1073741824), "1GB");
  EXPECT_EQ(HugePageUnitSize(65536), "64KB");
}

TEST(ResourcesTest, PodRequestsAndLimitsSumAppContainersAndTakeTheLargestInit) {
  auto pod = PodWith({ContainerWith("a", {{"cpu", "100m"}}, {{"memory", "64Mi"}}),
                      ContainerWith("b", {{"cpu", "200m"}}, {{"memory", "64Mi"}})},
                     {ContainerWith("i1", {{"cpu", "250m"}}, {{"memory", "32Mi"}}),
                      ContainerWith("i2", {{"cpu", "500m"}}, {})});
  auto requests = PodRequests(pod);
  EXPECT_EQ(requests["cpu"], 500);  // max(100m + 200m, 500m)
  EXPECT_EQ(requests["memory"], 128LL * 1024 * 1024 * 1000);
  auto limits = PodLimits(pod);
  EXPECT_EQ(limits["memory"], 128LL * 1024 * 1024 * 1000);
  EXPECT_FALSE(limits.contains("cpu"));
}

TEST(ResourcesTest, GuaranteedPodGetsSharesQuotaAndMemory) {
  auto pod = PodWith({ContainerWith("a", {}, {{"cpu", "100m"}, {"memory", "100Mi"}}),
                      ContainerWith("b", {}, {{"cpu", "100m"}, {"memory", "100Mi"}})});
  ResourceConfig c = ResourceConfigForPod(pod);
  EXPECT_EQ(c.cpu_shares, 204);
  EXPECT_EQ(c.cpu_quota, 20000);
  EXPECT_EQ(c.cpu_period, 100000);
  EXPECT_EQ(c.memory, 200LL * 1024 * 1024);
  EXPECT_TRUE(c.hugepage_limits.empty());
}

TEST(ResourcesTest, BurstablePodGetsLimitsOnlyWhenEveryContainerDeclaresThem) {
  // Memory limited everywhere, cpu only requested: shares and memory, no quota.
  auto pod = PodWith({ContainerWith("a", {{"cpu", "100m"}}, {{"memory", "64Mi"}}),
                      ContainerWith("b", {{"cpu", "200m"}}, {{"memory", "64Mi"}})});
  ResourceConfig c = ResourceConfigForPod(pod);
  EXPECT_EQ(c.cpu_shares, 307);  // 300m
  EXPECT_EQ(c.cpu_quota, std::nullopt);
  EXPECT_EQ(c.cpu_period, std::nullopt);
  EXPECT_EQ(c.memory, 128LL * 1024 * 1024);

  // One container without a memory limit: no pod memory limit; cpu limited in both: quota.
  pod = PodWith({ContainerWith("a", {}, {{"cpu", "100m"}, {"memory", "64Mi"}}), ContainerWith("b", {}, {{"cpu", "1"}})});
  c = ResourceConfigForPod(pod);
  EXPECT_EQ(c.cpu_shares, 1126);  // 1100m
  EXPECT_EQ(c.cpu_quota, 110000);
  EXPECT_EQ(c.cpu_period, 100000);
  EXPECT_EQ(c.memory, std::nullopt);
}

TEST(ResourcesTest, BestEffortPodGetsMinimumShares) {
  ResourceConfig c = ResourceConfigForPod(PodWith({ContainerWith("a", {}, {})}));
  EXPECT_EQ(c.cpu_shares, 2);
  EXPECT_EQ(c.cpu_quota, std::nullopt);
  EXPECT_EQ(c.memory, std::nullopt);
}

TEST(ResourcesTest, HugePageLimitsFromRequests) {
  auto pod = PodWith({ContainerWith("a", {}, {{"cpu", "1"}, {"memory", "1Gi"}, {"hugepages-2Mi", "4Mi"}}),
                      ContainerWith("b", {}, {{"cpu", "1"}, {"memory", "1Gi"}, {"hugepages-2Mi", "2Mi"}})});
  ResourceConfig c = ResourceConfigForPod(pod);
  ASSERT_EQ(c.hugepage_limits.size(), 1u);
  EXPECT_EQ(c.hugepage_limits.at(2097152), 6LL * 1024 * 1024);
}

}  // namespace
}  // namespace kubenode::kubelet::cm
