// Security contexts, sysctls, stdin/tty and the image user through the CRI protobuf conversions.
// convert.h first: the generated CRI header must come before gtest's system headers (their macros clash).
#include "cri/convert.h"

#include <gtest/gtest.h>

namespace kubenode::cri {
namespace {

namespace v1 = runtime::v1;

TEST(SecurityConvertTest, SandboxSecurityContextAndSysctls) {
  PodSandboxConfig sandbox;
  sandbox.security_context.namespace_options = {NamespaceMode::kPod, NamespaceMode::kNode, NamespaceMode::kNode};
  sandbox.security_context.run_as_user = 0;  // set, even though zero
  sandbox.security_context.supplemental_groups = {2000, 10};
  sandbox.security_context.privileged = true;
  sandbox.security_context.seccomp = SecurityProfile{SecurityProfile::Type::kRuntimeDefault, ""};
  sandbox.security_context.selinux_options = SELinuxOption{"u", "r", "t", "s0"};
  sandbox.sysctls = {{"kernel.shm_rmid_forced", "1"}};
  v1::PodSandboxConfig out;
  ToProto(sandbox, &out);
  const auto& sc = out.linux().security_context();
  EXPECT_EQ(sc.namespace_options().network(), v1::POD);  // follows host_network
  EXPECT_EQ(sc.namespace_options().pid(), v1::NODE);
  EXPECT_EQ(sc.namespace_options().ipc(), v1::NODE);
  ASSERT_TRUE(sc.has_run_as_user());
  EXPECT_EQ(sc.run_as_user().value(), 0);
  EXPECT_FALSE(sc.has_run_as_group());
  ASSERT_EQ(sc.supplemental_groups_size(), 2);
  EXPECT_EQ(sc.supplemental_groups(0), 2000);
  EXPECT_TRUE(sc.privileged());
  ASSERT_TRUE(sc.has_seccomp());
  EXPECT_EQ(sc.seccomp().profile_type(), v1::SecurityProfile::RuntimeDefault);
  EXPECT_EQ(sc.selinux_options().level(), "s0");
  EXPECT_EQ(out.linux().sysctls().at("kernel.shm_rmid_forced"), "1");
}

TEST(SecurityConvertTest, DefaultSandboxAsksWhatKubenodeAskedBefore) {
  v1::PodSandboxConfig out;
  ToProto(PodSandboxConfig{}, &out);
  const auto& sc = out.linux().security_context();
  EXPECT_EQ(sc.namespace_options().pid(), v1::CONTAINER);
  EXPECT_EQ(sc.namespace_options().ipc(), v1::POD);
  EXPECT_FALSE(sc.has_seccomp());
  EXPECT_FALSE(sc.has_run_as_user());
  EXPECT_EQ(out.linux().sysctls_size(), 0);
}

TEST(SecurityConvertTest, ContainerSecurityContextStdinAndTty) {
  PodSandboxConfig sandbox;
  sandbox.host_network = true;
  ContainerConfig c;
  c.stdin = true;
  c.tty = true;
  auto& sc = c.security_context;
  sc.capabilities = Capability{{"NET_ADMIN"}, {"NET_RAW"}};
  sc.namespace_options.pid = NamespaceMode::kPod;
  sc.run_as_user = 65534;
  sc.run_as_group = 65534;
  sc.readonly_rootfs = true;
  sc.no_new_privs = true;
  sc.masked_paths = {"/proc/kcore"};
  sc.readonly_paths = {"/proc/sys"};
  sc.seccomp = SecurityProfile{SecurityProfile::Type::kLocalhost, "/var/lib/kubelet/seccomp/a.json"};
  v1::ContainerConfig out;
  ToProto(c, sandbox, &out);
  EXPECT_TRUE(out.stdin());
  EXPECT_FALSE(out.stdin_once());
  EXPECT_TRUE(out.tty());
  const auto& o = out.linux().security_context();
  EXPECT_EQ(o.capabilities().add_capabilities(0), "NET_ADMIN");
  EXPECT_EQ(o.capabilities().drop_capabilities(0), "NET_RAW");
  EXPECT_EQ(o.namespace_options().network(), v1::NODE);
  EXPECT_EQ(o.namespace_options().pid(), v1::POD);
  EXPECT_EQ(o.run_as_user().value(), 65534);
  EXPECT_EQ(o.run_as_group().value(), 65534);
  EXPECT_TRUE(o.readonly_rootfs());
  EXPECT_TRUE(o.no_new_privs());
  EXPECT_FALSE(o.privileged());
  ASSERT_EQ(o.masked_paths_size(), 1);
  ASSERT_EQ(o.readonly_paths_size(), 1);
  EXPECT_EQ(o.seccomp().profile_type(), v1::SecurityProfile::Localhost);
  EXPECT_EQ(o.seccomp().localhost_ref(), "/var/lib/kubelet/seccomp/a.json");
}

TEST(SecurityConvertTest, ImageUserComesBack) {
  v1::Image image;
  image.set_id("sha256:1");
  image.mutable_uid()->set_value(101);
  EXPECT_EQ(FromProto(image).uid, 101);
  v1::Image named;
  named.set_username("nginx");
  EXPECT_FALSE(FromProto(named).uid);
  EXPECT_EQ(FromProto(named).username, "nginx");
}

}  // namespace
}  // namespace kubenode::cri
