// ApiObjects from maps; token requests are recorded and answered with numbered tokens.
#pragma once

#include "kubelet/runtime/api_objects.h"

namespace kubenode::kubelet {

class FakeApiObjects : public ApiObjects {
 public:
  std::map<std::string, ObjectData> config_maps, secrets;  // "ns/name" -> data
  std::map<std::string, std::string> secret_types;          // "ns/name" -> type; absent: Opaque
  std::vector<TokenRequest> token_requests;
  std::chrono::seconds token_lifetime{3600};
  api::Time now{};

  Result<std::optional<ObjectData>> ConfigMap(const std::string& ns, const std::string& name) override {
    auto it = config_maps.find(ns + "/" + name);
    return it == config_maps.end() ? std::optional<ObjectData>() : std::optional<ObjectData>(it->second);
  }
  Result<std::optional<ObjectData>> Secret(const std::string& ns, const std::string& name) override {
    auto it = secrets.find(ns + "/" + name);
    return it == secrets.end() ? std::optional<ObjectData>() : std::optional<ObjectData>(it->second);
  }
  Result<std::optional<SecretObject>> TypedSecret(const std::string& ns, const std::string& name) override {
    auto it = secrets.find(ns + "/" + name);
    if (it == secrets.end()) return std::optional<SecretObject>();
    auto type = secret_types.find(ns + "/" + name);
    return std::optional<SecretObject>(SecretObject{name, type == secret_types.end() ? "Opaque" : type->second, it->second});
  }
  Result<ServiceAccountToken> Token(const TokenRequest& request) override {
    token_requests.push_back(request);
    return ServiceAccountToken{"token-" + std::to_string(token_requests.size()), now + token_lifetime};
  }
};

}  // namespace kubenode::kubelet
