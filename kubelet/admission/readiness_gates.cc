#include "kubelet/admission/readiness_gates.h"

namespace kubenode::kubelet::admission {

void ApplyReadinessGates(const api::PodSpec& spec, const std::vector<api::PodCondition>& existing,
                         std::vector<api::PodCondition>& conditions) {
  if (spec.readiness_gates.empty()) return;
  api::PodCondition* ready = nullptr;
  for (auto& c : conditions) {
    if (c.type == "Ready") ready = &c;
  }
  // Not ready containers already explain themselves (upstream returns ContainersReady's reason).
  if (ready == nullptr || !ready->status) return;
  std::string message;
  for (const auto& gate : spec.readiness_gates) {
    const api::PodCondition* found = nullptr;
    for (const auto& c : existing) {
      if (c.type == gate) found = &c;
    }
    std::string why;
    if (found == nullptr) {
      why = "corresponding condition of pod readiness gate \"" + gate + "\" does not exist.";
    } else if (!found->status) {
      why = "the status of pod readiness gate \"" + gate + "\" is not \"True\", but False";
    } else {
      continue;
    }
    message += (message.empty() ? "" : ", ") + why;
  }
  if (message.empty()) return;
  ready->status = false;
  ready->reason = kReadinessGatesNotReady;
  ready->message = message;
}

}  // namespace kubenode::kubelet::admission
