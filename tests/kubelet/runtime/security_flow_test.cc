// Security contexts through the whole kubelet against the fake runtime: manifests in a temp directory,
// syncs driven by SyncOnce() (no threads, no sleeping).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/kubelet.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char kSysctlPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: tuned
  uid: uid-sysctl
spec:
  securityContext:
    sysctls:
    - name: kernel.shm_rmid_forced
      value: "1"
    - name: net.core.somaxconn
      value: "1024"
  containers:
  - name: app
    image: busybox:latest
)";

const char kNonRootPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: nonroot
  uid: uid-nonroot
spec:
  securityContext:
    runAsNonRoot: true
    fsGroup: 2000
  containers:
  - name: app
    image: busybox:latest
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["NET_RAW"]
)";

class SecurityFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-sec-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ + "/manifests");
    runtime_ = std::make_unique<testing::FakeRuntime>(clock_);
    runtime_->AddImage("busybox:latest");
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  void NewKubelet(std::vector<std::string> allowed_unsafe_sysctls = {}) {
    kubelet_.reset();
    KubeletConfig config;
    config.node_name = "node1";
    config.node_ip = "192.168.1.10";
    config.pod_manifest_path = "";
    config.root_dir = dir_ + "/root";
    config.pod_logs_dir = dir_ + "/logs";
    config.pod_worker_threads = 0;
    config.seccomp_default = true;
    config.allowed_unsafe_sysctls = std::move(allowed_unsafe_sysctls);
    kubelet_ = std::make_unique<Kubelet>(config, *runtime_, *runtime_, clock_, probes_, events_);
    kubelet_->AddPodSource(std::make_unique<ManifestDirectorySource>(dir_ + "/manifests", "node1", 20s, events_));
  }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/manifests/" + name) << text; }
  int CountEvents(const std::string& reason) {
    int n = 0;
    for (const auto& e : events_.List()) n += e.reason == reason ? e.count : 0;
    return n;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<testing::FakeRuntime> runtime_;
  testing::FakeProbeManager probes_;
  MemoryEventRecorder events_{clock_};
  std::unique_ptr<Kubelet> kubelet_;
};

TEST_F(SecurityFlowTest, UnsafeSysctlRejectsThePodWithoutASandbox) {
  NewKubelet();
  Write("tuned.yaml", kSysctlPod);
  kubelet_->SyncOnce();
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 0);
  auto pod = kubelet_->GetPod("default", "tuned-node1");
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->status.phase, api::PodPhase::kFailed);
  EXPECT_EQ(pod->status.reason, "SysctlForbidden");
  EXPECT_EQ(pod->status.message, "Pod was rejected: forbidden sysctl: \"net.core.somaxconn\" not allowlisted");
  EXPECT_EQ(CountEvents("SysctlForbidden"), 1);  // said once, not at every sync
}

TEST_F(SecurityFlowTest, AllowedUnsafeSysctlReachesTheSandbox) {
  NewKubelet({"net.core.*"});
  Write("tuned.yaml", kSysctlPod);
  kubelet_->SyncOnce();
  auto sandboxes = runtime_->Sandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  const auto config = runtime_->SandboxConfig(sandboxes[0].id);
  EXPECT_EQ(config.sysctls, (cri::StringMap{{"kernel.shm_rmid_forced", "1"}, {"net.core.somaxconn", "1024"}}));
  EXPECT_EQ(kubelet_->GetPod("default", "tuned-node1")->status.phase, api::PodPhase::kRunning);
}

TEST_F(SecurityFlowTest, InvalidAllowedUnsafeSysctlFailsStart) {
  NewKubelet({"kernel.pid_max"});
  auto st = kubelet_->Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("allowedUnsafeSysctls"), std::string::npos);
  EXPECT_NE(st.message().find("kernel.pid_max"), std::string::npos);
}

TEST_F(SecurityFlowTest, RunAsNonRootWithARootImageIsACreateContainerConfigError) {
  NewKubelet();
  Write("nonroot.yaml", kNonRootPod);  // busybox names no user: it runs as root
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("CreateContainer"), 0);
  auto pod = kubelet_->GetPod("default", "nonroot-node1");
  ASSERT_TRUE(pod);
  ASSERT_EQ(pod->status.container_statuses.size(), 1u);
  const auto& waiting = pod->status.container_statuses[0].state.waiting;
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->reason, "CreateContainerConfigError");
  EXPECT_EQ(waiting->message,
            "container has runAsNonRoot and image will run as root (pod: \"nonroot-node1_default(uid-nonroot)\", "
            "container: app)");
}

TEST_F(SecurityFlowTest, ContainerGetsTheEffectiveSecurityContext) {
  runtime_->SetImageUser("busybox:latest", 1000);
  NewKubelet();
  Write("nonroot.yaml", kNonRootPod);
  kubelet_->SyncOnce();
  auto app = runtime_->ContainersNamed("app");
  ASSERT_EQ(app.size(), 1u);
  const auto sc = runtime_->ContainerConfigOf(app[0].id).security_context;
  EXPECT_EQ(sc.run_as_user, 1000);
  EXPECT_TRUE(sc.readonly_rootfs);
  EXPECT_TRUE(sc.no_new_privs);
  ASSERT_TRUE(sc.capabilities);
  EXPECT_EQ(sc.capabilities->drop_capabilities, std::vector<std::string>{"NET_RAW"});
  EXPECT_EQ(sc.supplemental_groups, std::vector<int64_t>{2000});
  EXPECT_EQ(sc.seccomp, (cri::SecurityProfile{cri::SecurityProfile::Type::kRuntimeDefault, ""}));  // seccompDefault
}

TEST_F(SecurityFlowTest, SELinuxOptionsWithoutSELinuxAreAcceptedWithOneWarning) {
  // The machines kubenode targets (Debian 12) have no SELinux; on one that has, this test must fail, not pass.
  ASSERT_FALSE(DetectHostSecurity().selinux) << "this test needs a node without SELinux";
  NewKubelet();
  Write("selinux.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: labelled
spec:
  securityContext:
    seLinuxOptions:
      level: "s0:c123,c456"
  containers:
  - name: app
    image: busybox:latest
)");
  kubelet_->SyncOnce();
  kubelet_->SyncOnce();
  EXPECT_EQ(runtime_->CountCalls("RunPodSandbox"), 1);
  ASSERT_EQ(CountEvents("NotEnforced"), 1);
  for (const auto& e : events_.List()) {
    if (e.reason != "NotEnforced") continue;
    EXPECT_EQ(e.type, EventType::kWarning);
    EXPECT_TRUE(e.message.starts_with("spec.securityContext.seLinuxOptions: accepted but not enforced")) << e.message;
  }
}

}  // namespace
}  // namespace kubenode::kubelet
