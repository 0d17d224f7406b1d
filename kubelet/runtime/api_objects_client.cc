#include "kubelet/runtime/api_objects_client.h"

#include "api/rfc3339.h"
#include "apiclient/base64.h"

namespace kubenode::kubelet {

Result<std::optional<nlohmann::json>> ApiObjectsClient::GetOptional(const std::string& path) {
  auto response = client_.Call("GET", path);
  if (!response.ok()) return response.status();
  if (response->code == 404) return std::optional<nlohmann::json>();
  if (!response->ok()) return Status::Error(apiclient::DescribeFailure("GET", path, *response));
  return std::optional<nlohmann::json>(std::move(response->body));
}

Result<std::optional<ObjectData>> ApiObjectsClient::ConfigMap(const std::string& ns, const std::string& name) {
  auto object = GetOptional("/api/v1/namespaces/" + ns + "/configmaps/" + name);
  if (!object.ok()) return object.status();
  if (!*object) return std::optional<ObjectData>();
  ObjectData data;
  const nlohmann::json& o = **object;
  if (o.contains("data") && o["data"].is_object()) {
    for (const auto& [key, value] : o["data"].items()) data[key] = value.is_string() ? value.get<std::string>() : "";
  }
  if (o.contains("binaryData") && o["binaryData"].is_object()) {
    for (const auto& [key, value] : o["binaryData"].items()) {
      auto bytes = apiclient::DecodeBase64(value.is_string() ? value.get<std::string>() : "");
      if (!bytes.ok()) return bytes.status().WithContext("configmap \"" + name + "\" binaryData[" + key + "]");
      data[key] = *bytes;
    }
  }
  return std::optional<ObjectData>(std::move(data));
}

Result<std::optional<ObjectData>> ApiObjectsClient::Secret(const std::string& ns, const std::string& name) {
  auto secret = TypedSecret(ns, name);
  if (!secret.ok()) return secret.status();
  if (!*secret) return std::optional<ObjectData>();
  return std::optional<ObjectData>(std::move((*secret)->data));
}

Result<std::optional<SecretObject>> ApiObjectsClient::TypedSecret(const std::string& ns, const std::string& name) {
  auto object = GetOptional("/api/v1/namespaces/" + ns + "/secrets/" + name);
  if (!object.ok()) return object.status();
  if (!*object) return std::optional<SecretObject>();
  ObjectData data;
  const nlohmann::json& o = **object;
  if (o.contains("data") && o["data"].is_object()) {
    for (const auto& [key, value] : o["data"].items()) {
      auto bytes = apiclient::DecodeBase64(value.is_string() ? value.get<std::string>() : "");
      if (!bytes.ok()) return bytes.status().WithContext("secret \"" + name + "\" data[" + key + "]");
      data[key] = *bytes;
    }
  }
  const std::string type = o.contains("type") && o["type"].is_string() ? o["type"].get<std::string>() : "Opaque";
  return std::optional<SecretObject>(SecretObject{name, type, std::move(data)});
}

Result<ServiceAccountToken> ApiObjectsClient::Token(const TokenRequest& request) {
  nlohmann::json spec = {{"expirationSeconds", request.expiration_seconds},
                         {"boundObjectRef",
                          {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", request.pod_name}, {"uid", request.pod_uid}}}};
  spec["audiences"] = request.audiences;
  nlohmann::json body = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenRequest"}, {"spec", spec}};
  auto created = client_.Create(
      "/api/v1/namespaces/" + request.ns + "/serviceaccounts/" + request.service_account + "/token", body);
  if (!created.ok()) return created.status();
  const nlohmann::json& status = (*created)["status"];
  ServiceAccountToken token;
  token.token = status.value("token", "");
  auto expiration = api::ParseRFC3339(status.value("expirationTimestamp", ""));
  if (token.token.empty() || !expiration) return Status::Error("TokenRequest: the answer has no token or expiration");
  token.expiration = *expiration;
  return token;
}

}  // namespace kubenode::kubelet
