// The relist-based PLEG (upstream pleg/generic.go): every relist period, list the sandboxes and
// containers, compare each one's state with the previous relist, and report the pods whose
// containers started, died, were removed or changed (containerd 1.6 has no CRI event stream).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "base/status.h"
#include "kubelet/runtime/pod_runtime_state.h"

namespace kubenode::kubelet {

enum class PlegEventType { kContainerStarted, kContainerDied, kContainerRemoved, kContainerChanged, kSandboxChanged };

struct PlegEvent {
  std::string pod_uid;
  PlegEventType type;
  std::string id;  // container or sandbox ID
};

class GenericPleg {
 public:
  // Relists through `runtime`; returns the events since the previous relist. The first relist reports
  // everything it finds (against an empty record), as upstream's.
  Result<std::vector<PlegEvent>> Relist(cri::RuntimeService& runtime);
  // The runtime state of every pod from the last relist.
  std::map<std::string, PodRuntimeState> LastState() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, PodRuntimeState> last_;
};

}  // namespace kubenode::kubelet
