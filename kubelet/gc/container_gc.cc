#include "kubelet/gc/container_gc.h"

#include <set>

namespace kubenode::kubelet {

Status CollectGarbage(cri::RuntimeService& runtime, const std::map<std::string, PodRuntimeState>& pods) {
  Status first;
  for (const auto& [uid, pod] : pods) {
    std::map<std::string, int> dead_seen;
    std::set<std::string> sandboxes_in_use;
    for (const auto& c : pod.containers) {  // newest first
      if (c.state != cri::ContainerState::kExited) {
        sandboxes_in_use.insert(c.sandbox_id);
        continue;
      }
      if (++dead_seen[c.name] == 1) {
        sandboxes_in_use.insert(c.sandbox_id);
        continue;
      }
      auto st = runtime.RemoveContainer(c.id);
      if (!st.ok() && first.ok()) first = st.WithContext("RemoveContainer " + c.name + " of pod " + uid);
    }
    for (size_t i = 1; i < pod.sandboxes.size(); ++i) {
      const auto& s = pod.sandboxes[i];
      if (s.state == cri::SandboxState::kReady || sandboxes_in_use.contains(s.id)) continue;
      // Containers of this sandbox that were just collected may still be listed by the runtime; the
      // runtime removes them with the sandbox.
      auto st = runtime.RemovePodSandbox(s.id);
      if (!st.ok() && first.ok()) first = st.WithContext("RemovePodSandbox " + s.id.substr(0, 13) + " of pod " + uid);
    }
  }
  return first;
}

}  // namespace kubenode::kubelet
