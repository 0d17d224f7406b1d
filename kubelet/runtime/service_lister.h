// The kubelet's own Service informer in API-server mode (upstream kubelet's serviceLister): every Service of
// the cluster, listed and watched without a selector, independent of the proxy (which may be off).
#pragma once

#include <atomic>
#include <thread>

#include "apiclient/reflector.h"
#include "kubelet/runtime/service_env.h"

namespace kubenode::kubelet {

// A Service object as the API server sends it, reduced to what the environment needs.
ServiceInfo ServiceInfoFromJson(const nlohmann::json& service);

class ApiServiceLister : public ServiceLister {
 public:
  explicit ApiServiceLister(apiclient::ApiClient& client);
  ~ApiServiceLister() override;

  void Start();
  void Stop();

  bool HasSynced() const override { return reflector_.HasSynced(); }
  std::vector<ServiceInfo> List() const override;

 private:
  apiclient::Store store_;
  apiclient::Reflector reflector_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kubenode::kubelet
