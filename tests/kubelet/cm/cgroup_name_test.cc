#include "kubelet/cm/cgroup_name.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet::cm {
namespace {

TEST(CgroupNameTest, ParsesCgroupfsPaths) {
  EXPECT_EQ(ParseCgroupfsToCgroupName("/"), CgroupName{});
  EXPECT_EQ(ParseCgroupfsToCgroupName(""), CgroupName{});
  EXPECT_EQ(ParseCgroupfsToCgroupName("/a/b/"), (CgroupName{"a", "b"}));
}

TEST(CgroupNameTest, CgroupfsNames) {
  EXPECT_EQ(ToCgroupfs({}), "/");
  EXPECT_EQ(ToCgroupfs({"kubepods"}), "/kubepods");
  EXPECT_EQ(ToCgroupfs({"kubepods", "burstable", "pod1234-abcd"}), "/kubepods/burstable/pod1234-abcd");
}

// Upstream's cgroup_manager_linux_test.go TestCgroupNameToSystemd.
TEST(CgroupNameTest, SystemdNames) {
  EXPECT_EQ(ToSystemd({}), "/");
  EXPECT_EQ(ToSystemd({"kubepods"}), "/kubepods.slice");
  EXPECT_EQ(ToSystemd({"kubepods", "burstable", "pod1234-abcd-5678-efgh"}),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_abcd_5678_efgh.slice");
  EXPECT_EQ(ToSystemd({"kubepods", "pod1234-abcd"}), "/kubepods.slice/kubepods-pod1234_abcd.slice");
  EXPECT_EQ(ToSystemd({"foo", "kubepods", "besteffort"}), "/foo.slice/foo-kubepods.slice/foo-kubepods-besteffort.slice");
  EXPECT_EQ(DriverName(CgroupDriver::kSystemd, {"kubepods"}), "/kubepods.slice");
  EXPECT_EQ(DriverName(CgroupDriver::kCgroupfs, {"kubepods"}), "/kubepods");
}

}  // namespace
}  // namespace kubenode::kubelet::cm
