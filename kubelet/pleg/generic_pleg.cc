#include "kubelet/pleg/generic_pleg.h"

#include <algorithm>

#include "kubelet/runtime/labels.h"

namespace kubenode::kubelet {
namespace {

PlegEventType ContainerEvent(cri::ContainerState state) {
  switch (state) {
    case cri::ContainerState::kRunning: return PlegEventType::kContainerStarted;
    case cri::ContainerState::kExited: return PlegEventType::kContainerDied;
    default: return PlegEventType::kContainerChanged;
  }
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

  // Status calls only for an object that is new or whose listed state moved since its kept status was
  // read. Nothing kept changes until they all succeeded, so a failed relist loses no event.
  std::map<std::string, cri::PodSandboxStatus> fresh_sandboxes;
  for (const auto& sb : *listed_sandboxes) {
    if (GetOr(sb.labels, kPodUIDLabel).empty()) continue;
    auto kept = sandboxes_.find(sb.id);
    if (kept != sandboxes_.end() && kept->second.status.state == sb.state) continue;
    auto status = runtime.PodSandboxStatusOf(sb.id);
    if (!status.ok()) return status.status().WithContext("PLEG relist: PodSandboxStatus " + sb.id);
    fresh_sandboxes.emplace(sb.id, std::move(status).value());
  }
  std::map<std::string, cri::ContainerStatus> fresh_containers;
  std::set<std::string> gone;  // removed between the list and the status call: simply gone
  for (const auto& c : *listed_containers) {
    if (GetOr(c.labels, kPodUIDLabel).empty()) continue;
    auto kept = containers_.find(c.id);
    if (kept != containers_.end() && kept->second.container.state == c.state) continue;
    auto status = runtime.ContainerStatusOf(c.id);
    if (status.ok()) {
      fresh_containers.emplace(c.id, std::move(status).value());
    } else {
      gone.insert(c.id);
    }
  }

  std::vector<PlegEvent> events;
  std::map<std::string, KeptSandbox> sandboxes;
  std::map<std::string, PodRuntimeState> pods;
  for (const auto& sb : *listed_sandboxes) {
    auto uid = GetOr(sb.labels, kPodUIDLabel);
    if (uid.empty()) continue;
    auto kept = sandboxes_.find(sb.id);
    auto fresh = fresh_sandboxes.find(sb.id);
    if (fresh != fresh_sandboxes.end()) {
      if (kept == sandboxes_.end() || kept->second.status.state != fresh->second.state) {
        events.push_back({uid, PlegEventType::kSandboxChanged, sb.id});
      }
      kept = sandboxes.insert_or_assign(sb.id, KeptSandbox{uid, std::move(fresh->second)}).first;
    } else {
      kept = sandboxes.insert(sandboxes_.extract(kept)).position;
    }
    auto& pod = pods[uid];
    pod.uid = uid;
    pod.name = GetOr(sb.labels, kPodNameLabel);
    pod.ns = GetOr(sb.labels, kPodNamespaceLabel);
    pod.sandboxes.push_back(kept->second.status);
  }
  std::map<std::string, KeptContainer> containers;
  for (const auto& c : *listed_containers) {
    auto uid = GetOr(c.labels, kPodUIDLabel);
    if (uid.empty() || gone.contains(c.id)) continue;
    auto kept = containers_.find(c.id);
    auto fresh = fresh_containers.find(c.id);
    if (fresh != fresh_containers.end()) {
      if (kept == containers_.end() || kept->second.container.state != fresh->second.state) {
        events.push_back({uid, ContainerEvent(fresh->second.state), c.id});
      }
      KeptContainer k{uid, GetOr(c.labels, kPodNameLabel), GetOr(c.labels, kPodNamespaceLabel),
                      ToRuntimeContainer(fresh->second, c.pod_sandbox_id)};
      kept = containers.insert_or_assign(c.id, std::move(k)).first;
    } else {
      kept = containers.insert(containers_.extract(kept)).position;
    }
    const auto& k = kept->second;
    auto& pod = pods[uid];
    pod.uid = uid;
    if (pod.name.empty()) {
      pod.name = k.pod_name;
      pod.ns = k.pod_ns;
    }
    pod.containers.push_back(k.container);
  }
  // What is kept and no longer listed (or whose container vanished) went away since the last relist.
  for (const auto& [id, sb] : sandboxes_) {
    if (!sandboxes.contains(id)) events.push_back({sb.pod_uid, PlegEventType::kSandboxChanged, id});
  }
  for (const auto& [id, c] : containers_) {
    if (!containers.contains(id)) events.push_back({c.pod_uid, PlegEventType::kContainerRemoved, id});
  }
  for (auto& [uid, pod] : pods) SortNewestFirst(pod);
  sandboxes_ = std::move(sandboxes);
  containers_ = std::move(containers);

  // The first relist compares against nothing, as upstream's: a container that exited before it (e.g. in
  // the kubelet's first second) is reported as died and its pod is synced at once.
  std::lock_guard lock(mu_);
  last_ = std::move(pods);
  return events;
}

std::map<std::string, PodRuntimeState> GenericPleg::LastState() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace kubenode::kubelet
