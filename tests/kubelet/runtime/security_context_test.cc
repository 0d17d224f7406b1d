#include "kubelet/runtime/security_context.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kubelet/runtime/cri_configs.h"

namespace kubenode::kubelet {
namespace {

using Mode = cri::NamespaceMode;
using Type = cri::SecurityProfile::Type;

api::Pod BusyboxPod() {
  api::Pod pod;
  pod.metadata.name = "sec-node1";
  pod.metadata.ns = "default";
  pod.metadata.uid = "uid-1";
  api::Container c;
  c.name = "app";
  c.image = "busybox:latest";
  pod.spec.containers.push_back(c);
  return pod;
}

api::Container& App(api::Pod& pod) { return pod.spec.containers[0]; }
api::SecurityContext& AppSc(api::Pod& pod) {
  if (!App(pod).security_context) App(pod).security_context.emplace();
  return *App(pod).security_context;
}

cri::LinuxContainerSecurityContext ContainerSc(const api::Pod& pod, ImageUser user = {}, SecurityOptions options = {}) {
  auto sc = ContainerSecurityContext(pod, pod.spec.containers[0], user, options);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return sc.ok() ? *sc : cri::LinuxContainerSecurityContext{};
}

TEST(SecurityContextTest, ContainerFieldsWinOverThePods) {
  auto pod = BusyboxPod();
  pod.spec.security_context.run_as_user = 1000;
  pod.spec.security_context.run_as_group = 2000;
  pod.spec.security_context.run_as_non_root = true;
  pod.spec.security_context.se_linux_options = api::SELinuxOptions{"u", "r", "t", "s0"};
  AppSc(pod).run_as_user = 65534;
  AppSc(pod).se_linux_options = api::SELinuxOptions{"", "", "container_t", ""};
  const auto sc = EffectiveSecurityContext(pod, App(pod));
  EXPECT_EQ(sc.run_as_user, 65534);
  EXPECT_EQ(sc.run_as_group, 2000);
  EXPECT_EQ(sc.run_as_non_root, true);
  ASSERT_TRUE(sc.se_linux_options);
  EXPECT_EQ(sc.se_linux_options->type, "container_t");
  EXPECT_EQ(sc.se_linux_options->user, "");  // replaced as a whole, not merged field by field

  const auto out = ContainerSc(pod);
  EXPECT_EQ(out.run_as_user, 65534);
  EXPECT_EQ(out.run_as_group, 2000);
  EXPECT_EQ(out.run_as_username, "");
  ASSERT_TRUE(out.selinux_options);
  EXPECT_EQ(out.selinux_options->type, "container_t");
}

TEST(SecurityContextTest, WithoutRunAsUserTheImagesUserIsPassed) {
  auto pod = BusyboxPod();
  EXPECT_EQ(ContainerSc(pod, ImageUser{101, ""}).run_as_user, 101);
  const auto named = ContainerSc(pod, ImageUser{std::nullopt, "nginx"});
  EXPECT_FALSE(named.run_as_user);
  EXPECT_EQ(named.run_as_username, "nginx");
  EXPECT_EQ(ContainerSc(pod, ImageUserOf(std::nullopt)).run_as_user, 0);  // no user in the image: root

  cri::Image image;
  image.uid = 7;
  EXPECT_EQ(ImageUserOf(image).uid, 7);
  image.uid.reset();
  image.username = "daemon";
  EXPECT_FALSE(ImageUserOf(image).uid);
  EXPECT_EQ(ImageUserOf(image).username, "daemon");
}

TEST(SecurityContextTest, CapabilitiesPrivilegedAndReadOnlyRootPassThrough) {
  auto pod = BusyboxPod();
  auto plain = ContainerSc(pod);
  EXPECT_FALSE(plain.capabilities);
  EXPECT_FALSE(plain.privileged);
  EXPECT_FALSE(plain.readonly_rootfs);

  AppSc(pod).capabilities = api::Capabilities{{"NET_ADMIN"}, {"NET_RAW", "ALL"}};
  AppSc(pod).read_only_root_filesystem = true;
  auto out = ContainerSc(pod);
  ASSERT_TRUE(out.capabilities);
  EXPECT_EQ(out.capabilities->add_capabilities, std::vector<std::string>{"NET_ADMIN"});
  EXPECT_EQ(out.capabilities->drop_capabilities, (std::vector<std::string>{"NET_RAW", "ALL"}));
  EXPECT_TRUE(out.readonly_rootfs);

  AppSc(pod).privileged = true;
  EXPECT_TRUE(ContainerSc(pod).privileged);
}

TEST(SecurityContextTest, NoNewPrivsOnlyWhenEscalationIsDisallowed) {
  auto pod = BusyboxPod();
  EXPECT_FALSE(ContainerSc(pod).no_new_privs);  // unset: allowed, as upstream's default
  AppSc(pod).allow_privilege_escalation = true;
  EXPECT_FALSE(ContainerSc(pod).no_new_privs);
  AppSc(pod).allow_privilege_escalation = false;
  EXPECT_TRUE(ContainerSc(pod).no_new_privs);
  AppSc(pod).capabilities = api::Capabilities{{"CAP_SYS_ADMIN"}, {}};
  EXPECT_FALSE(ContainerSc(pod).no_new_privs);  // SYS_ADMIN implies escalation
  AppSc(pod).capabilities.reset();
  AppSc(pod).privileged = true;
  EXPECT_FALSE(ContainerSc(pod).no_new_privs);
}

TEST(SecurityContextTest, ProcMountDefaultMasksAndUnmaskedDoesNot) {
  auto pod = BusyboxPod();
  auto out = ContainerSc(pod);
  EXPECT_NE(std::find(out.masked_paths.begin(), out.masked_paths.end(), "/proc/kcore"), out.masked_paths.end());
  EXPECT_NE(std::find(out.readonly_paths.begin(), out.readonly_paths.end(), "/proc/sys"), out.readonly_paths.end());
  AppSc(pod).proc_mount = "Default";
  EXPECT_EQ(ContainerSc(pod).masked_paths, out.masked_paths);
  AppSc(pod).proc_mount = "Unmasked";
  out = ContainerSc(pod);
  EXPECT_TRUE(out.masked_paths.empty());
  EXPECT_TRUE(out.readonly_paths.empty());
}

TEST(SecurityContextTest, SeccompFromContainerThenPodThenKubeletDefault) {
  auto pod = BusyboxPod();
  SecurityOptions options{"/var/lib/kubelet/seccomp", false};
  EXPECT_EQ(ContainerSc(pod, {}, options).seccomp, (cri::SecurityProfile{Type::kUnconfined, ""}));
  options.seccomp_default = true;
  EXPECT_EQ(ContainerSc(pod, {}, options).seccomp, (cri::SecurityProfile{Type::kRuntimeDefault, ""}));

  pod.spec.security_context.seccomp_profile = api::SeccompProfile{"Unconfined", ""};
  EXPECT_EQ(ContainerSc(pod, {}, options).seccomp, (cri::SecurityProfile{Type::kUnconfined, ""}));
  pod.spec.security_context.seccomp_profile = api::SeccompProfile{"Localhost", "profiles/audit.json"};
  EXPECT_EQ(ContainerSc(pod, {}, options).seccomp,
            (cri::SecurityProfile{Type::kLocalhost, "/var/lib/kubelet/seccomp/profiles/audit.json"}));
  AppSc(pod).seccomp_profile = api::SeccompProfile{"RuntimeDefault", ""};
  EXPECT_EQ(ContainerSc(pod, {}, options).seccomp, (cri::SecurityProfile{Type::kRuntimeDefault, ""}));

  AppSc(pod).seccomp_profile = api::SeccompProfile{"Localhost", ""};
  auto bad = ContainerSecurityContext(pod, App(pod), {}, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "localhostProfile must be set if seccompProfile type is Localhost.");
}

TEST(SecurityContextTest, NamespacesFollowHostFlagsAndProcessSharing) {
  auto pod = BusyboxPod();
  EXPECT_EQ(NamespacesForPod(pod), (cri::NamespaceOption{Mode::kPod, Mode::kContainer, Mode::kPod}));
  pod.spec.share_process_namespace = true;
  EXPECT_EQ(NamespacesForPod(pod).pid, Mode::kPod);
  pod.spec.host_pid = true;  // the host's wins over sharing
  EXPECT_EQ(NamespacesForPod(pod).pid, Mode::kNode);
  pod.spec.host_ipc = true;
  pod.spec.host_network = true;
  EXPECT_EQ(NamespacesForPod(pod), (cri::NamespaceOption{Mode::kNode, Mode::kNode, Mode::kNode}));
  EXPECT_EQ(ContainerSc(pod).namespace_options, NamespacesForPod(pod));
  EXPECT_EQ(SandboxSecurityContext(pod).namespace_options, NamespacesForPod(pod));
}

TEST(SecurityContextTest, FsGroupThenSupplementalGroupsForSandboxAndContainers) {
  auto pod = BusyboxPod();
  pod.spec.security_context.supplemental_groups = {10, 11};
  pod.spec.security_context.fs_group = 2000;
  EXPECT_EQ(ContainerSc(pod).supplemental_groups, (std::vector<int64_t>{2000, 10, 11}));
  EXPECT_EQ(SandboxSecurityContext(pod).supplemental_groups, (std::vector<int64_t>{2000, 10, 11}));
}

TEST(SecurityContextTest, SandboxIsPrivilegedWhenAnyContainerIsAndAlwaysRuntimeDefault) {
  auto pod = BusyboxPod();
  pod.spec.security_context.run_as_user = 1000;
  pod.spec.security_context.seccomp_profile = api::SeccompProfile{"Unconfined", ""};
  auto sb = SandboxSecurityContext(pod);
  EXPECT_FALSE(sb.privileged);
  EXPECT_EQ(sb.run_as_user, 1000);
  EXPECT_EQ(sb.seccomp, (cri::SecurityProfile{Type::kRuntimeDefault, ""}));
  api::Container init;
  init.name = "setup";
  init.security_context.emplace();
  init.security_context->privileged = true;
  pod.spec.init_containers.push_back(init);
  EXPECT_TRUE(SandboxSecurityContext(pod).privileged);
}

TEST(SecurityContextTest, SysctlsGoToTheSandbox) {
  auto pod = BusyboxPod();
  pod.spec.security_context.sysctls = {{"kernel.shm_rmid_forced", "1"}, {"net.ipv4.ip_unprivileged_port_start", "0"}};
  const auto config = BuildSandboxConfig(pod, 0, "/var/log/pods");
  EXPECT_EQ(config.sysctls, (cri::StringMap{{"kernel.shm_rmid_forced", "1"}, {"net.ipv4.ip_unprivileged_port_start", "0"}}));
  EXPECT_EQ(config.security_context.seccomp, (cri::SecurityProfile{Type::kRuntimeDefault, ""}));
}

TEST(SecurityContextTest, RunAsNonRootIsCheckedAgainstRunAsUserAndTheImage) {
  auto pod = BusyboxPod();
  const api::Container& app = App(pod);
  EXPECT_TRUE(VerifyRunAsNonRoot(pod, app, ImageUser{0, ""}).ok());  // not asked
  pod.spec.security_context.run_as_non_root = true;
  auto root = VerifyRunAsNonRoot(pod, app, ImageUser{0, ""});
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.message(),
            "container has runAsNonRoot and image will run as root (pod: \"sec-node1_default(uid-1)\", container: app)");
  EXPECT_TRUE(VerifyRunAsNonRoot(pod, app, ImageUser{65534, ""}).ok());
  auto named = VerifyRunAsNonRoot(pod, app, ImageUser{std::nullopt, "nobody"});
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.message().find("image has non-numeric user (nobody), cannot verify user is non-root"),
            std::string::npos);
  pod.spec.security_context.run_as_user = 0;
  auto zero = VerifyRunAsNonRoot(pod, app, ImageUser{65534, ""});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("container's runAsUser breaks non-root policy"), std::string::npos);
  AppSc(pod).run_as_user = 1000;  // the container's runAsUser wins over the pod's 0 and the image
  EXPECT_TRUE(VerifyRunAsNonRoot(pod, App(pod), ImageUser{0, ""}).ok());
  AppSc(pod).run_as_non_root = false;
  AppSc(pod).run_as_user.reset();
  EXPECT_TRUE(VerifyRunAsNonRoot(pod, App(pod), ImageUser{0, ""}).ok());  // the container opts out
}

