// The pod's and containers' securityContext as CRI security contexts, as upstream kubelet v1.28
// (kuberuntime/security_context.go, security_context_others.go, helpers.go getSeccompProfile,
// kuberuntime_sandbox.go generatePodSandboxLinuxConfig, pkg/securitycontext). Pure functions: the image's
// user and the node's settings come in as arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/status.h"
#include "cri/types.h"

namespace kubenode::kubelet {

// The kubelet settings the security contexts depend on.
struct SecurityOptions {
  std::string seccomp_profile_root = "/var/lib/kubelet/seccomp";  // <root-dir>/seccomp: Localhost profiles
  bool seccomp_default = false;  // KubeletConfiguration seccompDefault: RuntimeDefault when a pod asks nothing
};

// The user an image runs as (CRI ImageStatus uid / username), as upstream getImageUser: a numeric uid, or
// else a user name; an image that names no user runs as root (uid 0).
struct ImageUser {
  std::optional<int64_t> uid = 0;
  std::string username;
};
ImageUser ImageUserOf(const std::optional<cri::Image>& image);

// The container's securityContext over the pod's (upstream DetermineEffectiveSecurityContext): the pod
// gives seLinuxOptions, runAsUser, runAsGroup and runAsNonRoot; any field the container sets wins.
api::SecurityContext EffectiveSecurityContext(const api::Pod& pod, const api::Container& container);

// hostNetwork / hostIPC -> NODE, else POD; hostPID -> NODE, shareProcessNamespace -> POD, else CONTAINER.
cri::NamespaceOption NamespacesForPod(const api::Pod& pod);

// seccompProfile of the container, else of the pod, else RuntimeDefault with seccompDefault and Unconfined
// without (upstream getSeccompProfile). Localhost profiles are paths under the seccomp profile root.
Result<cri::SecurityProfile> SeccompProfileFor(const api::Pod& pod, const api::Container& container,
                                               const SecurityOptions& options);

// procMount Default masks and write-protects parts of /proc and /sys; Unmasked leaves them as they are.
std::vector<std::string> MaskedPaths(const std::string& proc_mount);
std::vector<std::string> ReadonlyPaths(const std::string& proc_mount);

// fsGroup, then supplementalGroups: the extra groups of every process of the pod.
std::vector<int64_t> SupplementalGroups(const api::Pod& pod);

// Any init or app container asks for privileged (the sandbox is then privileged too).
bool HasPrivilegedContainer(const api::Pod& pod);

// The sandbox's: namespaces, the pod's runAsUser/runAsGroup, groups, seLinuxOptions, privileged when a
// container is, and RuntimeDefault seccomp for the pause process whatever the containers get.
cri::LinuxSandboxSecurityContext SandboxSecurityContext(const api::Pod& pod);

// spec.securityContext.sysctls as the sandbox's sysctls (admission checked them: sysctls.h).
cri::StringMap SandboxSysctls(const api::Pod& pod);

// Upstream verifyRunAsNonRoot: with runAsNonRoot, a runAsUser of 0, an image running as root or an image
// user that is a name (not verifiable) is an error naming the pod and container.
Status VerifyRunAsNonRoot(const api::Pod& pod, const api::Container& container, const ImageUser& image_user);

// The container's: the effective context, the image's user where the pod sets no runAsUser, namespaces,
// groups, no_new_privs (allowPrivilegeEscalation: false), masked/read-only paths, seccomp.
Result<cri::LinuxContainerSecurityContext> ContainerSecurityContext(const api::Pod& pod,
                                                                   const api::Container& container,
                                                                   const ImageUser& image_user,
                                                                   const SecurityOptions& options);

// What BuildSandboxConfig / BuildContainerConfig call: the security context, sysctls, stdin/tty. Fails
// (CreateContainerConfigError) on runAsNonRoot violations and Localhost profiles without a path.
void ApplySandboxSecurity(const api::Pod& pod, cri::PodSandboxConfig& config);
Status ApplyContainerSecurity(const api::Pod& pod, const api::Container& container, const ImageUser& image_user,
                              const SecurityOptions& options, cri::ContainerConfig& config);

// Which Linux security modules the node has; fields for the others are accepted and not enforced.
struct HostSecurity {
  bool selinux = false;
  bool apparmor = false;
};
// Reads <sys_root>/fs/selinux and <sys_root>/module/apparmor/parameters/enabled.
HostSecurity DetectHostSecurity(const std::string& sys_root = "/sys");

// One message per field the pod sets that the node cannot enforce (seLinuxOptions without SELinux, AppArmor
// annotations without AppArmor), naming the field: "spec.containers[0].securityContext.seLinuxOptions: ...".
std::vector<std::string> UnenforcedSecurityFields(const api::Pod& pod, const HostSecurity& host);

}  // namespace kubenode::kubelet
