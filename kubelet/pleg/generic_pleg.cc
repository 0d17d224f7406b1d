#include "kubelet/pleg/generic_pleg.h"

#include <algorithm>

#include "kubelet/runtime/labels.h"

namespace kubenode::kubelet {
namespace {

using Key = std::pair<std::string, std::string>;  // pod uid, object id

std::map<Key, int> States(const std::map<std::string, PodRuntimeState>& pods) {
  std::map<Key, int> out;
  for (const auto& [uid, pod] : pods) {
    for (const auto& c : pod.containers) out[{uid, c.id}] = static_cast<int>(c.state);
    for (const auto& s : pod.sandboxes) out[{uid, "sandbox:" + s.id}] = 100 + static_cast<int>(s.state);
  }
  return out;
}

std::vector<PlegEvent> Diff(const std::map<std::string, PodRuntimeState>& last,
                            const std::map<std::string, PodRuntimeState>& now) {
  std::vector<PlegEvent> events;
  const auto before = States(last);
  const auto after = States(now);
  for (const auto& [key, state] : after) {
    auto it = before.find(key);
    if (it != before.end() && it->second == state) continue;
    const bool sandbox = key.second.starts_with("sandbox:");
    PlegEventType type = PlegEventType::kContainerChanged;
    if (sandbox) {
      type = PlegEventType::kSandboxChanged;
    } else if (state == static_cast<int>(cri::ContainerState::kRunning)) {
      type = PlegEventType::kContainerStarted;
    } else if (state == static_cast<int>(cri::ContainerState::kExited)) {
      type = PlegEventType::kContainerDied;
    }
    events.push_back({key.first, type, sandbox ? key.second.substr(8) : key.second});
  }
  for (const auto& [key, state] : before) {
    if (after.contains(key)) continue;
    const bool sandbox = key.second.starts_with("sandbox:");
    events.push_back({key.first, sandbox ? PlegEventType::kSandboxChanged : PlegEventType::kContainerRemoved,
                      sandbox ? key.second.substr(8) : key.second});
  }
  return events;
}

// The same order ListPodRuntimeStates gives: newest first, ties in list order.
void SortNewestFirst(PodRuntimeState& state) {
  std::stable_sort(state.sandboxes.begin(), state.sandboxes.end(),
                   [](const auto& a, const auto& b) { return a.created_at_ns > b.created_at_ns; });
  std::stable_sort(state.containers.begin(), state.containers.end(),
                   [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
}

}  // namespace

Result<std::vector<PlegEvent>> GenericPleg::Relist(cri::RuntimeService& runtime) {
  std::lock_guard relist(relist_mu_);  // the kept statuses belong to one relist at a time
  const cri::StringMap selector = {{kKubernetesManagedLabel, kManagedByValue}};
  cri::SandboxFilter sandbox_filter;
  sandbox_filter.label_selector = selector;
  auto listed_sandboxes = runtime.ListPodSandbox(sandbox_filter);
  if (!listed_sandboxes.ok()) return listed_sandboxes.status().WithContext("PLEG relist: ListPodSandbox");
  cri::ContainerFilter container_filter;
  container_filter.label_selector = selector;
  auto listed_containers = runtime.ListContainers(container_filter);
  if (!listed_containers.ok()) return listed_containers.status().WithContext("PLEG relist: ListContainers");

  // Only an object that is new, or whose state moved since its kept status was read, costs a status call.
  std::map<std::string, cri::PodSandboxStatus> sandboxes;
  std::map<std::string, PodRuntimeState> pods;
  for (const auto& sb : *listed_sandboxes) {
    auto uid = GetOr(sb.labels, kPodUIDLabel);
    if (uid.empty()) continue;
    auto kept = sandboxes_.find(sb.id);
    if (kept == sandboxes_.end() || kept->second.state != sb.state) {
      auto status = runtime.PodSandboxStatusOf(sb.id);
      if (!status.ok()) return status.status().WithContext("PLEG relist: PodSandboxStatus " + sb.id);
      kept = sandboxes_.insert_or_assign(sb.id, std::move(status).value()).first;
    }
    sandboxes.emplace(sb.id, kept->second);
    auto& pod = pods[uid];
    pod.uid = uid;
    pod.name = GetOr(sb.labels, kPodNameLabel);
    pod.ns = GetOr(sb.labels, kPodNamespaceLabel);
    pod.sandboxes.push_back(kept->second);
  }
  std::map<std::string, KeptContainer> containers;
  for (const auto& c : *listed_containers) {
    auto uid = GetOr(c.labels, kPodUIDLabel);
    if (uid.empty()) continue;
    auto kept = containers_.find(c.id);
    if (kept == containers_.end() || kept->second.container.state != c.state) {
      auto status = runtime.ContainerStatusOf(c.id);
      // A container removed between the list and the status call is simply gone.
      if (!status.ok()) continue;
      KeptContainer k{uid, GetOr(c.labels, kPodNameLabel), GetOr(c.labels, kPodNamespaceLabel),
                      ToRuntimeContainer(*status, c.pod_sandbox_id)};
      kept = containers_.insert_or_assign(c.id, std::move(k)).first;
    }
    const auto& k = kept->second;
    auto& pod = pods[uid];
    pod.uid = uid;
    if (pod.name.empty()) {
      pod.name = k.pod_name;
      pod.ns = k.pod_ns;
    }
    pod.containers.push_back(k.container);
    containers.emplace(c.id, k);
  }
  for (auto& [uid, pod] : pods) SortNewestFirst(pod);
  // Objects no longer listed are forgotten.
  sandboxes_ = std::move(sandboxes);
  containers_ = std::move(containers);

  std::lock_guard lock(mu_);
  // The first relist compares against nothing, as upstream's: a container that exited before it (e.g. in
  // the kubelet's first second) is reported as died and its pod is synced at once.
  auto events = Diff(last_, pods);
  last_ = std::move(pods);
  return events;
}

std::map<std::string, PodRuntimeState> GenericPleg::LastState() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace kubenode::kubelet
