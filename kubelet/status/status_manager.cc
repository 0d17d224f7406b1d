#include "kubelet/status/status_manager.h"

namespace kubenode::kubelet {

void StatusManager::AddListener(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.push_back(std::move(listener));
}

void StatusManager::SetStatus(const api::Pod& pod, const api::PodStatus& status, bool terminating) {
  {
    std::lock_guard lock(mu_);
    auto& entry = pods_[pod.metadata.uid];
    if (entry.pod == pod && entry.status == status && entry.terminating == terminating) return;
    entry = {pod, status, terminating};
  }
  Notify();
}

void StatusManager::Remove(const std::string& pod_uid) {
  {
    std::lock_guard lock(mu_);
    if (pods_.erase(pod_uid) == 0) return;
  }
  Notify();
}

std::optional<PodWithStatus> StatusManager::Get(const std::string& pod_uid) const {
  std::lock_guard lock(mu_);
  auto it = pods_.find(pod_uid);
  if (it == pods_.end()) return std::nullopt;
  return it->second;
}

std::vector<PodWithStatus> StatusManager::List() const {
  std::lock_guard lock(mu_);
  std::vector<PodWithStatus> out;
  for (const auto& [uid, p] : pods_) out.push_back(p);
  return out;
}

void StatusManager::Notify() {
  std::lock_guard lock(listeners_mu_);
  const auto snapshot = List();
  for (const auto& l : listeners_) l(snapshot);
}

}  // namespace kubenode::kubelet
