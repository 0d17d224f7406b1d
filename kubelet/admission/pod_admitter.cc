#include "kubelet/admission/pod_admitter.h"

#include "base/log.h"
#include "kubelet/admission/active_deadline.h"
#include "kubelet/admission/unsupported_fields.h"
#include "kubelet/runtime/executor.h"

namespace kubenode::kubelet::admission {

PodAdmitter::PodAdmitter(NodeFacts node, EventRecorder& events) : node_(std::move(node)), events_(events) {}

bool PodAdmitter::OnPod(const api::Pod& pod, const api::Pod* previous, const std::vector<const api::Pod*>& others) {
  const auto& uid = pod.metadata.uid;
  bool readmitted = false;
  {
    std::lock_guard lock(mu_);
    auto it = failed_.find(uid);
    const bool was_rejected = it != failed_.end() && it->second.rejected;
    if (previous != nullptr && !(was_rejected && previous->spec != pod.spec)) return false;
    if (was_rejected) {
      failed_.erase(it);
      readmitted = true;
    }
  }
  if (previous == nullptr) {
    const auto message = UnsupportedFieldsMessage(FindUnsupportedFields(pod));
    if (!message.empty()) events_.Event(PodRef(pod), EventType::kWarning, kFieldNotSupportedReason, message);
  }
  const auto result = Admit(pod, node_, others);
  if (!result.overcommit_warning.empty()) {
    Logger("kubelet")->warn("pod {}: {}", FormatPod(pod), result.overcommit_warning);
    events_.Event(PodRef(pod), EventType::kWarning, "AdmittedOverAllocatable", result.overcommit_warning);
  }
  if (result.admit) return readmitted;
  // Upstream rejectPod: the event carries the predicate's message, the status says it was rejected.
  Logger("kubelet")->warn("pod {} rejected: {}: {}", FormatPod(pod), result.reason, result.message);
  events_.Event(PodRef(pod), EventType::kWarning, result.reason, result.message);
  std::lock_guard lock(mu_);
  failed_[uid] = {result.reason, "Pod was rejected: " + result.message, true};
  return readmitted;
}

void PodAdmitter::Forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  failed_.erase(uid);
}

bool PodAdmitter::Rejected(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = failed_.find(uid);
  return it != failed_.end() && it->second.rejected;
}

std::optional<Verdict> PodAdmitter::Check(const api::Pod& pod, const api::PodStatus* status, api::Time now) {
  {
    std::lock_guard lock(mu_);
    if (auto it = failed_.find(pod.metadata.uid); it != failed_.end()) return it->second;
  }
  // A pod that finished on its own is not failed afterwards.
  if (status != nullptr && (status->phase == api::PodPhase::kSucceeded || status->phase == api::PodPhase::kFailed)) {
    return std::nullopt;
  }
  if (!PastActiveDeadline(pod, status, now)) return std::nullopt;
  Logger("kubelet")->info("pod {}: {}", FormatPod(pod), kDeadlineExceededMessage);
  events_.Event(PodRef(pod), EventType::kNormal, kDeadlineExceededReason, kDeadlineExceededMessage);
  Verdict v{kDeadlineExceededReason, kDeadlineExceededMessage, false};
  std::lock_guard lock(mu_);
  failed_[pod.metadata.uid] = v;
  return v;
}

}  // namespace kubenode::kubelet::admission
