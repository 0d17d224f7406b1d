// CgroupfsManager against a directory laid out like /sys/fs/cgroup (v1 controllers, or unified).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kubelet/cm/cgroup_manager.h"

namespace kubenode::kubelet::cm {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

class CgroupfsManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cgroupfs-test-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(root_); }
  void V1(std::initializer_list<const char*> controllers) {
    for (const char* c : controllers) fs::create_directories(root_ / c);
  }
  fs::path root_;
};

TEST_F(CgroupfsManagerTest, V1CreateWritesEachControllerAndDestroyRemovesIt) {
  V1({"cpu", "cpuacct", "memory", "pids"});  // no hugetlb mounted: skipped
  auto m = NewCgroupfsManager(root_.string(), CgroupDriver::kCgroupfs);
  const CgroupName pod{"kubepods", "burstable", "pod1234"};
  EXPECT_FALSE(m->Exists(pod));
  ResourceConfig r;
  r.cpu_shares = 204;
  r.cpu_quota = 20000;
  r.cpu_period = 100000;
  r.memory = 67108864;
  ASSERT_TRUE(m->Create(pod, r).ok());
  EXPECT_TRUE(m->Exists(pod));
  EXPECT_EQ(Read(root_ / "cpu/kubepods/burstable/pod1234/cpu.shares"), "204");
  EXPECT_EQ(Read(root_ / "cpu/kubepods/burstable/pod1234/cpu.cfs_quota_us"), "20000");
  EXPECT_EQ(Read(root_ / "cpu/kubepods/burstable/pod1234/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(Read(root_ / "memory/kubepods/burstable/pod1234/memory.limit_in_bytes"), "67108864");
  EXPECT_TRUE(fs::is_directory(root_ / "cpuacct/kubepods/burstable/pod1234"));
  EXPECT_TRUE(fs::is_directory(root_ / "pids/kubepods/burstable/pod1234"));
  EXPECT_FALSE(fs::exists(root_ / "hugetlb"));

  // Unset fields are left alone.
  ResourceConfig shares_only;
  shares_only.cpu_shares = 2;
  ASSERT_TRUE(m->Update(pod, shares_only).ok());
  EXPECT_EQ(Read(root_ / "cpu/kubepods/burstable/pod1234/cpu.shares"), "2");
  EXPECT_EQ(Read(root_ / "memory/kubepods/burstable/pod1234/memory.limit_in_bytes"), "67108864");

  // The runtime makes the pod's cgroup in the other hierarchies too; removal takes it from all of them.
  fs::create_directories(root_ / "freezer/kubepods/burstable/pod1234");
  fs::create_directories(root_ / "unified/kubepods/burstable/pod1234");
  ASSERT_TRUE(m->Destroy(pod).ok());
  EXPECT_FALSE(m->Exists(pod));
  EXPECT_FALSE(fs::exists(root_ / "memory/kubepods/burstable/pod1234"));
  EXPECT_FALSE(fs::exists(root_ / "freezer/kubepods/burstable/pod1234"));
  EXPECT_FALSE(fs::exists(root_ / "unified/kubepods/burstable/pod1234"));
  EXPECT_TRUE(fs::is_directory(root_ / "memory/kubepods/burstable"));
  EXPECT_TRUE(m->Destroy(pod).ok());  // already gone
}

TEST_F(CgroupfsManagerTest, V1DestroyRefusesWhileChildrenRemain) {
  V1({"cpu", "memory"});
  auto m = NewCgroupfsManager(root_.string(), CgroupDriver::kCgroupfs);
  const CgroupName pod{"kubepods", "pod1"};
  ASSERT_TRUE(m->Create(pod, {}).ok());
  fs::create_directories(root_ / "memory/kubepods/pod1/container");
  auto st = m->Destroy(pod);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("memory/kubepods/pod1"), std::string::npos) << st.message();
}

TEST_F(CgroupfsManagerTest, V1HugePagesSetGivenSizesAndZeroTheOthers) {
  V1({"cpu", "memory", "hugetlb"});
  // The host's page sizes show as files in the hugetlb controller.
  auto m = NewCgroupfsManager(root_.string(), CgroupDriver::kCgroupfs);
  const CgroupName pod{"kubepods", "pod1"};
  ASSERT_TRUE(m->Create(pod, {}).ok());
  std::ofstream(root_ / "hugetlb/kubepods/pod1/hugetlb.2MB.limit_in_bytes") << "9223372036854771712";
  std::ofstream(root_ / "hugetlb/kubepods/pod1/hugetlb.1GB.limit_in_bytes") << "9223372036854771712";
  ResourceConfig r;
  r.hugepage_limits[2097152] = 4194304;
  ASSERT_TRUE(m->Update(pod, r).ok());
  EXPECT_EQ(Read(root_ / "hugetlb/kubepods/pod1/hugetlb.2MB.limit_in_bytes"), "4194304");
  EXPECT_EQ(Read(root_ / "hugetlb/kubepods/pod1/hugetlb.1GB.limit_in_bytes"), "0");
}

TEST_F(CgroupfsManagerTest, SystemdDriverWritesAtTheSlicePaths) {
  V1({"cpu", "memory"});
  auto m = NewCgroupfsManager(root_.string(), CgroupDriver::kSystemd);
  const CgroupName pod{"kubepods", "besteffort", "pod12-34"};
  EXPECT_EQ(m->Name(pod), "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12_34.slice");
  ResourceConfig r;
  r.cpu_shares = 2;
  ASSERT_TRUE(m->Create(pod, r).ok());
  EXPECT_EQ(Read(root_ / "cpu/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12_34.slice/cpu.shares"), "2");
}

TEST_F(CgroupfsManagerTest, UnifiedHierarchyWritesWeightMaxAndEnablesControllers) {
  std::ofstream(root_ / "cgroup.controllers") << "cpu memory pids";
  auto m = NewCgroupfsManager(root_.string(), CgroupDriver::kCgroupfs);
  const CgroupName pod{"kubepods", "pod1"};
  ResourceConfig r;
  r.cpu_shares = 1024;
  r.cpu_quota = 20000;
  r.cpu_period = 100000;
  r.memory = 67108864;
  ASSERT_TRUE(m->Create(pod, r).ok());
  EXPECT_TRUE(m->Exists(pod));
  EXPECT_EQ(Read(root_ / "kubepods/pod1/cpu.weight"), "39");  // 1 + (1022 × 9999) / 262142
  EXPECT_EQ(Read(root_ / "kubepods/pod1/cpu.max"), "20000 100000");
  EXPECT_EQ(Read(root_ / "kubepods/pod1/memory.max"), "67108864");
  EXPECT_TRUE(fs::exists(root_ / "kubepods/cgroup.subtree_control"));
  ASSERT_TRUE(m->Destroy(pod).ok());
  EXPECT_FALSE(m->Exists(pod));
}

TEST_F(CgroupfsManagerTest, NoControllerMountedIsAnError) {
  auto m = NewCgroupfsManager(root_.string(), CgroupDriver::kCgroupfs);
  auto st = m->Create({"kubepods"}, {});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no cgroup controller mounted"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace kubenode::kubelet::cm
