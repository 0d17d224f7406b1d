#include "cri/convert.h"

namespace kubenode::cri {
namespace {

namespace v1 = runtime::v1;

void CopyMap(const StringMap& in, google::protobuf::Map<std::string, std::string>* out) {
  for (const auto& [k, v] : in) (*out)[k] = v;
}

StringMap FromMap(const google::protobuf::Map<std::string, std::string>& in) {
  return StringMap(in.begin(), in.end());
}

v1::Protocol ToProto(Protocol p) {
  switch (p) {
    case Protocol::kUDP: return v1::UDP;
    case Protocol::kSCTP: return v1::SCTP;
    case Protocol::kTCP: break;
  }
  return v1::TCP;
}

v1::ContainerState ToProto(ContainerState s) {
  switch (s) {
    case ContainerState::kCreated: return v1::CONTAINER_CREATED;
    case ContainerState::kRunning: return v1::CONTAINER_RUNNING;
    case ContainerState::kExited: return v1::CONTAINER_EXITED;
    case ContainerState::kUnknown: break;
  }
  return v1::CONTAINER_UNKNOWN;
}

ContainerState FromProto(v1::ContainerState s) {
  switch (s) {
    case v1::CONTAINER_CREATED: return ContainerState::kCreated;
    case v1::CONTAINER_RUNNING: return ContainerState::kRunning;
    case v1::CONTAINER_EXITED: return ContainerState::kExited;
    default: return ContainerState::kUnknown;
  }
}

SandboxState FromProto(v1::PodSandboxState s) {
  return s == v1::SANDBOX_READY ? SandboxState::kReady : SandboxState::kNotReady;
}

PodSandboxMetadata FromProto(const v1::PodSandboxMetadata& m) {
  return {m.name(), m.uid(), m.namespace_(), m.attempt()};
}

ContainerMetadata FromProto(const v1::ContainerMetadata& m) { return {m.name(), m.attempt()}; }

// Host network is a property of the sandbox; containers must ask for the same namespace mode.
v1::NamespaceMode NetworkMode(const PodSandboxConfig& sandbox) {
  return sandbox.host_network ? v1::NODE : v1::POD;
}

v1::NamespaceMode ToProto(NamespaceMode m) {
  switch (m) {
    case NamespaceMode::kContainer: return v1::CONTAINER;
    case NamespaceMode::kNode: return v1::NODE;
    case NamespaceMode::kPod: break;
  }
  return v1::POD;
}

void ToProto(const SecurityProfile& in, v1::SecurityProfile* out) {
  switch (in.type) {
    case SecurityProfile::Type::kRuntimeDefault: out->set_profile_type(v1::SecurityProfile::RuntimeDefault); break;
    case SecurityProfile::Type::kLocalhost: out->set_profile_type(v1::SecurityProfile::Localhost); break;
    case SecurityProfile::Type::kUnconfined: out->set_profile_type(v1::SecurityProfile::Unconfined); break;
  }
  if (!in.localhost_ref.empty()) out->set_localhost_ref(in.localhost_ref);
}

void ToProto(const SELinuxOption& in, v1::SELinuxOption* out) {
  out->set_user(in.user);
  out->set_role(in.role);
  out->set_type(in.type);
  out->set_level(in.level);
}

void ToProto(const LinuxSandboxSecurityContext& in, v1::LinuxSandboxSecurityContext* out) {
  if (in.selinux_options) ToProto(*in.selinux_options, out->mutable_selinux_options());
  if (in.run_as_user) out->mutable_run_as_user()->set_value(*in.run_as_user);
  if (in.run_as_group) out->mutable_run_as_group()->set_value(*in.run_as_group);
  out->set_readonly_rootfs(in.readonly_rootfs);
  for (int64_t g : in.supplemental_groups) out->add_supplemental_groups(g);
  out->set_privileged(in.privileged);
  if (in.seccomp) ToProto(*in.seccomp, out->mutable_seccomp());
}

void ToProto(const LinuxContainerSecurityContext& in, v1::LinuxContainerSecurityContext* out) {
  if (in.capabilities) {
    auto* caps = out->mutable_capabilities();
    for (const auto& c : in.capabilities->add_capabilities) caps->add_add_capabilities(c);
    for (const auto& c : in.capabilities->drop_capabilities) caps->add_drop_capabilities(c);
  }
  out->set_privileged(in.privileged);
  if (in.selinux_options) ToProto(*in.selinux_options, out->mutable_selinux_options());
  if (in.run_as_user) out->mutable_run_as_user()->set_value(*in.run_as_user);
  if (in.run_as_group) out->mutable_run_as_group()->set_value(*in.run_as_group);
  out->set_run_as_username(in.run_as_username);
  out->set_readonly_rootfs(in.readonly_rootfs);
  for (int64_t g : in.supplemental_groups) out->add_supplemental_groups(g);
  out->set_no_new_privs(in.no_new_privs);
  for (const auto& p : in.masked_paths) out->add_masked_paths(p);
  for (const auto& p : in.readonly_paths) out->add_readonly_paths(p);
  if (in.seccomp) ToProto(*in.seccomp, out->mutable_seccomp());
}

void ToProto(const LinuxContainerResources& in, v1::LinuxContainerResources* out) {
  out->set_cpu_period(in.cpu_period);
  out->set_cpu_quota(in.cpu_quota);
  out->set_cpu_shares(in.cpu_shares);
  out->set_memory_limit_in_bytes(in.memory_limit_in_bytes);
  out->set_oom_score_adj(in.oom_score_adj);
  for (const HugepageLimit& h : in.hugepage_limits) {
    auto* limit = out->add_hugepage_limits();
    limit->set_page_size(h.page_size);
    limit->set_limit(h.limit);
  }
}

}  // namespace

const char* ToString(ContainerState state) {
  switch (state) {
    case ContainerState::kCreated: return "CONTAINER_CREATED";
    case ContainerState::kRunning: return "CONTAINER_RUNNING";
    case ContainerState::kExited: return "CONTAINER_EXITED";
    case ContainerState::kUnknown: break;
  }
  return "CONTAINER_UNKNOWN";
}

void ToProto(const PodSandboxConfig& in, v1::PodSandboxConfig* out) {
  auto* meta = out->mutable_metadata();
  meta->set_name(in.metadata.name);
  meta->set_uid(in.metadata.uid);
  meta->set_namespace_(in.metadata.ns);
  meta->set_attempt(in.metadata.attempt);
  out->set_hostname(in.hostname);
  out->set_log_directory(in.log_directory);
  for (const PortMapping& pm : in.port_mappings) {
    auto* p = out->add_port_mappings();
    p->set_protocol(ToProto(pm.protocol));
    p->set_container_port(pm.container_port);
    p->set_host_port(pm.host_port);
    p->set_host_ip(pm.host_ip);
  }
  CopyMap(in.labels, out->mutable_labels());
  CopyMap(in.annotations, out->mutable_annotations());
  if (in.dns_config) {
    auto* dns = out->mutable_dns_config();
    for (const auto& s : in.dns_config->servers) dns->add_servers(s);
    for (const auto& s : in.dns_config->searches) dns->add_searches(s);
    for (const auto& o : in.dns_config->options) dns->add_options(o);
  }
  auto* linux_config = out->mutable_linux();
  if (!in.cgroup_parent.empty()) linux_config->set_cgroup_parent(in.cgroup_parent);
  ToProto(in.security_context, linux_config->mutable_security_context());
  auto* ns = linux_config->mutable_security_context()->mutable_namespace_options();
  ns->set_network(NetworkMode(in));
  ns->set_pid(ToProto(in.security_context.namespace_options.pid));
  ns->set_ipc(ToProto(in.security_context.namespace_options.ipc));
  CopyMap(in.sysctls, linux_config->mutable_sysctls());
}

void ToProto(const ContainerConfig& in, const PodSandboxConfig& sandbox, v1::ContainerConfig* out) {
  out->mutable_metadata()->set_name(in.metadata.name);
  out->mutable_metadata()->set_attempt(in.metadata.attempt);
  out->mutable_image()->set_image(in.image);
  for (const auto& c : in.command) out->add_command(c);
  for (const auto& a : in.args) out->add_args(a);
  out->set_working_dir(in.working_dir);
  for (const KeyValue& kv : in.envs) {
    auto* e = out->add_envs();
    e->set_key(kv.key);
    e->set_value(kv.value);
  }
  for (const Mount& m : in.mounts) {
    auto* pm = out->add_mounts();
    pm->set_container_path(m.container_path);
    pm->set_host_path(m.host_path);
    pm->set_readonly(m.readonly);
  }
  CopyMap(in.labels, out->mutable_labels());
  CopyMap(in.annotations, out->mutable_annotations());
  out->set_log_path(in.log_path);
  out->set_stdin(in.stdin);
  out->set_stdin_once(in.stdin_once);
  out->set_tty(in.tty);
  ToProto(in.security_context, out->mutable_linux()->mutable_security_context());
  if (in.resources) ToProto(*in.resources, out->mutable_linux()->mutable_resources());
  auto* ns = out->mutable_linux()->mutable_security_context()->mutable_namespace_options();
  ns->set_network(NetworkMode(sandbox));
  ns->set_pid(ToProto(in.security_context.namespace_options.pid));
  ns->set_ipc(ToProto(in.security_context.namespace_options.ipc));
}

void ToProto(const SandboxFilter& in, v1::PodSandboxFilter* out) {
  out->set_id(in.id);
  if (in.state) {
    out->mutable_state()->set_state(*in.state == SandboxState::kReady ? v1::SANDBOX_READY : v1::SANDBOX_NOTREADY);
  }
  CopyMap(in.label_selector, out->mutable_label_selector());
}

void ToProto(const ContainerFilter& in, v1::ContainerFilter* out) {
  out->set_id(in.id);
  out->set_pod_sandbox_id(in.pod_sandbox_id);
  if (in.state) out->mutable_state()->set_state(ToProto(*in.state));
  CopyMap(in.label_selector, out->mutable_label_selector());
}

void ToProto(const ExecRequest& in, v1::ExecRequest* out) {
  out->set_container_id(in.container_id);
  for (const auto& c : in.cmd) out->add_cmd(c);
  out->set_tty(in.tty);
  out->set_stdin(in.stdin);
  out->set_stdout(in.stdout);
  out->set_stderr(in.stderr);
}

void ToProto(const AttachRequest& in, v1::AttachRequest* out) {
  out->set_container_id(in.container_id);
  out->set_tty(in.tty);
  out->set_stdin(in.stdin);
  out->set_stdout(in.stdout);
  out->set_stderr(in.stderr);
}

void ToProto(const PortForwardRequest& in, v1::PortForwardRequest* out) {
  out->set_pod_sandbox_id(in.pod_sandbox_id);
  for (int32_t port : in.ports) out->add_port(port);
}

PodSandbox FromProto(const v1::PodSandbox& in) {
  return {in.id(), FromProto(in.metadata()), FromProto(in.state()), in.created_at(), FromMap(in.labels()),
          FromMap(in.annotations())};
}

PodSandboxStatus FromProto(const v1::PodSandboxStatus& in) {
  PodSandboxStatus out;
  out.id = in.id();
  out.metadata = FromProto(in.metadata());
  out.state = FromProto(in.state());
  out.created_at_ns = in.created_at();
  out.ip = in.network().ip();
  for (const auto& ip : in.network().additional_ips()) out.additional_ips.push_back(ip.ip());
  out.host_network = in.linux().namespaces().options().network() == v1::NODE;
  out.labels = FromMap(in.labels());
  out.annotations = FromMap(in.annotations());
  return out;
}

Container FromProto(const v1::Container& in) {
  return {in.id(),          in.pod_sandbox_id(),      FromProto(in.metadata()),    in.image().image(),
          in.image_ref(),   FromProto(in.state()),    in.created_at(),             FromMap(in.labels()),
          FromMap(in.annotations())};
}

ContainerStatus FromProto(const v1::ContainerStatus& in) {
  ContainerStatus out;
  out.id = in.id();
  out.metadata = FromProto(in.metadata());
  out.state = FromProto(in.state());
  out.created_at_ns = in.created_at();
  out.started_at_ns = in.started_at();
  out.finished_at_ns = in.finished_at();
  out.exit_code = in.exit_code();
  out.image = in.image().image();
  out.image_ref = in.image_ref();
  out.reason = in.reason();
  out.message = in.message();
  out.labels = FromMap(in.labels());
  out.annotations = FromMap(in.annotations());
  out.log_path = in.log_path();
  return out;
}

Image FromProto(const v1::Image& in) {
  Image out;
  out.id = in.id();
  out.repo_tags.assign(in.repo_tags().begin(), in.repo_tags().end());
  out.repo_digests.assign(in.repo_digests().begin(), in.repo_digests().end());
  out.size = in.size();
  if (in.has_uid()) out.uid = in.uid().value();
  out.username = in.username();
  return out;
}

namespace {

std::optional<uint64_t> FromProto(bool has, const v1::UInt64Value& v) {
  if (!has) return std::nullopt;
  return v.value();
}

CpuUsage FromProto(const v1::CpuUsage& in) {
  return {in.timestamp(), FromProto(in.has_usage_core_nano_seconds(), in.usage_core_nano_seconds()),
          FromProto(in.has_usage_nano_cores(), in.usage_nano_cores())};
}

MemoryUsage FromProto(const v1::MemoryUsage& in) {
  MemoryUsage out;
  out.timestamp_ns = in.timestamp();
  out.working_set_bytes = FromProto(in.has_working_set_bytes(), in.working_set_bytes());
  out.available_bytes = FromProto(in.has_available_bytes(), in.available_bytes());
  out.usage_bytes = FromProto(in.has_usage_bytes(), in.usage_bytes());
  out.rss_bytes = FromProto(in.has_rss_bytes(), in.rss_bytes());
  out.page_faults = FromProto(in.has_page_faults(), in.page_faults());
  out.major_page_faults = FromProto(in.has_major_page_faults(), in.major_page_faults());
  return out;
}

NetworkInterfaceUsage FromProto(const v1::NetworkInterfaceUsage& in) {
  return {in.name(), FromProto(in.has_rx_bytes(), in.rx_bytes()), FromProto(in.has_rx_errors(), in.rx_errors()),
          FromProto(in.has_tx_bytes(), in.tx_bytes()), FromProto(in.has_tx_errors(), in.tx_errors())};
}

}  // namespace

ContainerStats FromProto(const v1::ContainerStats& in) {
  ContainerStats out;
  out.id = in.attributes().id();
  out.metadata = FromProto(in.attributes().metadata());
  out.labels = FromMap(in.attributes().labels());
  out.annotations = FromMap(in.attributes().annotations());
  if (in.has_cpu()) out.cpu = FromProto(in.cpu());
  if (in.has_memory()) out.memory = FromProto(in.memory());
  if (in.has_writable_layer()) {
    const auto& w = in.writable_layer();
    out.writable_layer = FilesystemUsage{w.timestamp(), w.fs_id().mountpoint(),
                                         FromProto(w.has_used_bytes(), w.used_bytes()),
                                         FromProto(w.has_inodes_used(), w.inodes_used())};
  }
  return out;
}

PodSandboxStats FromProto(const v1::PodSandboxStats& in) {
  PodSandboxStats out;
  out.id = in.attributes().id();
  out.metadata = FromProto(in.attributes().metadata());
  out.labels = FromMap(in.attributes().labels());
  out.annotations = FromMap(in.attributes().annotations());
  if (!in.has_linux()) return out;
  const auto& lx = in.linux();
  if (lx.has_cpu()) out.cpu = FromProto(lx.cpu());
  if (lx.has_memory()) out.memory = FromProto(lx.memory());
  if (lx.has_network()) {
    NetworkUsage net;
    net.timestamp_ns = lx.network().timestamp();
    net.default_interface = FromProto(lx.network().default_interface());
    for (const auto& i : lx.network().interfaces()) net.interfaces.push_back(FromProto(i));
    out.network = std::move(net);
  }
  for (const auto& c : lx.containers()) out.containers.push_back(FromProto(c));
  return out;
}

}  // namespace kubenode::cri
