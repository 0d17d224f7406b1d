#include "kubelet/admission/unsupported_fields.h"

#include "kubelet/runtime/api_volumes.h"

#include <algorithm>
#include <string_view>

namespace kubenode::kubelet::admission {
namespace {

constexpr char kEmptyDir[] = "mounted as an empty directory";

// A path into the pod: object keys separated by '.', "[]" after a key walks every element of that array.
// A field counts as set when present and not null, false, "" or empty.
struct Entry {
  const char* path;
  const char* instead;
};

constexpr Entry kTable[] = {
    {"spec.runtimeClassName", "the runtime's default handler runs the pod"},
    {"spec.ephemeralContainers", "not started"},
    {"spec.resourceClaims", "no resources are allocated"},
    {"spec.hostUsers", "no user namespace"},
    {"spec.containers[].resizePolicy", "resources are not resized in place"},
    {"spec.containers[].resources.claims", "no resources are allocated"},
    {"spec.initContainers[].resources.claims", "no resources are allocated"},
    {"spec.containers[].volumeDevices", "no block devices"},
    {"spec.initContainers[].volumeDevices", "no block devices"},
    {"spec.containers[].volumeMounts[].subPathExpr", "not expanded; the volume's root is mounted"},
    {"spec.initContainers[].volumeMounts[].subPathExpr", "not expanded; the volume's root is mounted"},
    {"spec.containers[].volumeMounts[].mountPropagation", "mounted private"},
    {"spec.initContainers[].volumeMounts[].mountPropagation", "mounted private"},
    {"spec.containers[].livenessProbe.grpc", "the probe never runs"},
    {"spec.containers[].readinessProbe.grpc", "the probe never runs"},
    {"spec.containers[].startupProbe.grpc", "the probe never runs"},
    {"spec.initContainers[].restartPolicy", "runs as an ordinary init container (no sidecars)"},
};

bool IsSet(const nlohmann::json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return !v.get<std::string>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

void Walk(const nlohmann::json& node, std::string_view rest, const std::string& at, std::vector<std::string>& out) {
  if (rest.empty()) {
    if (IsSet(node)) out.push_back(at);
    return;
  }
  const size_t dot = rest.find('.');
  std::string_view key = rest.substr(0, dot);
  const std::string_view next = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
  const bool each = key.ends_with("[]");
  if (each) key.remove_suffix(2);
  if (!node.is_object()) return;
  auto it = node.find(std::string(key));
  if (it == node.end()) return;
  const std::string path = at.empty() ? std::string(key) : at + "." + std::string(key);
  if (!each) {
    Walk(*it, next, path, out);
    return;
  }
  if (!it->is_array()) return;
  for (size_t i = 0; i < it->size(); ++i) Walk((*it)[i], next, path + "[" + std::to_string(i) + "]", out);
}

}  // namespace

std::vector<UnsupportedField> FindUnsupportedFields(const api::Pod& pod) {
  std::vector<UnsupportedField> out;
  for (const auto& entry : kTable) {
    std::vector<std::string> paths;
    Walk(pod.source, entry.path, "", paths);
    for (auto& p : paths) out.push_back({std::move(p), entry.instead});
  }
  // Volumes whose source kubenode does not set up: an empty directory stands in, so the pod still starts.
  for (size_t i = 0; i < pod.spec.volumes.size(); ++i) {
    const auto& source = pod.spec.volumes[i].other_source;
    if (source.empty() || ServedFromApi(pod, source)) continue;
    // other_source names the sources given (comma-separated if several, which validation refuses).
    for (size_t start = 0; start < source.size();) {
      const size_t comma = std::min(source.find(',', start), source.size());
      out.push_back({"spec.volumes[" + std::to_string(i) + "]." + source.substr(start, comma - start), kEmptyDir});
      start = comma + 1;
    }
  }
  return out;
}

std::string UnsupportedFieldsMessage(const std::vector<UnsupportedField>& fields) {
  if (fields.empty()) return "";
  std::string message = "kubenode does not implement: ";
  for (size_t i = 0; i < fields.size(); ++i) {
    message += (i ? ", " : "") + fields[i].path + " (" + fields[i].instead + ")";
  }
  return message;
}

}  // namespace kubenode::kubelet::admission
