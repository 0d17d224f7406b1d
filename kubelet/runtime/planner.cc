#include "kubelet/runtime/planner.h"

#include "kubelet/runtime/labels.h"

namespace kubenode::kubelet {
namespace {

bool ShouldRestartOnFailure(const api::Pod& pod) { return pod.spec.restart_policy != api::RestartPolicy::kNever; }

bool ContainerSucceeded(const api::Container& c, const PodRuntimeState& state) {
  const auto* s = state.FindContainer(c.name);
  if (s == nullptr || s->state == cri::ContainerState::kRunning) return false;
  return s->state == cri::ContainerState::kExited && s->exit_code == 0;
}

struct SandboxChange {
  bool create = false;
  uint32_t attempt = 0;
  std::string sandbox_id;
};

// Upstream runtimeutil.PodSandboxChanged.
SandboxChange PodSandboxChanged(const api::Pod& pod, const PodRuntimeState& state) {
  if (state.sandboxes.empty()) return {true, 0, ""};
  int ready = 0;
  for (const auto& s : state.sandboxes) {
    if (s.state == cri::SandboxState::kReady) ++ready;
  }
  const auto& latest = state.sandboxes.front();
  if (ready > 1 || latest.state != cri::SandboxState::kReady) return {true, latest.metadata.attempt + 1, latest.id};
  if (latest.host_network != pod.spec.host_network) return {true, latest.metadata.attempt + 1, ""};
  if (!pod.spec.host_network && latest.ip.empty()) return {true, latest.metadata.attempt + 1, latest.id};
  return {false, latest.metadata.attempt, latest.id};
}

std::string FormatSeconds(Backoff::Duration d) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s >= 60 && s % 60 == 0) return std::to_string(s / 60) + "m0s";
  if (s >= 60) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s) + "s";
}

// Upstream doBackOff: a container that exited before waits while now - finishedAt < its current delay.
std::optional<BackOffWait> CheckBackOff(const PlannerInput& in, const api::Container& c, bool is_init) {
  // As upstream, the newest *exited* instance counts, also when a running one is being replaced.
  const RuntimeContainer* s = nullptr;
  for (const auto& rc : in.state.containers) {
    if (rc.name == c.name && rc.state == cri::ContainerState::kExited) {
      s = &rc;
      break;
    }
  }
  if (s == nullptr) return std::nullopt;
  const auto key = BackoffKey(in.pod, c);
  auto until = in.backoff.BackOffUntil(key, s->finished_at);
  if (!until) return std::nullopt;
  return BackOffWait{c.name, is_init, *until,
                     "back-off " + FormatSeconds(in.backoff.Get(key)) + " restarting failed container=" + c.name +
                         " pod=" + FormatPod(in.pod)};
}

// Moves containers still in back-off from the start lists into `backoffs`.
void ApplyBackOff(const PlannerInput& in, PodActions& actions) {
  if (actions.next_init_container) {
    const auto& c = in.pod.spec.init_containers[*actions.next_init_container];
    if (auto wait = CheckBackOff(in, c, true)) {
      actions.backoffs.push_back(*wait);
      actions.next_init_container.reset();
    }
  }
  std::vector<size_t> start;
  for (size_t idx : actions.containers_to_start) {
    const auto& c = in.pod.spec.containers[idx];
    if (auto wait = CheckBackOff(in, c, false)) {
      actions.backoffs.push_back(*wait);
    } else {
      start.push_back(idx);
    }
  }
  actions.containers_to_start = std::move(start);
}

