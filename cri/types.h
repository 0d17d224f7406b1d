// kubenode's view of the CRI v1 objects it uses. The generated protobuf types stay inside cri/; the rest of
// kubenode (and its fakes) work with these plain structs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kubenode::cri {

using StringMap = std::map<std::string, std::string>;

struct VersionInfo {
  std::string runtime_name;         // "containerd"
  std::string runtime_version;      // "1.6.20~ds1"
  std::string runtime_api_version;  // "v1"
};

struct PodSandboxMetadata {
  std::string name;
  std::string uid;
  std::string ns;
  uint32_t attempt = 0;
  bool operator==(const PodSandboxMetadata&) const = default;
};

enum class Protocol { kTCP, kUDP, kSCTP };

struct PortMapping {
  Protocol protocol = Protocol::kTCP;
  int32_t container_port = 0;
  int32_t host_port = 0;
  std::string host_ip;
  bool operator==(const PortMapping&) const = default;
};

// Linux namespace modes (CRI NamespaceMode): POD shares the sandbox's, CONTAINER is the container's own,
// NODE is the host's.
enum class NamespaceMode { kPod, kContainer, kNode };

// Defaults are what kubenode asked for before security contexts were passed: network and IPC of the pod,
// a PID namespace per container.
struct NamespaceOption {
  NamespaceMode network = NamespaceMode::kPod;
  NamespaceMode pid = NamespaceMode::kContainer;
  NamespaceMode ipc = NamespaceMode::kPod;
  bool operator==(const NamespaceOption&) const = default;
};

struct SecurityProfile {
  enum class Type { kRuntimeDefault, kUnconfined, kLocalhost };
  Type type = Type::kUnconfined;
  std::string localhost_ref;  // with kLocalhost: the profile's absolute path on the node
  bool operator==(const SecurityProfile&) const = default;
};

struct SELinuxOption {
  std::string user, role, type, level;
  bool operator==(const SELinuxOption&) const = default;
};

struct Capability {
  std::vector<std::string> add_capabilities;   // names as written in the pod ("NET_ADMIN"; "ALL")
  std::vector<std::string> drop_capabilities;
  bool operator==(const Capability&) const = default;
};

struct LinuxSandboxSecurityContext {
  NamespaceOption namespace_options;
  std::optional<SELinuxOption> selinux_options;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  bool readonly_rootfs = false;
  std::vector<int64_t> supplemental_groups;
  bool privileged = false;
  std::optional<SecurityProfile> seccomp;  // unset: the runtime's choice
  bool operator==(const LinuxSandboxSecurityContext&) const = default;
};

struct LinuxContainerSecurityContext {
  std::optional<Capability> capabilities;
  bool privileged = false;
  NamespaceOption namespace_options;  // network always follows the sandbox's
  std::optional<SELinuxOption> selinux_options;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::string run_as_username;
  bool readonly_rootfs = false;
  std::vector<int64_t> supplemental_groups;
  bool no_new_privs = false;
  std::vector<std::string> masked_paths;    // empty: the runtime's defaults
  std::vector<std::string> readonly_paths;  // empty: the runtime's defaults
  std::optional<SecurityProfile> seccomp;   // unset: the runtime's choice
  bool operator==(const LinuxContainerSecurityContext&) const = default;
};

// Registry credentials for one PullImage (CRI AuthConfig), from the pod's imagePullSecrets.
struct AuthConfig {
  std::string username, password;
  std::string auth;  // base64 "username:password"
  std::string server_address;
  std::string identity_token, registry_token;
  bool operator==(const AuthConfig&) const = default;
};

// The sandbox's resolv.conf (CRI DNSConfig): nameservers, search domains, options ("ndots:5").
struct DNSConfig {
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
  bool operator==(const DNSConfig&) const = default;
};

struct PodSandboxConfig {
  PodSandboxMetadata metadata;
  std::string hostname;
  std::string log_directory;  // /var/log/pods/<ns>_<name>_<uid>
  std::vector<PortMapping> port_mappings;
  StringMap labels;
  StringMap annotations;
  bool host_network = false;
  std::string cgroup_parent;
  LinuxSandboxSecurityContext security_context;  // namespace_options.network follows host_network
  StringMap sysctls;
  std::optional<DNSConfig> dns_config;  // unset: the runtime's default (the host's resolv.conf)
};

enum class SandboxState { kReady, kNotReady };

struct PodSandbox {
  std::string id;
  PodSandboxMetadata metadata;
  SandboxState state = SandboxState::kNotReady;
  int64_t created_at_ns = 0;
  StringMap labels;
  StringMap annotations;
};

struct PodSandboxStatus {
  std::string id;
  PodSandboxMetadata metadata;
  SandboxState state = SandboxState::kNotReady;
  int64_t created_at_ns = 0;
  std::string ip;  // primary pod IP; empty with host network
  std::vector<std::string> additional_ips;
  bool host_network = false;
  StringMap labels;
  StringMap annotations;
};

struct ContainerMetadata {
  std::string name;
  uint32_t attempt = 0;
  bool operator==(const ContainerMetadata&) const = default;
};

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};

struct Mount {
  std::string container_path;
  std::string host_path;
  bool readonly = false;
  bool operator==(const Mount&) const = default;
};

