#include "kubelet/prober/results_cache.h"

namespace kubenode::kubelet::prober {

bool ResultsCache::Set(const std::string& container_id, ProbeResult result) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = results_.try_emplace(container_id, result);
  if (inserted) return true;
  if (it->second == result) return false;
  it->second = result;
  return true;
}

void ResultsCache::Remove(const std::string& container_id) {
  std::lock_guard lock(mu_);
  results_.erase(container_id);
}

std::optional<ProbeResult> ResultsCache::Get(const std::string& container_id) const {
  std::lock_guard lock(mu_);
  auto it = results_.find(container_id);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

size_t ResultsCache::size() const {
  std::lock_guard lock(mu_);
  return results_.size();
}

}  // namespace kubenode::kubelet::prober
