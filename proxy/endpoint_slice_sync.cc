#include "proxy/endpoint_slice_sync.h"

namespace kubenode::proxy {

void EndpointSliceSync::Sync(const std::vector<api::Service>& services, const std::vector<PodWithStatus>& pods) {
  // The handler is called under the lock so that two concurrent syncs cannot interleave their deltas.
  std::lock_guard lock(mu_);
  std::map<std::string, api::EndpointSlice> next;
  for (const api::Service& service : services) {
    for (api::EndpointSlice& slice : BuildEndpointSlices(service, pods, options_)) {
      std::string key = slice.metadata.ns + "/" + slice.metadata.name;
      next.emplace(std::move(key), std::move(slice));
    }
  }
  for (const auto& [key, slice] : current_) {
    if (!next.contains(key)) handler_->OnEndpointSliceDelete(slice);
  }
  for (const auto& [key, slice] : next) {
    auto old = current_.find(key);
    if (old == current_.end()) {
      handler_->OnEndpointSliceAdd(slice);
    } else if (!(old->second == slice)) {
      handler_->OnEndpointSliceUpdate(old->second, slice);
    }
  }
  current_ = std::move(next);
  if (!synced_) {
    synced_ = true;
    handler_->OnEndpointSlicesSynced();
  }
}

std::map<std::string, api::EndpointSlice> EndpointSliceSync::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace kubenode::proxy