PodActions Compute(const PlannerInput& in) {
  const auto& pod = in.pod;
  const auto& state = in.state;
  const auto sandbox = PodSandboxChanged(pod, state);
  PodActions actions;
  actions.kill_pod = sandbox.create;
  actions.create_sandbox = sandbox.create;
  actions.sandbox_id = sandbox.sandbox_id;
  actions.attempt = sandbox.attempt;

  if (sandbox.create) {
    // A finished pod that must not restart gets no new sandbox (upstream: attempt != 0 and containers
    // exist means the pod ran before).
    if (!ShouldRestartOnFailure(pod) && sandbox.attempt != 0 && !state.containers.empty()) {
      actions.create_sandbox = false;
      return actions;
    }
    std::vector<size_t> to_start;
    for (size_t i = 0; i < pod.spec.containers.size(); ++i) {
      if (pod.spec.restart_policy == api::RestartPolicy::kOnFailure && ContainerSucceeded(pod.spec.containers[i], state)) {
        continue;
      }
      to_start.push_back(i);
    }
    if (to_start.empty() && FindNextInitContainerToRun(pod, state).done) {
      actions.create_sandbox = false;
      return actions;
    }
    if (!pod.spec.init_containers.empty()) {
      actions.next_init_container = 0;
      return actions;
    }
    actions.containers_to_start = std::move(to_start);
    return actions;
  }

  const auto init = FindNextInitContainerToRun(pod, state);
  if (!init.done) {
    if (init.next) {
      const bool failed = init.last_failed != nullptr && IsInitContainerFailed(*init.last_failed);
      if (failed && !ShouldRestartOnFailure(pod)) {
        actions.kill_pod = true;
      } else {
        if (init.last_failed != nullptr && init.last_failed->state == cri::ContainerState::kUnknown) {
          actions.containers_to_kill.push_back({init.last_failed->id, init.last_failed->name, KillReason::kUnknownState,
                                                "Init container is in \"Unknown\" state, try killing it before restart"});
        }
        actions.next_init_container = init.next;
      }
    }
    return actions;
  }

  int keep = 0;
  for (size_t idx = 0; idx < pod.spec.containers.size(); ++idx) {
    const auto& c = pod.spec.containers[idx];
    const auto* s = state.FindContainer(c.name);
    if (s == nullptr || s->state != cri::ContainerState::kRunning) {
      if (ShouldContainerBeRestarted(c, pod, state)) {
        actions.containers_to_start.push_back(idx);
        if (s != nullptr && s->state == cri::ContainerState::kUnknown) {
          actions.containers_to_kill.push_back(
              {s->id, s->name, KillReason::kUnknownState, "Container is in \"Unknown\" state, try killing it before restart"});
        }
      }
      continue;
    }
    std::string message;
    KillReason reason;
    bool restart = ShouldRestartOnFailure(pod);
    if (s->hash != HashContainer(c)) {
      message = "Container " + c.name + " definition changed";
      reason = KillReason::kSpecChanged;
      restart = true;  // a changed spec restarts whatever the restart policy
    } else if (in.probes && in.probes(ProbeType::kLiveness, s->id) == ProbeResult::kFailure) {
      message = "Container " + c.name + " failed liveness probe";
      reason = KillReason::kLivenessFailed;
    } else if (in.probes && in.probes(ProbeType::kStartup, s->id) == ProbeResult::kFailure) {
      message = "Container " + c.name + " failed startup probe";
      reason = KillReason::kStartupFailed;
    } else {
      ++keep;
      continue;
    }
    if (restart) {
      message += ", will be restarted";
      actions.containers_to_start.push_back(idx);
    }
    actions.containers_to_kill.push_back({s->id, s->name, reason, message});
  }
  if (keep == 0 && actions.containers_to_start.empty()) actions.kill_pod = true;
  return actions;
}

}  // namespace

std::string FormatPod(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.ns + "(" + pod.metadata.uid + ")";
}

std::string BackoffKeyPrefix(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.ns + "_" + pod.metadata.uid + "_";
}

std::string BackoffKey(const api::Pod& pod, const api::Container& container) {
  return BackoffKeyPrefix(pod) + container.name + "_" + HashContainer(container);
}

bool ShouldContainerBeRestarted(const api::Container& container, const api::Pod& pod, const PodRuntimeState& state) {
  const auto* s = state.FindContainer(container.name);
  if (s == nullptr) return true;
  if (s->state == cri::ContainerState::kRunning) return false;
  if (s->state == cri::ContainerState::kUnknown || s->state == cri::ContainerState::kCreated) return true;
  if (pod.spec.restart_policy == api::RestartPolicy::kNever) return false;
  if (pod.spec.restart_policy == api::RestartPolicy::kOnFailure && s->exit_code == 0) return false;
  return true;
}

bool IsInitContainerFailed(const RuntimeContainer& s) {
  if (s.reason == "OOMKilled") return true;
  if (s.state == cri::ContainerState::kExited && s.exit_code != 0) return true;
  return s.state == cri::ContainerState::kUnknown;
}

InitProgress FindNextInitContainerToRun(const api::Pod& pod, const PodRuntimeState& state) {
  const auto& inits = pod.spec.init_containers;
  if (inits.empty()) return {nullptr, std::nullopt, true};
  // A running main container means initialization finished at some point, even if the init containers
  // have been garbage-collected since.
  for (const auto& c : pod.spec.containers) {
    const auto* s = state.FindContainer(c.name);
    if (s != nullptr && s->state == cri::ContainerState::kRunning) return {nullptr, std::nullopt, true};
  }
  for (size_t i = inits.size(); i-- > 0;) {
    const auto* s = state.FindContainer(inits[i].name);
    if (s != nullptr && IsInitContainerFailed(*s)) return {s, i, false};
  }
  for (size_t i = inits.size(); i-- > 0;) {
    const auto* s = state.FindContainer(inits[i].name);
    if (s == nullptr) continue;
    if (s->state == cri::ContainerState::kRunning) return {nullptr, std::nullopt, false};
    if (s->state == cri::ContainerState::kExited) {
      if (i == inits.size() - 1) return {nullptr, std::nullopt, true};
      return {nullptr, i + 1, false};
    }
  }
  return {nullptr, 0, false};
}

PodActions ComputePodActions(const PlannerInput& input) {
  PodActions actions = Compute(input);
  if (!actions.kill_pod || actions.create_sandbox) ApplyBackOff(input, actions);
  return actions;
}

}  // namespace kubenode::kubelet
