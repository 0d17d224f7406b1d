// securityContext on the real runtime, checked from inside the containers (CRI ExecSync): runAsUser,
// readOnlyRootFilesystem, dropped NET_RAW, privileged, seccomp RuntimeDefault, hostPID, sysctls; and the
// pods refused: an unsafe sysctl (SysctlForbidden) and runAsNonRoot with an image that runs as root.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::json;
using testing::ReadFile;
using testing::StripRuntimePrefix;

// Every container sleeps; the checks run through exec.
constexpr char kSleep[] = R"(command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"])";

std::string Pod(const std::string& name, const std::string& pod_fields, const std::string& containers) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  terminationGracePeriodSeconds: 2\n" + pod_fields + "  containers:\n" + containers;
}

std::string Container(const std::string& name, const std::string& fields = "") {
  return "  - name: " + name + "\n    image: busybox:latest\n    " + kSleep + "\n" + fields;
}

class SecurityContextTest : public DaemonFixture {
 protected:
  // Runs `cmd` in the pod's container; the exec must work, whatever the command's exit code.
  cri::ExecResult Exec(const std::string& pod, const std::string& container, const std::vector<std::string>& cmd) {
    const auto status = ContainerStatusJson(GetPodJson(PodName(pod)), container);
    const auto id = StripRuntimePrefix(status.value("containerID", ""));
    EXPECT_FALSE(id.empty()) << pod << "/" << container << " has no container ID";
    auto r = runtime_->ExecSync(id, cmd, std::chrono::seconds(10));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : cri::ExecResult{"", "", -1};
  }
  std::string Out(const std::string& pod, const std::string& container, const std::string& shell) {
    auto r = Exec(pod, container, {"sh", "-c", shell});
    EXPECT_EQ(r.exit_code, 0) << shell << ": " << r.stdout_data << r.stderr_data;
    auto s = r.stdout_data;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
};

TEST_F(SecurityContextTest, UserReadOnlyRootAndDroppedCapabilities) {
  WriteManifest("user.yaml", Pod("sec-user", "  securityContext:\n    runAsUser: 65534\n    runAsGroup: 65534\n"
                                             "    supplementalGroups: [4242]\n",
                                 Container("app")));
  WriteManifest("ro.yaml", Pod("sec-ro", "",
                               Container("app", "    securityContext:\n      readOnlyRootFilesystem: true\n")));
  WriteManifest("caps.yaml",
                Pod("sec-caps", "",
                    Container("plain") +
                        Container("noraw", "    securityContext:\n      capabilities:\n        drop: [\"NET_RAW\"]\n")));
  for (const char* pod : {"sec-user", "sec-ro", "sec-caps"}) WaitForRunning(PodName(pod));
  ASSERT_FALSE(HasFailure());

  EXPECT_EQ(Out("sec-user", "app", "id -u"), "65534");
  EXPECT_EQ(Out("sec-user", "app", "id -g"), "65534");
  EXPECT_NE(Out("sec-user", "app", "id -G").find("4242"), std::string::npos);

  EXPECT_NE(Exec("sec-ro", "app", {"touch", "/x"}).exit_code, 0);
  EXPECT_EQ(Exec("sec-caps", "plain", {"touch", "/x"}).exit_code, 0);  // a writable root, for contrast

  EXPECT_EQ(Exec("sec-caps", "plain", {"ping", "-c1", "-W2", "127.0.0.1"}).exit_code, 0);
  EXPECT_NE(Exec("sec-caps", "noraw", {"ping", "-c1", "-W2", "127.0.0.1"}).exit_code, 0);
}

TEST_F(SecurityContextTest, PrivilegedSeccompHostPidAndSysctls) {
  WriteManifest("priv.yaml",
                Pod("sec-priv", "", Container("app", "    securityContext:\n      privileged: true\n") + Container("plain")));
  WriteManifest("seccomp.yaml",
                Pod("sec-seccomp", "",
                    Container("app", "    securityContext:\n      seccompProfile:\n        type: RuntimeDefault\n") +
                        Container("plain")));
  WriteManifest("hostpid.yaml", Pod("sec-hostpid", "  hostPID: true\n", Container("app")));
  WriteManifest("sysctl.yaml", Pod("sec-sysctl",
                                   "  securityContext:\n    sysctls:\n"
                                   "    - name: kernel.shm_rmid_forced\n      value: \"1\"\n"
                                   "    - name: net.ipv4.ip_unprivileged_port_start\n      value: \"99\"\n",
                                   Container("app")));
  for (const char* pod : {"sec-priv", "sec-seccomp", "sec-hostpid", "sec-sysctl"}) WaitForRunning(PodName(pod));
  ASSERT_FALSE(HasFailure());

  // Privileged: every capability the node's bounding set holds (this test's, as containerd's), and mounting
  // works.
  const std::string status = ReadFile("/proc/self/status");
  const auto bnd = status.find("CapBnd:\t");
  ASSERT_NE(bnd, std::string::npos);
  const std::string full = status.substr(bnd + 8, 16);
  EXPECT_EQ(Out("sec-priv", "app", "grep CapEff /proc/self/status | cut -f2"), full);
  EXPECT_NE(Out("sec-priv", "plain", "grep CapEff /proc/self/status | cut -f2"), full);
  EXPECT_EQ(Exec("sec-priv", "app", {"sh", "-c", "mkdir -p /m && mount -t tmpfs tmpfs /m"}).exit_code, 0);
  EXPECT_NE(Exec("sec-priv", "plain", {"sh", "-c", "mkdir -p /m && mount -t tmpfs tmpfs /m"}).exit_code, 0);

  // seccomp: RuntimeDefault filters (mode 2); without a profile and seccompDefault off, none (as upstream).
  EXPECT_EQ(Out("sec-seccomp", "app", "grep '^Seccomp:' /proc/self/status | cut -f2"), "2");
  EXPECT_EQ(Out("sec-seccomp", "plain", "grep '^Seccomp:' /proc/self/status | cut -f2"), "0");

  // hostPID: the node's PID 1.
  std::string host_init = ReadFile("/proc/1/cmdline");
  host_init = host_init.substr(0, host_init.find('\0'));
  ASSERT_FALSE(host_init.empty());
  EXPECT_EQ(Out("sec-hostpid", "app", "tr '\\0' '\\n' < /proc/1/cmdline | head -n1"), host_init);

  EXPECT_EQ(Out("sec-sysctl", "app", "cat /proc/sys/kernel/shm_rmid_forced"), "1");
  EXPECT_EQ(Out("sec-sysctl", "app", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"), "99");
}

TEST_F(SecurityContextTest, UnsafeSysctlAndRootImageUnderRunAsNonRootAreRefused) {
  WriteManifest("unsafe.yaml", Pod("sec-unsafe",
                                   "  securityContext:\n    sysctls:\n"
                                   "    - name: net.core.somaxconn\n      value: \"1024\"\n",
                                   Container("app")));
  WriteManifest("nonroot.yaml", Pod("sec-nonroot", "  securityContext:\n    runAsNonRoot: true\n", Container("app")));

  auto unsafe = WaitForPod(
      PodName("sec-unsafe"), [](const json& p) { return p["status"].value("phase", "") == "Failed"; }, kPodTimeout,
      "Failed");
  EXPECT_EQ(unsafe["status"].value("reason", ""), "SysctlForbidden");
  EXPECT_EQ(unsafe["status"].value("message", ""),
            "Pod was rejected: forbidden sysctl: \"net.core.somaxconn\" not allowlisted");
  EXPECT_TRUE(SandboxesOf(PodName("sec-unsafe")).empty());
  EXPECT_NE(Cli("get events").output.find("SysctlForbidden"), std::string::npos);

  auto nonroot = WaitForPod(
      PodName("sec-nonroot"),
      [](const json& p) {
        auto s = ContainerStatusJson(p, "app");
        return s.contains("state") && s["state"].contains("waiting") &&
               s["state"]["waiting"].value("reason", "") == "CreateContainerConfigError";
      },
      kPodTimeout, "CreateContainerConfigError");
  const auto waiting = ContainerStatusJson(nonroot, "app")["state"]["waiting"];
  EXPECT_EQ(waiting.value("message", ""), "container has runAsNonRoot and image will run as root (pod: \"" +
                                              PodName("sec-nonroot") + "_default(" +
                                              nonroot["metadata"].value("uid", "") + ")\", container: app)");
  EXPECT_TRUE(ContainersOf(PodName("sec-nonroot")).empty());
}

}  // namespace
}  // namespace kubenode
