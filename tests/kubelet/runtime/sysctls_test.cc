#include "kubelet/runtime/sysctls.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet {
namespace {

api::Pod PodWithSysctls(std::vector<api::Sysctl> sysctls) {
  api::Pod pod;
  pod.metadata.name = "s";
  pod.spec.security_context.sysctls = std::move(sysctls);
  return pod;
}

SysctlAllowlist List(const std::vector<std::string>& unsafe = {}) {
  auto list = SysctlAllowlist::Create(unsafe);
  EXPECT_TRUE(list.ok()) << list.status().message();
  return list.ok() ? *list : *SysctlAllowlist::Create({});
}

TEST(SysctlsTest, SafeSysctlsAreAdmittedByDefault) {
  for (const auto& name : SafeSysctls()) {
    EXPECT_TRUE(List().Admit(PodWithSysctls({{name, "1"}})).admit) << name;
  }
  EXPECT_TRUE(List().Admit(PodWithSysctls({})).admit);
}

TEST(SysctlsTest, UnsafeSysctlIsForbiddenUnlessAllowed) {
  const auto pod = PodWithSysctls({{"net.ipv4.ip_unprivileged_port_start", "0"}, {"net.core.somaxconn", "1024"}});
  auto result = List().Admit(pod);
  EXPECT_FALSE(result.admit);
  EXPECT_EQ(result.reason, "SysctlForbidden");
  EXPECT_EQ(result.message, "forbidden sysctl: \"net.core.somaxconn\" not allowlisted");
  EXPECT_TRUE(List({"net.core.somaxconn"}).Admit(pod).admit);
  EXPECT_TRUE(List({"net.core.*"}).Admit(pod).admit);
  EXPECT_FALSE(List({"net.ipv6.*"}).Admit(pod).admit);
}

TEST(SysctlsTest, SlashNamesAreReadWithDots) {
  EXPECT_EQ(SysctlDotsName("net/ipv4/conf/eth0.100/forwarding"), "net.ipv4.conf.eth0/100.forwarding");
  EXPECT_EQ(SysctlDotsName("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
  EXPECT_TRUE(List().Admit(PodWithSysctls({{"net/ipv4/ping_group_range", "0 1"}})).admit);
}

TEST(SysctlsTest, NamespaceSharedWithTheHostIsForbidden) {
  auto pod = PodWithSysctls({{"net.ipv4.tcp_syncookies", "1"}});
  pod.spec.host_network = true;
  auto result = List().Admit(pod);
  EXPECT_FALSE(result.admit);
  EXPECT_EQ(result.message, "forbidden sysctl: \"net.ipv4.tcp_syncookies\" not allowed with host net enabled");
  pod = PodWithSysctls({{"kernel.shm_rmid_forced", "1"}});
  pod.spec.host_ipc = true;
  EXPECT_FALSE(List().Admit(pod).admit);
  pod.spec.host_ipc = false;
  pod.spec.host_network = true;  // an ipc sysctl does not care about the network
  EXPECT_TRUE(List().Admit(pod).admit);
}

TEST(SysctlsTest, AllowlistRefusesMalformedAndNodeWidePatterns) {
  auto not_namespaced = SysctlAllowlist::Create({"kernel.pid_max"});
  ASSERT_FALSE(not_namespaced.ok());
  EXPECT_EQ(not_namespaced.status().message(), "the sysctl \"kernel.pid_max\" are not known to be namespaced");
  auto prefix = SysctlAllowlist::Create({"vm.*"});
  ASSERT_FALSE(prefix.ok());
  EXPECT_EQ(prefix.status().message(), "the sysctls \"vm.*\" are not known to be namespaced");
  auto malformed = SysctlAllowlist::Create({"Net.Core"});
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("must have at most 253 characters and match regex"), std::string::npos);
  EXPECT_TRUE(SysctlAllowlist::Create({"kernel.msgmax", "kernel.sem", "fs.mqueue.*", "net.*"}).ok());
  EXPECT_FALSE(SysctlAllowlist::Create({"net.*.x"}).ok());  // '*' only ends a pattern
}

TEST(SysctlsTest, PatternEndingInsideASegmentAllowsThatPrefix) {
  const auto list = List({"kernel.msg*"});  // the example of upstream's documentation
  EXPECT_TRUE(list.Admit(PodWithSysctls({{"kernel.msgmax", "65536"}})).admit);
  EXPECT_FALSE(list.Admit(PodWithSysctls({{"kernel.sem", "250 32000 32 128"}})).admit);
}

TEST(SysctlsTest, NamespacesOfSysctls) {
  EXPECT_EQ(SysctlNamespaceOf("kernel.sem"), SysctlNamespace::kIpc);
  EXPECT_EQ(SysctlNamespaceOf("kernel.shmmax"), SysctlNamespace::kIpc);
  EXPECT_EQ(SysctlNamespaceOf("fs.mqueue.msg_max"), SysctlNamespace::kIpc);
  EXPECT_EQ(SysctlNamespaceOf("net.core.somaxconn"), SysctlNamespace::kNet);
  EXPECT_EQ(SysctlNamespaceOf("kernel.semx"), SysctlNamespace::kUnknown);
  EXPECT_EQ(SysctlNamespaceOf("vm.swappiness"), SysctlNamespace::kUnknown);
}

}  // namespace
}  // namespace kubenode::kubelet
