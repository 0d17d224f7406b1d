#include "kubelet/pleg/generic_pleg.h"

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

}  // namespace

Result<std::vector<PlegEvent>> GenericPleg::Relist(cri::RuntimeService& runtime) {
  auto pods = ListPodRuntimeStates(runtime);
  if (!pods.ok()) return pods.status().WithContext("PLEG relist");
  std::lock_guard lock(mu_);
  std::vector<PlegEvent> events;
  {
    // The first relist compares against nothing, as upstream's: a container that exited before it (e.g. in
    // the kubelet's first second) is reported as died and its pod is synced at once.
    const auto before = States(last_);
    const auto after = States(*pods);
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
  }
  last_ = std::move(pods).value();
  return events;
}

std::map<std::string, PodRuntimeState> GenericPleg::LastState() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace kubenode::kubelet
