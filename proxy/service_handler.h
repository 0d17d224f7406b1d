// The proxy's input interfaces, as in upstream kube-proxy's config package: whatever produces Services and
// EndpointSlices (the manifest directory today, an API-server watch later) calls these, and the proxy does
// not care which source it is. Handlers may be called from any thread; implementations synchronize.
#pragma once

#include <memory>

#include "api/endpoint_slice.h"
#include "api/service.h"

namespace kubenode::proxy {

class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;
  virtual void OnServiceAdd(const api::Service& service) = 0;
  virtual void OnServiceUpdate(const api::Service& old_service, const api::Service& service) = 0;
  virtual void OnServiceDelete(const api::Service& service) = 0;
  // The same for a source that keeps its Services as immutable shared objects: a handler may keep `service`
  // itself instead of a copy (one Service object from the registry down to the proxy).
  virtual void OnServiceAddShared(std::shared_ptr<const api::Service> service) { OnServiceAdd(*service); }
  virtual void OnServiceUpdateShared(const api::Service& old_service, std::shared_ptr<const api::Service> service) {
    OnServiceUpdate(old_service, *service);
  }
  // The source has delivered its complete initial state; until then a proxy must not remove rules for
  // Services it has not heard about yet.
  virtual void OnServicesSynced() = 0;
};

class EndpointSliceHandler {
 public:
  virtual ~EndpointSliceHandler() = default;
  virtual void OnEndpointSliceAdd(const api::EndpointSlice& slice) = 0;
  virtual void OnEndpointSliceUpdate(const api::EndpointSlice& old_slice, const api::EndpointSlice& slice) = 0;
  virtual void OnEndpointSliceDelete(const api::EndpointSlice& slice) = 0;
  virtual void OnEndpointSlicesSynced() = 0;
};

}  // namespace kubenode::proxy
