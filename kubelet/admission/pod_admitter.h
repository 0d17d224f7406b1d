// The kubelet's per-pod admission state: which pods were refused at admission (upstream HandlePodAdditions
// -> canAdmitPod -> rejectPod) or failed their active deadline, with the events upstream records, plus the
// one FieldNotSupported warning per pod. Thread-safe; the kubelet calls it when a source adds or updates a
// pod and before each sync.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "api/pod_status.h"
#include "kubelet/admission/admission.h"
#include "kubelet/event_recorder.h"

namespace kubenode::kubelet::admission {

// Why a pod must not run: its status is phase Failed with this reason and message.
struct Verdict {
  std::string reason;
  std::string message;   // the status message ("Pod was rejected: ..." for a rejection)
  bool rejected = false;  // refused at admission: it never ran, its status carries nothing else
};

class PodAdmitter {
 public:
  PodAdmitter(NodeFacts node, EventRecorder& events);

  // A pod from a source; `previous` is its last spec if the kubelet already had it, `others` the pods
  // admitted and not terminal (this one excluded). A new pod is admitted or refused here. A refused pod
  // whose spec changed is admitted again: kubenode keeps a static pod's UID across edits, where upstream
  // would see a new pod. Returns true when a refused pod was admitted again (its Failed status must go).
  bool OnPod(const api::Pod& pod, const api::Pod* previous, const std::vector<const api::Pod*>& others);

  // The pod left its source: forget it.
  void Forget(const std::string& uid);

  // Refused at admission (such pods count for nothing on the node).
  bool Rejected(const std::string& uid) const;

  // The pod's verdict before a sync: refused, or past its activeDeadlineSeconds given its current status
  // (then recorded, with a DeadlineExceeded event, and kept). nullopt: sync it as usual.
  std::optional<Verdict> Check(const api::Pod& pod, const api::PodStatus* status, api::Time now);

  const NodeFacts& node() const { return node_; }

 private:
  NodeFacts node_;
  EventRecorder& events_;
  mutable std::mutex mu_;
  std::map<std::string, Verdict> failed_;  // uid ->
};

}  // namespace kubenode::kubelet::admission
