// Manifest mode's publishing step: recomputes every Service's EndpointSlices from the node's pods and hands
// the differences (added, changed, removed slices) to an EndpointSliceHandler, as an API-server watch would.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "proxy/endpoint_slice_builder.h"
#include "proxy/service_handler.h"

namespace kubenode::proxy {

class EndpointSliceSync {
 public:
  EndpointSliceSync(EndpointSliceHandler* handler, EndpointSliceBuilderOptions options)
      : handler_(handler), options_(std::move(options)) {}

  // The first call also reports OnEndpointSlicesSynced. Safe to call from several threads.
  void Sync(const std::vector<api::Service>& services, const std::vector<PodWithStatus>& pods);

  // The slices last published, by "namespace/name" of the slice.
  std::map<std::string, api::EndpointSlice> Current() const;

 private:
  EndpointSliceHandler* const handler_;
  const EndpointSliceBuilderOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, api::EndpointSlice> current_;
  bool synced_ = false;
};

}  // namespace kubenode::proxy
