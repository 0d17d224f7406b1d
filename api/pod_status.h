// core/v1 PodStatus as the kubelet reports it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"

namespace kubenode::api {

using Time = std::chrono::system_clock::time_point;

enum class PodPhase { kPending, kRunning, kSucceeded, kFailed, kUnknown };
const char* ToString(PodPhase phase);

struct ContainerStateWaiting {
  std::string reason;  // ContainerCreating, ErrImagePull, ImagePullBackOff, CrashLoopBackOff, ...
  std::string message;
  bool operator==(const ContainerStateWaiting&) const = default;
};

struct ContainerStateRunning {
  Time started_at;
  bool operator==(const ContainerStateRunning&) const = default;
};

struct ContainerStateTerminated {
  int32_t exit_code = 0;
  int32_t signal = 0;
  std::string reason;  // Completed, Error, OOMKilled, ...
  std::string message;
  Time started_at;
  Time finished_at;
  std::string container_id;
  bool operator==(const ContainerStateTerminated&) const = default;
};

// Exactly one member is set.
struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
  bool operator==(const ContainerState&) const = default;
};

struct ContainerStatus {
  std::string name;
  ContainerState state;
  ContainerState last_state;
  bool ready = false;
  bool started = false;
  int32_t restart_count = 0;
  std::string image;
  std::string image_id;
  std::string container_id;  // "containerd://<id>"
  bool operator==(const ContainerStatus&) const = default;
};

struct PodCondition {
  std::string type;    // PodScheduled, Initialized, ContainersReady, Ready
  bool status = false;  // "True"/"False"
  std::string reason;
  std::string message;
  Time last_transition_time;
  bool operator==(const PodCondition&) const = default;
};

struct PodStatus {
  PodPhase phase = PodPhase::kPending;
  std::vector<PodCondition> conditions;
  std::string reason;
  std::string message;
  std::string host_ip;
  std::string pod_ip;
  std::vector<std::string> pod_ips;
  std::optional<Time> start_time;
  std::vector<ContainerStatus> init_container_statuses;
  std::vector<ContainerStatus> container_statuses;
  std::string qos_class;  // Guaranteed, Burstable or BestEffort
  bool operator==(const PodStatus&) const = default;
};

}  // namespace kubenode::api
