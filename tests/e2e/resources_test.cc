// Resources through CRI on the real containerd (cgroup v1, cgroupfs driver): pod cgroups under a private
// cgroupRoot, the container's memory limit and CFS quota as the kernel shows them, an allocation past the
// limit OOMKilled and restarted, qosClass for the three shapes, the pod cgroup removed with the pod.
#include <gtest/gtest.h>

#include <unistd.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::ReadFile;
namespace fs = std::filesystem;

constexpr char kCgroupfs[] = "/sys/fs/cgroup";

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class ResourcesTest : public DaemonFixture {
 protected:
  void SetUp() override {
    // This machine kind mounts cgroup v1; without its controllers the test cannot check anything: it fails.
    ASSERT_TRUE(fs::is_directory(std::string(kCgroupfs) + "/memory") && fs::is_directory(std::string(kCgroupfs) + "/cpu"))
        << "needs cgroup v1 memory and cpu controllers under " << kCgroupfs;
    DaemonFixture::SetUp();
    if (HasFatalFailure()) return;
    // Pods of this test go under a cgroupRoot of their own, removed afterwards.
    root_ = "/kubenode-e2e-res-" + std::to_string(getpid());
    StopDaemon();
    std::ofstream(config_file_, std::ios::app) << "cgroupRoot: " << root_ << "\n";
    StartDaemon();
  }
  void TearDown() override {
    DaemonFixture::TearDown();
    if (root_.empty()) return;
    // Deepest first: rmdir each cgroup left under the root in every controller.
    for (const auto& e : fs::directory_iterator(kCgroupfs)) {
      const fs::path top = e.path() / root_.substr(1);
      if (e.is_symlink() || !fs::is_directory(top)) continue;
      std::vector<fs::path> dirs;
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(top, ec); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_directory()) dirs.push_back(it->path());
      }
      std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.string().size() > b.string().size(); });
      for (const auto& d : dirs) ::rmdir(d.c_str());
      ::rmdir(top.c_str());
    }
  }

  // /sys/fs/cgroup/<controller><root>/kubepods/<qos>/pod<uid>[/<container id>]
  std::string PodCgroup(const std::string& controller, const std::string& qos_dir, const std::string& uid) const {
    return std::string(kCgroupfs) + "/" + controller + root_ + "/kubepods" + (qos_dir.empty() ? "" : "/" + qos_dir) +
           "/pod" + uid;
  }
  std::string Uid(const std::string& pod) { return GetPodJson(pod)["metadata"].value("uid", ""); }
  std::string RunningContainerId(const std::string& pod, const std::string& container) {
    return testing::StripRuntimePrefix(ContainerStatusJson(GetPodJson(pod), container).value("containerID", ""));
  }

  std::string root_;
};

constexpr char kMemoryPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: oom
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: hog
    image: busybox:latest
    # tail keeps all of its input in memory: 200 Mi against a 64 Mi limit.
    command: ["sh", "-c", "sleep 3; head -c 200m /dev/zero | tail"]
    resources:
      limits: {memory: 64Mi}
)";

TEST_F(ResourcesTest, MemoryLimitIsEnforcedAndTheContainerIsOOMKilledAndRestarted) {
  WriteManifest("oom.yaml", kMemoryPod);
  const std::string pod = PodName("oom");
  auto first = WaitForRunning(pod);
  EXPECT_EQ(first["status"].value("qosClass", ""), "Burstable");
  const std::string uid = first["metadata"].value("uid", "");
  const std::string id = testing::StripRuntimePrefix(ContainerStatusJson(first, "hog").value("containerID", ""));
  ASSERT_FALSE(id.empty());
  // Pod cgroup: the sum of its containers' limits; the container's own cgroup below it.
  EXPECT_EQ(Trim(ReadFile(PodCgroup("memory", "burstable", uid) + "/memory.limit_in_bytes")), "67108864");
  EXPECT_EQ(Trim(ReadFile(PodCgroup("memory", "burstable", uid) + "/" + id + "/memory.limit_in_bytes")), "67108864");

  auto killed = WaitForPod(
      pod,
      [](const testing::json& p) {
        auto s = ContainerStatusJson(p, "hog");
        return s.value("restartCount", 0) >= 1 &&
               s.value("lastState", testing::json::object()).value("terminated", testing::json::object()).value("reason", "") ==
                   "OOMKilled";
      },
      60s, "restarted after OOMKilled");
  auto last = ContainerStatusJson(killed, "hog")["lastState"]["terminated"];
  EXPECT_EQ(last.value("exitCode", 0), 137) << last.dump();
}

