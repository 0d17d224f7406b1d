// core/v1 Pod. The typed fields are the ones the node acts on (upstream JSON names, in C++ case);
// Pod::source keeps the whole object as written, so that every other field of the v1.28 schema is
// accepted and round-trips (api/schema.h decides what exists).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/meta.h"
#include "api/quantity.h"

namespace kubenode::api {

struct ContainerPort {
  std::string name;
  int32_t container_port = 0;
  int32_t host_port = 0;
  Protocol protocol = Protocol::kTCP;
  bool operator==(const ContainerPort&) const = default;
};

struct EnvVar {
  std::string name;
  std::string value;
  bool operator==(const EnvVar&) const = default;
};

struct ExecAction {
  std::vector<std::string> command;
  bool operator==(const ExecAction&) const = default;
};

struct HTTPHeader {
  std::string name;
  std::string value;
  bool operator==(const HTTPHeader&) const = default;
};

struct HTTPGetAction {
  std::string path;  // upstream default: "/" is not applied; empty means "/" when probing
  IntOrString port;
  std::string host;            // empty: the pod IP
  std::string scheme = "HTTP";  // HTTP or HTTPS
  std::vector<HTTPHeader> http_headers;
  bool operator==(const HTTPGetAction&) const = default;
};

struct TCPSocketAction {
  IntOrString port;
  std::string host;
  bool operator==(const TCPSocketAction&) const = default;
};

// ProbeHandler / LifecycleHandler: exactly one of the three is set after validation.
struct Handler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
  std::optional<TCPSocketAction> tcp_socket;
  bool operator==(const Handler&) const = default;
};

struct Probe {
  Handler handler;
  int32_t initial_delay_seconds = 0;
  int32_t timeout_seconds = 1;
  int32_t period_seconds = 10;
  int32_t success_threshold = 1;
  int32_t failure_threshold = 3;
  std::optional<int64_t> termination_grace_period_seconds;
  bool operator==(const Probe&) const = default;
};

struct Lifecycle {
  std::optional<Handler> post_start;
  std::optional<Handler> pre_stop;
  bool operator==(const Lifecycle&) const = default;
};

// Resource names ("cpu", "memory", "ephemeral-storage", "hugepages-2Mi", ...) to quantities.
using ResourceList = std::map<std::string, Quantity>;

struct ResourceRequirements {
  ResourceList limits;
  ResourceList requests;  // defaulted from limits where a request is not given (as upstream)
  bool operator==(const ResourceRequirements&) const = default;
};

struct Capabilities {
  std::vector<std::string> add;   // "NET_ADMIN" or "CAP_NET_ADMIN", as written
  std::vector<std::string> drop;  // "ALL" drops every capability
  bool operator==(const Capabilities&) const = default;
};

struct SeccompProfile {
  std::string type;               // RuntimeDefault, Unconfined or Localhost
  std::string localhost_profile;  // with Localhost: a path under the kubelet's seccomp directory
  bool operator==(const SeccompProfile&) const = default;
};

struct SELinuxOptions {
  std::string user, role, type, level;
  bool operator==(const SELinuxOptions&) const = default;
};

// Container-level securityContext; unset fields fall back to the pod's PodSecurityContext.
struct SecurityContext {
  std::optional<Capabilities> capabilities;
  std::optional<bool> privileged;
  std::optional<SELinuxOptions> se_linux_options;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<bool> read_only_root_filesystem;
  std::optional<bool> allow_privilege_escalation;
  std::string proc_mount;  // "", Default or Unmasked
  std::optional<SeccompProfile> seccomp_profile;
  bool operator==(const SecurityContext&) const = default;
};

struct Sysctl {
  std::string name;
  std::string value;
  bool operator==(const Sysctl&) const = default;
};

struct PodSecurityContext {
  std::optional<SELinuxOptions> se_linux_options;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::vector<int64_t> supplemental_groups;
  std::optional<int64_t> fs_group;
  std::vector<Sysctl> sysctls;
  std::string fs_group_change_policy;  // "", OnRootMismatch or Always
  std::optional<SeccompProfile> seccomp_profile;
  bool operator==(const PodSecurityContext&) const = default;
};

enum class TerminationMessagePolicy { kFile, kFallbackToLogsOnError };
const char* ToString(TerminationMessagePolicy policy);

struct VolumeMount {
  std::string name;
  std::string mount_path;
  std::string sub_path;
  bool read_only = false;
  bool operator==(const VolumeMount&) const = default;
};

enum class PullPolicy { kAlways, kIfNotPresent, kNever };
const char* ToString(PullPolicy policy);

struct Container {
  std::string name;
  std::string image;
  PullPolicy image_pull_policy = PullPolicy::kIfNotPresent;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<EnvVar> env;
  std::vector<ContainerPort> ports;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> startup_probe;
  std::optional<Lifecycle> lifecycle;
  std::vector<VolumeMount> volume_mounts;
  ResourceRequirements resources;
  std::optional<SecurityContext> security_context;
  bool stdin = false;
  bool stdin_once = false;
  bool tty = false;
  std::string termination_message_path = "/dev/termination-log";
  TerminationMessagePolicy termination_message_policy = TerminationMessagePolicy::kFile;
  bool operator==(const Container&) const = default;
};

struct EmptyDirVolumeSource {
  std::string medium;  // "" (node disk) or "Memory"
  bool operator==(const EmptyDirVolumeSource&) const = default;
};

struct HostPathVolumeSource {
  std::string path;
  std::string type;  // "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice
  bool operator==(const HostPathVolumeSource&) const = default;
};

// Exactly one source is set after validation: emptyDir, hostPath, or another of the schema's sources
// (configMap, secret, projected, ...), named by `other_source` and kept in Pod::source.
struct Volume {
  std::string name;
  std::optional<EmptyDirVolumeSource> empty_dir;
  std::optional<HostPathVolumeSource> host_path;
  std::string other_source;  // the JSON name of a source kubenode does not set up itself
  bool operator==(const Volume&) const = default;
};

enum class RestartPolicy { kAlways, kOnFailure, kNever };
const char* ToString(RestartPolicy policy);

enum class DNSPolicy { kClusterFirst, kClusterFirstWithHostNet, kDefault, kNone };
const char* ToString(DNSPolicy policy);

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const PodDNSConfigOption&) const = default;
};

struct PodDNSConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<PodDNSConfigOption> options;
  bool operator==(const PodDNSConfig&) const = default;
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
  bool operator==(const HostAlias&) const = default;
};

struct PodSpec {
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::vector<Volume> volumes;
  RestartPolicy restart_policy = RestartPolicy::kAlways;
  int64_t termination_grace_period_seconds = 30;
  bool host_network = false;
  bool host_pid = false;
  bool host_ipc = false;
  bool share_process_namespace = false;
  std::string node_name;
  Labels node_selector;
  std::optional<int64_t> active_deadline_seconds;
  DNSPolicy dns_policy = DNSPolicy::kClusterFirst;
  std::optional<PodDNSConfig> dns_config;
  std::string hostname;
  std::string subdomain;
  std::vector<HostAlias> host_aliases;
  PodSecurityContext security_context;
  std::optional<int32_t> priority;
  std::string priority_class_name;
  std::vector<std::string> readiness_gates;  // condition types
  bool operator==(const PodSpec&) const = default;
};

struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  // The object as written and checked against the schema (nulls dropped, without status): the fields
  // the typed model does not hold are read from here and round-trip through ToJson.
  nlohmann::json source = nlohmann::json::object();
  bool operator==(const Pod&) const = default;
};

}  // namespace kubenode::api
