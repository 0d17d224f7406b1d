// The relist-based PLEG (upstream pleg/generic.go): every relist period, list the sandboxes and
// containers, compare each one's state with the previous relist, and report the pods whose
// containers started, died, were removed or changed. containerd 1.6 (Debian 12's 1.6.20) serves
// GetContainerEvents only as a stub that answers "not implemented", so there is no event stream to use.
//
// A relist is two RPCs: ListPodSandbox and ListContainers, which in CRI v1 already carry each object's
// state, labels and creation time. The full status (IPs, exit code, times, reason, annotations) is kept
// per object ID, as upstream's PLEG keeps its pod cache, and asked again (PodSandboxStatus,
// ContainerStatus) only for an object that is new or whose listed state differs from the kept one: a
// steady node costs two list calls per relist, whatever its number of pods.
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
  // everything it finds (against an empty record), as upstream's. After an error the next relist
  // compares against the last successful one, so no event is lost.
  Result<std::vector<PlegEvent>> Relist(cri::RuntimeService& runtime);
  // The runtime state of every pod from the last relist (as ListPodRuntimeStates would read it).
  std::map<std::string, PodRuntimeState> LastState() const;

 private:
  struct KeptSandbox {
    std::string pod_uid;
    cri::PodSandboxStatus status;
  };
  struct KeptContainer {
    std::string pod_uid;
    std::string pod_name;  // from the container's labels
    std::string pod_ns;
    RuntimeContainer container;
  };

  std::mutex relist_mu_;  // one relist at a time; guards the kept statuses
  // What the last successful relist saw, with each object's status as last read.
  std::map<std::string, KeptSandbox> sandboxes_;      // by sandbox ID
  std::map<std::string, KeptContainer> containers_;  // by container ID
  mutable std::mutex mu_;
  std::map<std::string, PodRuntimeState> last_;
};

}  // namespace kubenode::kubelet