constexpr char kShapes[] = R"(apiVersion: v1
kind: Pod
metadata: {name: cpu}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    command: ["sleep", "3600"]
    resources: {limits: {cpu: 200m}}
---
apiVersion: v1
kind: Pod
metadata: {name: guaranteed}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    command: ["sleep", "3600"]
    resources: {limits: {cpu: 100m, memory: 32Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: besteffort}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox:latest
    command: ["sleep", "3600"]
)";

TEST_F(ResourcesTest, CpuLimitIsAQuotaAndPodsSitInTheirQOSCgroups) {
  WriteManifest("shapes.yaml", kShapes);
  auto cpu = WaitForRunning(PodName("cpu"));
  auto guaranteed = WaitForRunning(PodName("guaranteed"));
  auto besteffort = WaitForRunning(PodName("besteffort"));
  EXPECT_EQ(cpu["status"].value("qosClass", ""), "Burstable");
  EXPECT_EQ(guaranteed["status"].value("qosClass", ""), "Guaranteed");
  EXPECT_EQ(besteffort["status"].value("qosClass", ""), "BestEffort");

  const std::string cpu_uid = cpu["metadata"].value("uid", "");
  const std::string cpu_dir = PodCgroup("cpu", "burstable", cpu_uid) + "/" + RunningContainerId(PodName("cpu"), "app");
  EXPECT_EQ(Trim(ReadFile(cpu_dir + "/cpu.cfs_quota_us")), "20000");
  EXPECT_EQ(Trim(ReadFile(cpu_dir + "/cpu.cfs_period_us")), "100000");
  EXPECT_EQ(Trim(ReadFile(cpu_dir + "/cpu.shares")), "204");  // the request defaults to the limit
  EXPECT_EQ(Trim(ReadFile(PodCgroup("cpu", "burstable", cpu_uid) + "/cpu.cfs_quota_us")), "20000");

  const std::string g_uid = guaranteed["metadata"].value("uid", "");
  EXPECT_EQ(Trim(ReadFile(PodCgroup("memory", "", g_uid) + "/memory.limit_in_bytes")), "33554432");
  EXPECT_EQ(Trim(ReadFile(PodCgroup("cpu", "", g_uid) + "/cpu.cfs_quota_us")), "10000");
  const std::string be_uid = besteffort["metadata"].value("uid", "");
  EXPECT_EQ(Trim(ReadFile(PodCgroup("cpu", "besteffort", be_uid) + "/cpu.shares")), "2");
  EXPECT_EQ(Trim(ReadFile(std::string(kCgroupfs) + "/cpu" + root_ + "/kubepods/besteffort/cpu.shares")), "2");
  EXPECT_EQ(Trim(ReadFile(std::string(kCgroupfs) + "/cpu" + root_ + "/kubepods/burstable/cpu.shares")), "204");

  // Removing the pods removes their cgroups.
  RemoveManifest("shapes.yaml");
  EXPECT_TRUE(Eventually([&] { return !fs::exists(PodCgroup("cpu", "burstable", cpu_uid)); }, 60s))
      << PodCgroup("cpu", "burstable", cpu_uid);
  EXPECT_TRUE(Eventually([&] { return !fs::exists(PodCgroup("memory", "", g_uid)); }, 60s)) << PodCgroup("memory", "", g_uid);
  EXPECT_TRUE(Eventually([&] { return !fs::exists(PodCgroup("memory", "besteffort", be_uid)); }, 60s));
  // From every hierarchy, not only those kubenode writes (runc made it in blkio, devices, freezer, ...).
  for (const auto& e : fs::directory_iterator(kCgroupfs)) {
    const std::string hierarchy = e.path().filename().string();
    EXPECT_FALSE(fs::exists(PodCgroup(hierarchy, "besteffort", be_uid))) << PodCgroup(hierarchy, "besteffort", be_uid);
  }
}

}  // namespace
}  // namespace kubenode
