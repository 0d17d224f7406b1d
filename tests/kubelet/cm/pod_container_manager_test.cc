#include "kubelet/cm/pod_container_manager.h"

#include <gtest/gtest.h>

#include "tests/kubelet/cm/fake_cgroup_manager.h"
#include "tests/kubelet/cm/resource_pods.h"

namespace kubenode::kubelet::cm {
namespace {

using testing::ContainerWith;
using testing::FakeCgroupManager;
using testing::PodWith;

api::Pod Burstable(const std::string& uid, const std::string& cpu) {
  auto pod = PodWith({ContainerWith("a", {{"cpu", cpu}}, {{"memory", "64Mi"}})});
  pod.metadata.uid = uid;
  return pod;
}

TEST(PodContainerManagerTest, CgroupNamesPerQOSAndDriver) {
  FakeCgroupManager fs;
  PodContainerManager m(fs, "/", {});
  auto guaranteed = PodWith({ContainerWith("a", {}, {{"cpu", "1"}, {"memory", "1Gi"}})});
  auto besteffort = PodWith({ContainerWith("a", {}, {})});
  EXPECT_EQ(m.CgroupParent(guaranteed), "/kubepods/pod1234-abcd");
  EXPECT_EQ(m.CgroupParent(Burstable("1234-abcd", "100m")), "/kubepods/burstable/pod1234-abcd");
  EXPECT_EQ(m.CgroupParent(besteffort), "/kubepods/besteffort/pod1234-abcd");

  FakeCgroupManager systemd(CgroupDriver::kSystemd);
  PodContainerManager s(systemd, "/", {});
  EXPECT_EQ(s.CgroupParent(guaranteed), "/kubepods.slice/kubepods-pod1234_abcd.slice");
  EXPECT_EQ(s.CgroupParent(Burstable("1234-abcd", "100m")),
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_abcd.slice");
  EXPECT_EQ(s.CgroupParent(besteffort), "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234_abcd.slice");

  PodContainerManager rooted(fs, "/kn-test", {});
  EXPECT_EQ(rooted.CgroupParent(besteffort), "/kn-test/kubepods/besteffort/pod1234-abcd");
}

TEST(PodContainerManagerTest, EnsureExistsCreatesQOSCgroupsThenThePodCgroup) {
  FakeCgroupManager fs;
  PodContainerManager m(fs, "/", {4000, 8LL << 30});
  ASSERT_TRUE(m.EnsureExists(Burstable("u1", "100m")).ok());
  ASSERT_TRUE(fs.cgroups.contains("/kubepods"));
  EXPECT_EQ(fs.cgroups["/kubepods"].cpu_shares, 4096);
  EXPECT_EQ(fs.cgroups["/kubepods"].memory, 8LL << 30);
  EXPECT_EQ(fs.cgroups["/kubepods/besteffort"].cpu_shares, 2);
  EXPECT_EQ(fs.cgroups["/kubepods/burstable"].cpu_shares, 102);
  ASSERT_TRUE(fs.cgroups.contains("/kubepods/burstable/podu1"));
  EXPECT_EQ(fs.cgroups["/kubepods/burstable/podu1"].cpu_shares, 102);
  EXPECT_EQ(fs.cgroups["/kubepods/burstable/podu1"].memory, 64LL << 20);

  // A second Burstable pod adds its request to the burstable cgroup's shares; removing it takes it off.
  ASSERT_TRUE(m.EnsureExists(Burstable("u2", "400m")).ok());
  EXPECT_EQ(fs.cgroups["/kubepods/burstable"].cpu_shares, 512);
  ASSERT_TRUE(m.Destroy("u2").ok());
  EXPECT_FALSE(fs.cgroups.contains("/kubepods/burstable/podu2"));
  EXPECT_EQ(fs.cgroups["/kubepods/burstable"].cpu_shares, 102);
}

TEST(PodContainerManagerTest, SteadySyncsWriteNothingAndChangedResourcesAreApplied) {
  FakeCgroupManager fs;
  PodContainerManager m(fs, "/", {});
  ASSERT_TRUE(m.EnsureExists(Burstable("u1", "100m")).ok());
  fs.calls.clear();
  ASSERT_TRUE(m.EnsureExists(Burstable("u1", "100m")).ok());
  EXPECT_TRUE(fs.calls.empty());

  auto edited = PodWith({ContainerWith("a", {{"cpu", "100m"}}, {{"memory", "128Mi"}})});
  edited.metadata.uid = "u1";
  ASSERT_TRUE(m.EnsureExists(edited).ok());
  EXPECT_EQ(fs.calls, std::vector<std::string>{"Update /kubepods/burstable/podu1"});
  EXPECT_EQ(fs.cgroups["/kubepods/burstable/podu1"].memory, 128LL << 20);
}

TEST(PodContainerManagerTest, CreateFailureNamesTheCgroup) {
  FakeCgroupManager fs;
  PodContainerManager m(fs, "/", {});
  ASSERT_TRUE(m.EnsureExists(Burstable("u1", "100m")).ok());
  fs.fail_create = "mkdir: permission denied";
  auto st = m.EnsureExists(Burstable("u2", "100m"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/kubepods/burstable/podu2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("permission denied"), std::string::npos) << st.message();
}

TEST(PodContainerManagerTest, FailedDestroyIsRetried) {
  FakeCgroupManager fs;
  PodContainerManager m(fs, "/", {});
  ASSERT_TRUE(m.EnsureExists(Burstable("u1", "100m")).ok());
  fs.busy = 1;
  EXPECT_FALSE(m.Destroy("u1").ok());
  EXPECT_TRUE(fs.cgroups.contains("/kubepods/burstable/podu1"));
  m.RetryDestroy();
  EXPECT_FALSE(fs.cgroups.contains("/kubepods/burstable/podu1"));
  fs.calls.clear();
  m.RetryDestroy();  // nothing pending any more
  EXPECT_TRUE(fs.calls.empty());
}

}  // namespace
}  // namespace kubenode::kubelet::cm
