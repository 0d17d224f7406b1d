// core/v1 Pod: the subset of the schema kubenode runs. Field names follow the upstream JSON names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"

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

// Exactly one source is set after validation.
struct Volume {
  std::string name;
  std::optional<EmptyDirVolumeSource> empty_dir;
  std::optional<HostPathVolumeSource> host_path;
  bool operator==(const Volume&) const = default;
};

enum class RestartPolicy { kAlways, kOnFailure, kNever };
const char* ToString(RestartPolicy policy);

struct PodSpec {
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  std::vector<Volume> volumes;
  RestartPolicy restart_policy = RestartPolicy::kAlways;
  int64_t termination_grace_period_seconds = 30;
  bool host_network = false;
  std::string node_name;
  bool operator==(const PodSpec&) const = default;
};

struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  bool operator==(const Pod&) const = default;
};

}  // namespace kubenode::api
