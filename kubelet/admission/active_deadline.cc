#include "kubelet/admission/active_deadline.h"

namespace kubenode::kubelet::admission {

std::optional<api::Time> ActiveDeadline(const api::Pod& pod, const api::PodStatus* status) {
  if (!pod.spec.active_deadline_seconds || status == nullptr || !status->start_time) return std::nullopt;
  return *status->start_time + std::chrono::seconds(*pod.spec.active_deadline_seconds);
}

bool PastActiveDeadline(const api::Pod& pod, const api::PodStatus* status, api::Time now) {
  const auto deadline = ActiveDeadline(pod, status);
  return deadline && now >= *deadline;
}

}  // namespace kubenode::kubelet::admission