TEST(SecurityContextTest, BuildContainerConfigRefusesARootImageUnderRunAsNonRoot) {
  auto pod = BusyboxPod();
  pod.spec.security_context.run_as_non_root = true;
  auto config = BuildContainerConfig(pod, App(pod), false, 0, "sha256:abc", {}, ImageUser{0, ""});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("image will run as root"), std::string::npos);

  App(pod).stdin = true;
  App(pod).stdin_once = true;
  App(pod).tty = true;
  config = BuildContainerConfig(pod, App(pod), false, 0, "sha256:abc", {}, ImageUser{1000, ""});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->stdin);
  EXPECT_TRUE(config->stdin_once);
  EXPECT_TRUE(config->tty);
  EXPECT_EQ(config->security_context.run_as_user, 1000);
}

TEST(SecurityContextTest, SELinuxAndAppArmorWithoutTheHostModuleAreNamed) {
  auto pod = BusyboxPod();
  EXPECT_TRUE(UnenforcedSecurityFields(pod, HostSecurity{}).empty());
  pod.spec.security_context.se_linux_options = api::SELinuxOptions{"", "", "", "s0:c1,c2"};
  AppSc(pod).se_linux_options = api::SELinuxOptions{"", "", "spc_t", ""};
  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] = "runtime/default";
  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/other"] = "unconfined";
  const auto fields = UnenforcedSecurityFields(pod, HostSecurity{});
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_TRUE(fields[0].starts_with("spec.securityContext.seLinuxOptions: accepted but not enforced"));
  EXPECT_TRUE(fields[1].starts_with("spec.containers[0].securityContext.seLinuxOptions: "));
  EXPECT_TRUE(fields[2].starts_with("metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: "));
  EXPECT_TRUE(UnenforcedSecurityFields(pod, HostSecurity{true, true}).empty());
}

TEST(SecurityContextTest, DetectsHostModulesFromSysfs) {
  char tmpl[] = "/tmp/sec-sys-XXXXXX";
  const std::string root = mkdtemp(tmpl);
  EXPECT_FALSE(DetectHostSecurity(root).selinux);
  EXPECT_FALSE(DetectHostSecurity(root).apparmor);
  std::filesystem::create_directories(root + "/fs/selinux");
  std::ofstream(root + "/fs/selinux/enforce") << "1";
  std::filesystem::create_directories(root + "/module/apparmor/parameters");
  std::ofstream(root + "/module/apparmor/parameters/enabled") << "N\n";
  EXPECT_TRUE(DetectHostSecurity(root).selinux);
  EXPECT_FALSE(DetectHostSecurity(root).apparmor);
  std::ofstream(root + "/module/apparmor/parameters/enabled") << "Y\n";
  EXPECT_TRUE(DetectHostSecurity(root).apparmor);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace kubenode::kubelet
