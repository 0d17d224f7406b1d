// The proxy's inputs in API-server mode, as kube-proxy's informers: Services and discovery/v1 EndpointSlices
// listed and watched with upstream's label selectors (no service-proxy-name, not headless), decoded and
// handed to the proxy's handlers (the ServiceChangeTracker). ClusterIPs, NodePorts and endpoints are the
// control plane's; the manifest-mode allocator and EndpointSlice builder are off in this mode.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "api/endpoint_slice.h"
#include "api/service.h"
#include "apiclient/reflector.h"
#include "proxy/service_handler.h"

namespace kubenode::agent {

class ApiProxySource {
 public:
  ApiProxySource(apiclient::ApiClient& client, proxy::ServiceHandler& services, proxy::EndpointSliceHandler& slices);
  ~ApiProxySource();

  void Start();
  void Stop();

 private:
  void OnService(const nlohmann::json& object, bool deleted);
  void OnSlice(const nlohmann::json& object, bool deleted);

  proxy::ServiceHandler& service_handler_;
  proxy::EndpointSliceHandler& slice_handler_;
  std::mutex mu_;  // handlers are called from both reflector threads
  std::map<std::string, api::Service> services_;
  std::map<std::string, api::EndpointSlice> slices_;
  apiclient::Store service_store_;
  apiclient::Store slice_store_;
  apiclient::Reflector service_reflector_;
  apiclient::Reflector slice_reflector_;
  std::atomic<bool> stop_{false};
  std::thread service_thread_, slice_thread_, synced_thread_;
};

}  // namespace kubenode::agent
