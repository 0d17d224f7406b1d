// Volumes whose content comes from the API server, as upstream's configmap, secret, downwardAPI and
// projected plugins (serviceAccountToken included): the files are written into the volume's directory
// atomically as upstream's AtomicWriter does (a timestamped directory, the "..data" symlink swapped to it,
// each top-level name a symlink through "..data"), and rewritten only when the content changed.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "api/pod.h"
#include "base/clock.h"
#include "kubelet/runtime/api_objects.h"

namespace kubenode::kubelet {

struct VolumeFile {
  std::string content;
  int mode = 0644;
  bool operator==(const VolumeFile&) const = default;
};
using VolumePayload = std::map<std::string, VolumeFile>;  // relative path -> file

// True for the volume sources this writer serves.
bool IsApiVolumeSource(const std::string& source);
// True when `pod`'s volume of kind `source` is written by this writer: every kind for pods from the API
// server; downwardAPI (which needs no API object) for static pods too.
bool ServedFromApi(const api::Pod& pod, const std::string& source);

class ApiVolumeWriter {
 public:
  ApiVolumeWriter(ApiObjects& objects, const Clock& clock) : objects_(objects), clock_(clock) {}

  // The files of volume `name` of `pod` (its JSON is read from pod.source). Errors read like upstream's:
  // `configmap "cfg" not found`, `configmap references non-existent config key: k`.
  Result<VolumePayload> Payload(const api::Pod& pod, const std::string& name);
  // Payload() written into `dir` (created if needed).
  Status Write(const api::Pod& pod, const std::string& name, const std::string& dir);

 private:
  Result<std::string> Token(const api::Pod& pod, const nlohmann::json& source);

  ApiObjects& objects_;
  const Clock& clock_;
  struct CachedToken {
    ServiceAccountToken token;
    api::Time refresh_after;  // 80 % of its lifetime, as upstream's token manager
  };
  std::mutex mu_;
  std::map<std::string, CachedToken> tokens_;
};

// Writes `payload` into `dir` atomically; a no-op when `dir` already holds exactly it.
Status WriteAtomically(const std::string& dir, const VolumePayload& payload, const std::string& timestamp);

// A container's resource as the downward API's resourceFieldRef gives it with divisor 1 ("limits.memory" →
// bytes, "requests.cpu" → cores rounded up); "0" when the container does not set it.
std::string ResourceFieldValue(const api::Container& container, const std::string& resource);

// A downward API field of the pod as upstream formats it ("metadata.labels" as sorted key="value" lines).
Result<std::string> PodFieldValue(const api::Pod& pod, const std::string& field_path, const std::string& pod_ip,
                                  const std::string& host_ip);

}  // namespace kubenode::kubelet
