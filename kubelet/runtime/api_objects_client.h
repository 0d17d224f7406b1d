// ApiObjects over the API server: GET configmaps / secrets, POST serviceaccounts/<sa>/token.
#pragma once

#include "apiclient/client.h"
#include "kubelet/runtime/api_objects.h"

namespace kubenode::kubelet {

class ApiObjectsClient : public ApiObjects {
 public:
  explicit ApiObjectsClient(apiclient::ApiClient& client) : client_(client) {}
  Result<std::optional<ObjectData>> ConfigMap(const std::string& ns, const std::string& name) override;
  Result<std::optional<ObjectData>> Secret(const std::string& ns, const std::string& name) override;
  Result<std::optional<SecretObject>> TypedSecret(const std::string& ns, const std::string& name) override;
  Result<ServiceAccountToken> Token(const TokenRequest& request) override;

 private:
  Result<std::optional<nlohmann::json>> GetOptional(const std::string& path);
  apiclient::ApiClient& client_;
};

}  // namespace kubenode::kubelet
