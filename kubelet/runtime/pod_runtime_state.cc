#include "kubelet/runtime/pod_runtime_state.h"

#include <algorithm>

#include "kubelet/runtime/labels.h"
#include "kubelet/runtime/termination_message.h"

namespace kubenode::kubelet {

const RuntimeContainer* PodRuntimeState::FindContainer(const std::string& name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> PodRuntimeState::PodIPs() const {
  for (const auto& s : sandboxes) {
    if (s.state != cri::SandboxState::kReady) continue;
    std::vector<std::string> ips;
    if (!s.ip.empty()) ips.push_back(s.ip);
    ips.insert(ips.end(), s.additional_ips.begin(), s.additional_ips.end());
    return ips;
  }
  return {};
}

bool IsNotFound(const Status& status) {
  return !status.ok() && status.message().find("code = NotFound") != std::string::npos;
}

WallTime FromNanos(int64_t ns) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(ns)));
}

RuntimeContainer ToRuntimeContainer(const cri::ContainerStatus& s, const std::string& sandbox_id) {
  RuntimeContainer c;
  c.id = s.id;
  c.sandbox_id = sandbox_id;
  c.name = GetOr(s.labels, kContainerNameLabel, s.metadata.name);
  c.is_init = GetOr(s.labels, kContainerTypeLabel) == "init";
  c.state = s.state;
  c.created_at = FromNanos(s.created_at_ns);
  c.started_at = FromNanos(s.started_at_ns);
  c.finished_at = FromNanos(s.finished_at_ns);
  c.exit_code = s.exit_code;
  c.reason = s.reason;
  c.message = TerminationMessage(s);  // CRI's message and the container's termination message
  c.image = s.image;
  c.image_ref = s.image_ref;
  c.hash = GetOr(s.annotations, kContainerHashAnnotation);
  c.restart_count = static_cast<int32_t>(GetIntOr(s.annotations, kRestartCountAnnotation, s.metadata.attempt));
  c.attempt = s.metadata.attempt;
  c.grace_period_seconds = GetIntOr(s.annotations, kTerminationGraceAnnotation, 30);
  return c;
}

namespace {

cri::SandboxFilter SandboxSelector(const cri::StringMap& selector) {
  cri::SandboxFilter f;
  f.label_selector = selector;
  return f;
}

cri::ContainerFilter ContainerSelector(const cri::StringMap& selector) {
  cri::ContainerFilter f;
  f.label_selector = selector;
  return f;
}

void SortNewestFirst(PodRuntimeState& state) {
  std::stable_sort(state.sandboxes.begin(), state.sandboxes.end(),
                   [](const auto& a, const auto& b) { return a.created_at_ns > b.created_at_ns; });
  std::stable_sort(state.containers.begin(), state.containers.end(),
                   [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
}

Result<std::map<std::string, PodRuntimeState>> List(cri::RuntimeService& runtime, const cri::StringMap& selector) {
  std::map<std::string, PodRuntimeState> pods;
  auto sandboxes = runtime.ListPodSandbox(SandboxSelector(selector));
  if (!sandboxes.ok()) return sandboxes.status().WithContext("ListPodSandbox");
  for (const auto& sb : *sandboxes) {
    auto uid = GetOr(sb.labels, kPodUIDLabel);
    if (uid.empty()) continue;
    auto status = runtime.PodSandboxStatusOf(sb.id);
    // Removed between the list and the status call: gone. Any other error (Unavailable, DeadlineExceeded)
    // says nothing about the sandbox, so the whole read fails rather than report it missing.
    if (!status.ok() && IsNotFound(status.status())) continue;
    if (!status.ok()) return status.status().WithContext("PodSandboxStatus " + sb.id);
    auto& pod = pods[uid];
    pod.uid = uid;
    pod.name = GetOr(sb.labels, kPodNameLabel);
    pod.ns = GetOr(sb.labels, kPodNamespaceLabel);
    pod.sandboxes.push_back(*status);
  }
  auto containers = runtime.ListContainers(ContainerSelector(selector));
  if (!containers.ok()) return containers.status().WithContext("ListContainers");
  for (const auto& c : *containers) {
    auto uid = GetOr(c.labels, kPodUIDLabel);
    if (uid.empty()) continue;
    auto status = runtime.ContainerStatusOf(c.id);
    // As for sandboxes: only NotFound means gone. Dropping the container on a timeout would make the
    // planner start a second instance of it next to the one still running.
    if (!status.ok() && IsNotFound(status.status())) continue;
    if (!status.ok()) return status.status().WithContext("ContainerStatus " + c.id);
    auto& pod = pods[uid];
    pod.uid = uid;
    if (pod.name.empty()) {
      pod.name = GetOr(c.labels, kPodNameLabel);
      pod.ns = GetOr(c.labels, kPodNamespaceLabel);
    }
    pod.containers.push_back(ToRuntimeContainer(*status, c.pod_sandbox_id));
  }
  for (auto& [uid, pod] : pods) SortNewestFirst(pod);
  return pods;
}

}  // namespace

Result<std::map<std::string, PodRuntimeState>> ListPodRuntimeStates(cri::RuntimeService& runtime) {
  return List(runtime, {{kKubernetesManagedLabel, kManagedByValue}});
}

Result<PodRuntimeState> GetPodRuntimeState(cri::RuntimeService& runtime, const std::string& pod_uid) {
  auto pods = List(runtime, {{kPodUIDLabel, pod_uid}});
  if (!pods.ok()) return pods.status();
  auto it = pods->find(pod_uid);
  if (it == pods->end()) {
    PodRuntimeState empty;
    empty.uid = pod_uid;
    return empty;
  }
  return std::move(it->second);
}

}  // namespace kubenode::kubelet
