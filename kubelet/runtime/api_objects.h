// What the kubelet reads from an API server for a pod's volumes and environment: ConfigMaps, Secrets and
// service-account tokens (TokenRequest bound to the pod). Behind an interface so that volume and env code
// is tested with a fake; ApiObjectsClient (api_objects_client.h) is the real one.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"
#include "base/status.h"

namespace kubenode::kubelet {

using ObjectData = std::map<std::string, std::string>;  // key -> bytes

// A Secret with its type (kubernetes.io/dockerconfigjson, Opaque, ...), for readers that depend on it.
struct SecretObject {
  std::string name;
  std::string type;
  ObjectData data;  // base64-decoded
};

struct ServiceAccountToken {
  std::string token;
  api::Time expiration;
};

struct TokenRequest {
  std::string ns, service_account;
  std::vector<std::string> audiences;  // empty: the API server's
  int64_t expiration_seconds = 3600;
  std::string pod_name, pod_uid;  // the pod the token is bound to
};

class ApiObjects {
 public:
  virtual ~ApiObjects() = default;
  // data and binaryData of a ConfigMap; nullopt when it does not exist.
  virtual Result<std::optional<ObjectData>> ConfigMap(const std::string& ns, const std::string& name) = 0;
  // data of a Secret, base64-decoded; nullopt when it does not exist.
  virtual Result<std::optional<ObjectData>> Secret(const std::string& ns, const std::string& name) = 0;
  // The same with the Secret's type.
  virtual Result<std::optional<SecretObject>> TypedSecret(const std::string& ns, const std::string& name) = 0;
  virtual Result<ServiceAccountToken> Token(const TokenRequest& request) = 0;
};

}  // namespace kubenode::kubelet