struct HugepageLimit {
  std::string page_size;  // "2MB", "1GB": the <size> of hugetlb.<size>.limit_in_bytes
  uint64_t limit = 0;     // bytes
  bool operator==(const HugepageLimit&) const = default;
};

// LinuxContainerResources: what the runtime writes into the container's cgroup.
struct LinuxContainerResources {
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;   // 0: no quota
  int64_t cpu_shares = 0;
  int64_t memory_limit_in_bytes = 0;  // 0: no limit
  int64_t oom_score_adj = 0;
  std::vector<HugepageLimit> hugepage_limits;
  bool operator==(const LinuxContainerResources&) const = default;
};

struct ContainerConfig {
  ContainerMetadata metadata;
  std::string image;  // image reference to run (name or resolved ID)
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<KeyValue> envs;
  std::vector<Mount> mounts;
  StringMap labels;
  StringMap annotations;
  std::string log_path;  // relative to the sandbox's log_directory
  bool stdin = false;
  bool stdin_once = false;
  bool tty = false;
  LinuxContainerSecurityContext security_context;
  std::optional<LinuxContainerResources> resources;  // unset: the runtime's defaults
};

enum class ContainerState { kCreated, kRunning, kExited, kUnknown };
const char* ToString(ContainerState state);  // CONTAINER_CREATED, ...

struct Container {
  std::string id;
  std::string pod_sandbox_id;
  ContainerMetadata metadata;
  std::string image;
  std::string image_ref;
  ContainerState state = ContainerState::kUnknown;
  int64_t created_at_ns = 0;
  StringMap labels;
  StringMap annotations;
};

struct ContainerStatus {
  std::string id;
  ContainerMetadata metadata;
  ContainerState state = ContainerState::kUnknown;
  int64_t created_at_ns = 0;
  int64_t started_at_ns = 0;
  int64_t finished_at_ns = 0;
  int32_t exit_code = 0;
  std::string image;
  std::string image_ref;
  std::string reason;   // e.g. "Completed", "Error", "OOMKilled"
  std::string message;
  StringMap labels;
  StringMap annotations;
  std::string log_path;  // absolute
};

struct ExecResult {
  std::string stdout_data;
  std::string stderr_data;
  int32_t exit_code = 0;
};

// Streaming requests (CRI Exec / Attach / PortForward): the runtime answers with a URL on its streaming
// server, to which the kubelet proxies the client's upgraded connection.
struct ExecRequest {
  std::string container_id;
  std::vector<std::string> cmd;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

struct AttachRequest {
  std::string container_id;
  bool tty = false;
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

struct PortForwardRequest {
  std::string pod_sandbox_id;
  std::vector<int32_t> ports;  // empty for SPDY: the client names ports per stream
};

struct Image {
  std::string id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  uint64_t size = 0;
  std::optional<int64_t> uid;  // the image config's user, when numeric
  std::string username;        // the image config's user, when a name
};

// Filters for List calls; empty fields match everything.
struct SandboxFilter {
  std::string id;
  std::optional<SandboxState> state;
  StringMap label_selector;
};

struct ContainerFilter {
  std::string id;
  std::string pod_sandbox_id;
  std::optional<ContainerState> state;
  StringMap label_selector;
};

// Resource usage (CRI CpuUsage / MemoryUsage / FilesystemUsage / NetworkUsage). Timestamps in ns since the
// epoch; a field the runtime did not fill (UInt64Value unset) is nullopt.
struct CpuUsage {
  int64_t timestamp_ns = 0;
  std::optional<uint64_t> usage_core_nano_seconds;
  std::optional<uint64_t> usage_nano_cores;
};

struct MemoryUsage {
  int64_t timestamp_ns = 0;
  std::optional<uint64_t> working_set_bytes;
  std::optional<uint64_t> available_bytes;
  std::optional<uint64_t> usage_bytes;
  std::optional<uint64_t> rss_bytes;
  std::optional<uint64_t> page_faults;
  std::optional<uint64_t> major_page_faults;
};

struct FilesystemUsage {
  int64_t timestamp_ns = 0;
  std::string mountpoint;
  std::optional<uint64_t> used_bytes;
  std::optional<uint64_t> inodes_used;
};

struct NetworkInterfaceUsage {
  std::string name;
  std::optional<uint64_t> rx_bytes, rx_errors, tx_bytes, tx_errors;
};

struct NetworkUsage {
  int64_t timestamp_ns = 0;
  NetworkInterfaceUsage default_interface;
  std::vector<NetworkInterfaceUsage> interfaces;
};

struct ContainerStats {
  std::string id;
  ContainerMetadata metadata;
  StringMap labels;
  StringMap annotations;
  std::optional<CpuUsage> cpu;
  std::optional<MemoryUsage> memory;
  std::optional<FilesystemUsage> writable_layer;
};

struct PodSandboxStats {
  std::string id;
  PodSandboxMetadata metadata;
  StringMap labels;
  StringMap annotations;
  std::optional<CpuUsage> cpu;
  std::optional<MemoryUsage> memory;
  std::optional<NetworkUsage> network;
  std::vector<ContainerStats> containers;
};

struct ContainerStatsFilter {
  std::string id;
  std::string pod_sandbox_id;
  StringMap label_selector;
};

struct PodSandboxStatsFilter {
  std::string id;
  StringMap label_selector;
};

}  // namespace kubenode::cri
