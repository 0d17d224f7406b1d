#include "kubelet/status/status_builder.h"

#include "kubelet/cm/qos.h"
#include "kubelet/admission/readiness_gates.h"

namespace kubenode::kubelet {
namespace {

const api::ContainerStatus* FindStatus(const std::vector<api::ContainerStatus>& list, const std::string& name) {
  for (const auto& s : list) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

api::ContainerStateTerminated Terminated(const RuntimeContainer& c) {
  api::ContainerStateTerminated t;
  t.exit_code = c.exit_code;
  t.reason = c.reason;
  if (t.reason.empty()) t.reason = c.exit_code == 0 ? "Completed" : "Error";
  t.message = c.message;
  t.started_at = c.started_at;
  t.finished_at = c.finished_at;
  t.container_id = "containerd://" + c.id;
  return t;
}

std::vector<api::ContainerStatus> ConvertContainers(const StatusInput& in, const std::vector<api::Container>& specs,
                                                    bool is_init) {
  const bool has_init = !in.pod.spec.init_containers.empty();
  std::vector<api::ContainerStatus> out;
  for (const auto& spec : specs) {
    api::ContainerStatus s;
    s.name = spec.name;
    s.image = spec.image;
    int seen = 0;
    for (const auto& c : in.state.containers) {
      if (c.name != spec.name) continue;
      if (++seen == 1) {
        s.restart_count = c.restart_count;
        s.container_id = "containerd://" + c.id;
        s.image_id = c.image_ref;
        switch (c.state) {
          case cri::ContainerState::kRunning: {
            s.state.running = api::ContainerStateRunning{c.started_at};
            const auto startup = in.probes ? in.probes(ProbeType::kStartup, c.id) : ProbeResult::kSuccess;
            const auto readiness = in.probes ? in.probes(ProbeType::kReadiness, c.id) : ProbeResult::kSuccess;
            s.started = startup == ProbeResult::kSuccess;
            s.ready = s.started && readiness == ProbeResult::kSuccess;
            break;
          }
          case cri::ContainerState::kExited:
            s.state.terminated = Terminated(c);
            break;
          default:
            s.state.waiting = api::ContainerStateWaiting{};
        }
      } else if (c.state == cri::ContainerState::kExited) {
        s.last_state.terminated = Terminated(c);
        break;
      }
    }
    if (seen == 0) s.state.waiting = api::ContainerStateWaiting{has_init ? "PodInitializing" : "ContainerCreating", ""};

    // The last sync's error overrides the state of a container that is to be (re)started.
    auto reason = in.reasons.find(spec.name);
    const auto* latest = in.state.FindContainer(spec.name);
    const bool init_succeeded = is_init && latest && latest->state == cri::ContainerState::kExited && latest->exit_code == 0;
    if (reason != in.reasons.end() && !init_succeeded && ShouldContainerBeRestarted(spec, in.pod, in.state)) {
      if (s.state.terminated) s.last_state = s.state;
      s.state = {};
      s.state.waiting = api::ContainerStateWaiting{reason->second.reason, reason->second.message};
    }
    out.push_back(std::move(s));
  }
  return out;
}

api::PodCondition Condition(const std::string& type, bool status, std::string reason, std::string message) {
  api::PodCondition c;
  c.type = type;
  c.status = status;
  c.reason = std::move(reason);
  c.message = std::move(message);
  return c;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out + "]";
}

std::vector<api::PodCondition> Conditions(const api::Pod& pod, const api::PodStatus& st) {
  std::vector<api::PodCondition> out;
  const bool succeeded = st.phase == api::PodPhase::kSucceeded;
  // Initialized (upstream GeneratePodInitializedCondition).
  std::vector<std::string> incomplete;
  for (const auto& c : pod.spec.init_containers) {
    const auto* s = FindStatus(st.init_container_statuses, c.name);
    if (s == nullptr || !s->state.terminated || s->state.terminated->exit_code != 0) incomplete.push_back(c.name);
  }
  if (succeeded) {
    out.push_back(Condition("Initialized", true, "PodCompleted", ""));
  } else if (!incomplete.empty()) {
    out.push_back(Condition("Initialized", false, "ContainersNotInitialized",
                            "containers with incomplete status: " + JoinNames(incomplete)));
  } else {
    out.push_back(Condition("Initialized", true, "", ""));
  }
  // Ready and ContainersReady (upstream GeneratePodReadyCondition / GenerateContainersReadyCondition).
  std::vector<std::string> unready;
  for (const auto& c : pod.spec.containers) {
    const auto* s = FindStatus(st.container_statuses, c.name);
    if (s == nullptr || !s->ready) unready.push_back(c.name);
  }
  api::PodCondition ready;
  if (succeeded) {
    ready = Condition("", false, "PodCompleted", "");
  } else if (!unready.empty()) {
    ready = Condition("", false, "ContainersNotReady", "containers with unready status: " + JoinNames(unready));
  } else {
    ready = Condition("", true, "", "");
  }
  ready.type = "Ready";
  out.push_back(ready);
  ready.type = "ContainersReady";
  out.push_back(ready);
  out.push_back(Condition("PodScheduled", true, "", ""));
  return out;
}

bool IsTerminal(api::PodPhase p) { return p == api::PodPhase::kSucceeded || p == api::PodPhase::kFailed; }

}  // namespace

api::PodPhase ComputePhase(const api::Pod& pod, const api::PodStatus& status) {
  int pending_init = 0, failed_init = 0;
  for (const auto& c : pod.spec.init_containers) {
    const auto* s = FindStatus(status.init_container_statuses, c.name);
    if (s == nullptr || s->state.running) {
      ++pending_init;
    } else if (s->state.terminated) {
      if (s->state.terminated->exit_code != 0) ++failed_init;
    } else if (s->state.waiting) {
      if (s->last_state.terminated) {
        if (s->last_state.terminated->exit_code != 0) ++failed_init;
      } else {
        ++pending_init;
      }
    } else {
      ++pending_init;
    }
  }
  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  bool any_started = false;
  for (const auto& c : pod.spec.containers) {
    const auto* s = FindStatus(status.container_statuses, c.name);
    if (s == nullptr) {
      ++unknown;
      continue;
    }
    if (s->state.running || s->state.terminated || s->last_state.terminated) any_started = true;
    if (s->state.running) {
      ++running;
    } else if (s->state.terminated) {
      ++stopped;
      if (s->state.terminated->exit_code == 0) ++succeeded;
    } else if (s->state.waiting) {
      if (s->last_state.terminated) {
        ++stopped;
      } else {
        ++waiting;
      }
    } else {
      ++unknown;
    }
  }
  if (failed_init > 0 && pod.spec.restart_policy == api::RestartPolicy::kNever) return api::PodPhase::kFailed;
  if ((pending_init > 0 && !any_started) || waiting > 0) return api::PodPhase::kPending;
  if (running > 0 && unknown == 0) return api::PodPhase::kRunning;
  if (running == 0 && stopped > 0 && unknown == 0) {
    if (pod.spec.restart_policy == api::RestartPolicy::kAlways) return api::PodPhase::kRunning;
    if (stopped == succeeded) return api::PodPhase::kSucceeded;
    if (pod.spec.restart_policy == api::RestartPolicy::kNever) return api::PodPhase::kFailed;
    return api::PodPhase::kRunning;
  }
  return api::PodPhase::kPending;
}

// The start time of a pod without a previous status: when its oldest sandbox was created if it has one (a
// restarted daemon adopting the pod keeps its age), else now.
api::Time FirstSeen(const StatusInput& in) {
  if (in.state.sandboxes.empty()) return in.now;
  const int64_t ns = in.state.sandboxes.back().created_at_ns;
  if (ns <= 0) return in.now;
  const api::Time created{std::chrono::duration_cast<api::Time::duration>(std::chrono::nanoseconds(ns))};
  return std::min(created, in.now);
}

api::PodStatus BuildPodStatus(const StatusInput& in) {
  api::PodStatus st;
  st.host_ip = in.host_ip;
  st.pod_ips = in.state.PodIPs();
  if (in.pod.spec.host_network && !in.host_ip.empty()) st.pod_ips = {in.host_ip};
  if (!st.pod_ips.empty()) st.pod_ip = st.pod_ips.front();
  st.start_time = in.previous && in.previous->start_time ? in.previous->start_time : FirstSeen(in);
  st.init_container_statuses = ConvertContainers(in, in.pod.spec.init_containers, true);
  st.container_statuses = ConvertContainers(in, in.pod.spec.containers, false);
  st.phase = ComputePhase(in.pod, st);
  st.qos_class = cm::ToString(cm::GetPodQOS(in.pod));
  // A terminal phase is final (upstream status manager refuses to leave it).
  if (in.previous && IsTerminal(in.previous->phase)) st.phase = in.previous->phase;
  st.conditions = Conditions(in.pod, st);
  admission::ApplyReadinessGates(in.pod.spec, in.previous ? in.previous->conditions : std::vector<api::PodCondition>{},
                                 st.conditions);
  for (auto& c : st.conditions) {
    c.last_transition_time = in.now;
    if (in.previous == nullptr) continue;
    for (const auto& old : in.previous->conditions) {
      if (old.type == c.type && old.status == c.status) c.last_transition_time = old.last_transition_time;
    }
  }
  return st;
}

}  // namespace kubenode::kubelet
