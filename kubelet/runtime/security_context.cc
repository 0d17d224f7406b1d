#include "kubelet/runtime/security_context.h"

#include <fstream>
#include <system_error>
#include <filesystem>

#include "kubelet/runtime/planner.h"

namespace kubenode::kubelet {
namespace {

constexpr char kAppArmorAnnotationPrefix[] = "container.apparmor.security.beta.kubernetes.io/";

// The paths Docker (moby's oci/defaults.go) hides and write-protects, which upstream keeps in step with.
const std::vector<std::string>& DefaultMaskedPaths() {
  static const std::vector<std::string> paths = {
      "/proc/asound",       "/proc/acpi",      "/proc/kcore",       "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",         "/sys/firmware",   "/sys/devices/virtual/powercap",
  };
  return paths;
}

const std::vector<std::string>& DefaultReadonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

cri::SELinuxOption ToCri(const api::SELinuxOptions& o) { return {o.user, o.role, o.type, o.level}; }

Result<cri::SecurityProfile> FieldSeccompProfile(const api::SeccompProfile& profile, const SecurityOptions& options) {
  using Type = cri::SecurityProfile::Type;
  if (profile.type == "RuntimeDefault") return cri::SecurityProfile{Type::kRuntimeDefault, ""};
  if (profile.type == "Localhost") {
    if (profile.localhost_profile.empty()) {
      return Status::Error("localhostProfile must be set if seccompProfile type is Localhost.");
    }
    return cri::SecurityProfile{Type::kLocalhost,
                                (std::filesystem::path(options.seccomp_profile_root) / profile.localhost_profile)
                                    .lexically_normal()
                                    .string()};
  }
  return cri::SecurityProfile{Type::kUnconfined, ""};
}

bool AddsSysAdmin(const api::SecurityContext& sc) {
  if (!sc.capabilities) return false;
  for (const auto& c : sc.capabilities->add) {
    if (c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN") return true;
  }
  return false;
}

}  // namespace

ImageUser ImageUserOf(const std::optional<cri::Image>& image) {
  if (image && image->uid) return {image->uid, ""};
  if (image && !image->username.empty()) return {std::nullopt, image->username};
  return {};
}

api::SecurityContext EffectiveSecurityContext(const api::Pod& pod, const api::Container& container) {
  const auto& pod_sc = pod.spec.security_context;
  api::SecurityContext sc;
  sc.se_linux_options = pod_sc.se_linux_options;
  sc.run_as_user = pod_sc.run_as_user;
  sc.run_as_group = pod_sc.run_as_group;
  sc.run_as_non_root = pod_sc.run_as_non_root;
  if (!container.security_context) return sc;
  const auto& c = *container.security_context;
  if (c.se_linux_options) sc.se_linux_options = c.se_linux_options;
  if (c.capabilities) sc.capabilities = c.capabilities;
  if (c.privileged) sc.privileged = c.privileged;
  if (c.run_as_user) sc.run_as_user = c.run_as_user;
  if (c.run_as_group) sc.run_as_group = c.run_as_group;
  if (c.run_as_non_root) sc.run_as_non_root = c.run_as_non_root;
  if (c.read_only_root_filesystem) sc.read_only_root_filesystem = c.read_only_root_filesystem;
  if (c.allow_privilege_escalation) sc.allow_privilege_escalation = c.allow_privilege_escalation;
  if (!c.proc_mount.empty()) sc.proc_mount = c.proc_mount;
  if (c.seccomp_profile) sc.seccomp_profile = c.seccomp_profile;
  return sc;
}

cri::NamespaceOption NamespacesForPod(const api::Pod& pod) {
  using Mode = cri::NamespaceMode;
  cri::NamespaceOption ns;
  ns.network = pod.spec.host_network ? Mode::kNode : Mode::kPod;
  ns.ipc = pod.spec.host_ipc ? Mode::kNode : Mode::kPod;
  if (pod.spec.host_pid) {
    ns.pid = Mode::kNode;
  } else if (pod.spec.share_process_namespace) {
    ns.pid = Mode::kPod;
  } else {
    ns.pid = Mode::kContainer;
  }
  return ns;
}

Result<cri::SecurityProfile> SeccompProfileFor(const api::Pod& pod, const api::Container& container,
                                               const SecurityOptions& options) {
  if (container.security_context && container.security_context->seccomp_profile) {
    return FieldSeccompProfile(*container.security_context->seccomp_profile, options);
  }
  if (pod.spec.security_context.seccomp_profile) {
    return FieldSeccompProfile(*pod.spec.security_context.seccomp_profile, options);
  }
  using Type = cri::SecurityProfile::Type;
  return cri::SecurityProfile{options.seccomp_default ? Type::kRuntimeDefault : Type::kUnconfined, ""};
}

std::vector<std::string> MaskedPaths(const std::string& proc_mount) {
  if (proc_mount == "Unmasked") return {};
  return DefaultMaskedPaths();
}

std::vector<std::string> ReadonlyPaths(const std::string& proc_mount) {
  if (proc_mount == "Unmasked") return {};
  return DefaultReadonlyPaths();
}

std::vector<int64_t> SupplementalGroups(const api::Pod& pod) {
  std::vector<int64_t> groups;
  const auto& sc = pod.spec.security_context;
  if (sc.fs_group) groups.push_back(*sc.fs_group);
  groups.insert(groups.end(), sc.supplemental_groups.begin(), sc.supplemental_groups.end());
  return groups;
}

bool HasPrivilegedContainer(const api::Pod& pod) {
  auto privileged = [](const api::Container& c) {
    return c.security_context && c.security_context->privileged.value_or(false);
  };
  for (const auto& c : pod.spec.init_containers) {
    if (privileged(c)) return true;
  }
  for (const auto& c : pod.spec.containers) {
    if (privileged(c)) return true;
  }
  return false;
}

cri::LinuxSandboxSecurityContext SandboxSecurityContext(const api::Pod& pod) {
  const auto& sc = pod.spec.security_context;
  cri::LinuxSandboxSecurityContext out;
  out.namespace_options = NamespacesForPod(pod);
  if (sc.se_linux_options) out.selinux_options = ToCri(*sc.se_linux_options);
  out.run_as_user = sc.run_as_user;
  out.run_as_group = sc.run_as_group;
  out.supplemental_groups = SupplementalGroups(pod);
  out.privileged = HasPrivilegedContainer(pod);
  // Upstream runs every sandbox with the runtime's default profile (kubernetes#84623): the pause process
  // needs no more, and the pod's own profile applies to its containers.
  out.seccomp = cri::SecurityProfile{cri::SecurityProfile::Type::kRuntimeDefault, ""};
  return out;
}

cri::StringMap SandboxSysctls(const api::Pod& pod) {
  cri::StringMap out;
  for (const auto& s : pod.spec.security_context.sysctls) out[s.name] = s.value;
  return out;
}

Status VerifyRunAsNonRoot(const api::Pod& pod, const api::Container& container, const ImageUser& image_user) {
  const auto sc = EffectiveSecurityContext(pod, container);
  if (!sc.run_as_non_root.value_or(false)) return {};
  const std::string where = "(pod: \"" + FormatPod(pod) + "\", container: " + container.name + ")";
  if (sc.run_as_user) {
    if (*sc.run_as_user == 0) return Status::Error("container's runAsUser breaks non-root policy " + where);
    return {};
  }
  if (image_user.uid && *image_user.uid == 0) {
    return Status::Error("container has runAsNonRoot and image will run as root " + where);
  }
  if (!image_user.uid && !image_user.username.empty()) {
    return Status::Error("container has runAsNonRoot and image has non-numeric user (" + image_user.username +
                         "), cannot verify user is non-root " + where);
  }
  return {};
}

Result<cri::LinuxContainerSecurityContext> ContainerSecurityContext(const api::Pod& pod,
                                                                   const api::Container& container,
                                                                   const ImageUser& image_user,
                                                                   const SecurityOptions& options) {
  const auto sc = EffectiveSecurityContext(pod, container);
  cri::LinuxContainerSecurityContext out;
  if (sc.capabilities) out.capabilities = cri::Capability{sc.capabilities->add, sc.capabilities->drop};
  if (sc.se_linux_options) out.selinux_options = ToCri(*sc.se_linux_options);
  out.privileged = sc.privileged.value_or(false);
  out.readonly_rootfs = sc.read_only_root_filesystem.value_or(false);
  out.run_as_group = sc.run_as_group;
  if (sc.run_as_user) {
    out.run_as_user = sc.run_as_user;
  } else {
    // As upstream: the image's user, so that the runtime and runAsNonRoot agree on who runs.
    out.run_as_user = image_user.uid;
    out.run_as_username = image_user.username;
  }
  out.namespace_options = NamespacesForPod(pod);
  out.supplemental_groups = SupplementalGroups(pod);
  // Upstream AddNoNewPrivileges: only an explicit allowPrivilegeEscalation: false sets no_new_privs. API
  // validation refuses that together with privileged or CAP_SYS_ADMIN, which need privilege escalation.
  out.no_new_privs = sc.allow_privilege_escalation.has_value() && !*sc.allow_privilege_escalation &&
                     !out.privileged && !AddsSysAdmin(sc);
  out.masked_paths = MaskedPaths(sc.proc_mount);
  out.readonly_paths = ReadonlyPaths(sc.proc_mount);
  auto seccomp = SeccompProfileFor(pod, container, options);
  if (!seccomp.ok()) return seccomp.status();
  out.seccomp = *seccomp;
  return out;
}

void ApplySandboxSecurity(const api::Pod& pod, cri::PodSandboxConfig& config) {
  config.security_context = SandboxSecurityContext(pod);
  config.sysctls = SandboxSysctls(pod);
}

Status ApplyContainerSecurity(const api::Pod& pod, const api::Container& container, const ImageUser& image_user,
                              const SecurityOptions& options, cri::ContainerConfig& config) {
  if (auto st = VerifyRunAsNonRoot(pod, container, image_user); !st.ok()) return st;
  auto sc = ContainerSecurityContext(pod, container, image_user, options);
  if (!sc.ok()) return sc.status();
  config.security_context = std::move(*sc);
  config.stdin = container.stdin;
  config.stdin_once = container.stdin_once;
  config.tty = container.tty;
  return {};
}

HostSecurity DetectHostSecurity(const std::string& sys_root) {
  HostSecurity host;
  std::error_code ec;
  host.selinux = std::filesystem::exists(sys_root + "/fs/selinux/enforce", ec);
  std::ifstream enabled(sys_root + "/module/apparmor/parameters/enabled");
  std::string value;
  host.apparmor = enabled && std::getline(enabled, value) && value.starts_with("Y");
  return host;
}

std::vector<std::string> UnenforcedSecurityFields(const api::Pod& pod, const HostSecurity& host) {
  std::vector<std::string> out;
  if (!host.selinux) {
    const std::string why = ": accepted but not enforced: SELinux is not enabled on this node";
    if (pod.spec.security_context.se_linux_options) out.push_back("spec.securityContext.seLinuxOptions" + why);
    auto each = [&](const std::vector<api::Container>& containers, const std::string& field) {
      for (size_t i = 0; i < containers.size(); ++i) {
        const auto& sc = containers[i].security_context;
        if (sc && sc->se_linux_options) {
          out.push_back(field + "[" + std::to_string(i) + "].securityContext.seLinuxOptions" + why);
        }
      }
    };
    each(pod.spec.init_containers, "spec.initContainers");
    each(pod.spec.containers, "spec.containers");
  }
  if (!host.apparmor) {
    for (const auto& [key, value] : pod.metadata.annotations) {
      if (!key.starts_with(kAppArmorAnnotationPrefix) || value == "unconfined") continue;
      out.push_back("metadata.annotations[" + key + "]: accepted but not enforced: AppArmor is not enabled on this node");
    }
  }
  return out;
}

}  // namespace kubenode::kubelet
