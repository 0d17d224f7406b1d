#include "kubelet/runtime/pull_secrets.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "apiclient/base64.h"
#include "base/log.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

constexpr char kDockerConfigJsonType[] = "kubernetes.io/dockerconfigjson";
constexpr char kDockerConfigJsonKey[] = ".dockerconfigjson";
constexpr char kDockercfgType[] = "kubernetes.io/dockercfg";
constexpr char kDockercfgKey[] = ".dockercfg";
constexpr char kDefaultRegistryHost[] = "index.docker.io";

// A schemeless URL split as Go's url.Parse does for "https://" + it: host[:port] and /path.
struct HostPath {
  std::string host, path;
};

HostPath SplitUrl(std::string value) {
  for (const char* scheme : {"https://", "http://"}) {
    if (value.rfind(scheme, 0) == 0) value = value.substr(std::string(scheme).size());
  }
  const size_t slash = value.find('/');
  if (slash == std::string::npos) return {value, ""};
  return {value.substr(0, slash), value.substr(slash)};
}

// net.SplitHostPort, else the whole host without a port; then the host's dot-separated parts.
std::pair<std::vector<std::string>, std::string> HostParts(const std::string& host_port) {
  std::string host = host_port, port;
  const size_t colon = host_port.rfind(':');
  if (colon != std::string::npos && host_port.find(':') == colon) {
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    parts.push_back(host.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return {parts, port};
}

// Upstream URLsMatchStr: same port, as many host parts each matching the glob's, the path a prefix.
bool UrlMatches(const std::string& glob, const std::string& target) {
  const HostPath g = SplitUrl(glob), t = SplitUrl(target);
  const auto [glob_parts, glob_port] = HostParts(g.host);
  const auto [target_parts, target_port] = HostParts(t.host);
  if (glob_port != target_port || glob_parts.size() != target_parts.size()) return false;
  if (t.path.rfind(g.path, 0) != 0) return false;
  for (size_t i = 0; i < glob_parts.size(); ++i) {
    if (fnmatch(glob_parts[i].c_str(), target_parts[i].c_str(), 0) != 0) return false;
  }
  return true;
}

// Docker's rule: no domain, or one without '.' and ':', is Docker Hub.
bool IsDefaultRegistryMatch(const std::string& image) {
  const size_t slash = image.find('/');
  const std::string first = image.substr(0, slash);
  if (first.empty()) return false;
  if (slash == std::string::npos) return true;
  if (first == "docker.io" || first == kDefaultRegistryHost) return true;
  return first.find_first_of(".:") == std::string::npos;
}

std::string JsonString(const json& entry, const char* key) {
  return entry.contains(key) && entry[key].is_string() ? entry[key].get<std::string>() : "";
}

}  // namespace

std::string RepositoryToPull(const std::string& image) {
  std::string name = image.substr(0, image.find('@'));
  const size_t last_slash = name.rfind('/');
  const size_t tag = name.find(':', last_slash == std::string::npos ? 0 : last_slash);
  if (tag != std::string::npos) name = name.substr(0, tag);
  std::string domain, rest = name;
  const size_t slash = name.find('/');
  if (slash != std::string::npos) {
    const std::string first = name.substr(0, slash);
    const bool is_domain = first.find_first_of(".:") != std::string::npos || first == "localhost" ||
                           std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (is_domain) {
      domain = first;
      rest = name.substr(slash + 1);
    }
  }
  if (domain.empty() || domain == kDefaultRegistryHost) domain = "docker.io";
  if (domain == "docker.io" && rest.find('/') == std::string::npos) rest = "library/" + rest;
  return domain + "/" + rest;
}

Status DockerKeyring::Add(const json& docker_config) {
  if (!docker_config.is_object()) return Status::Error("docker config: not an object of registries");
  for (const auto& [location, entry] : docker_config.items()) {
    if (!entry.is_object()) return Status::Error("docker config \"" + location + "\": not an object");
    cri::AuthConfig creds;
    creds.username = JsonString(entry, "username");
    creds.password = JsonString(entry, "password");
    if (const std::string auth = JsonString(entry, "auth"); !auth.empty()) {
      // "auth" is base64("username:password") and takes precedence, as in the Docker config file.
      auto decoded = apiclient::DecodeBase64(auth);
      const size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        return Status::Error("docker config \"" + location +
                             "\": unable to parse auth field, must be formatted as base64(username:password)");
      }
      creds.username = decoded->substr(0, colon);
      creds.password = decoded->substr(colon + 1);
    }
    // Docker treats /v1/ and /v2/ as the registry itself: the key is the host then.
    HostPath parsed = SplitUrl(location);
    std::string path = parsed.path;
    if (path.rfind("/v2/", 0) == 0 || path.rfind("/v1/", 0) == 0) path = path.substr(3);
    const std::string key = !path.empty() && path != "/" ? parsed.host + path : parsed.host;
    creds_[key].push_back(creds);
    index_.push_back(key);
  }
  // Most specific first: "quay.io/team" before "quay.io".
  std::set<std::string> unique(index_.begin(), index_.end());
  index_.assign(unique.rbegin(), unique.rend());
  return Status();
}

std::vector<cri::AuthConfig> DockerKeyring::Lookup(const std::string& repository) const {
  std::vector<cri::AuthConfig> out;
  for (const std::string& key : index_) {
    if (!UrlMatches(key, repository)) continue;
    const auto& creds = creds_.at(key);
    out.insert(out.end(), creds.begin(), creds.end());
  }
  if (out.empty() && IsDefaultRegistryMatch(repository)) {
    if (auto it = creds_.find(kDefaultRegistryHost); it != creds_.end()) return it->second;
  }
  return out;
}

Result<DockerKeyring> MakeDockerKeyring(const std::vector<SecretObject>& secrets) {
  DockerKeyring keyring;
  for (const SecretObject& secret : secrets) {
    auto config_json = secret.data.find(kDockerConfigJsonKey);
    auto dockercfg = secret.data.find(kDockercfgKey);
    json config;
    if (secret.type == kDockerConfigJsonType && config_json != secret.data.end() && !config_json->second.empty()) {
      json parsed = json::parse(config_json->second, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        return Status::Error("secret \"" + secret.name + "\": " + kDockerConfigJsonKey + " is not JSON");
      }
      config = parsed.value("auths", json::object());
    } else if (secret.type == kDockercfgType && dockercfg != secret.data.end() && !dockercfg->second.empty()) {
      config = json::parse(dockercfg->second, nullptr, false);
      if (config.is_discarded()) return Status::Error("secret \"" + secret.name + "\": " + kDockercfgKey + " is not JSON");
    } else {
      continue;
    }
    if (auto st = keyring.Add(config); !st.ok()) return st.WithContext("secret \"" + secret.name + "\"");
  }
  return keyring;
}

std::vector<SecretObject> PullSecretsForPod(const api::Pod& pod, ApiObjects* objects, EventRecorder& events) {
  std::vector<SecretObject> out;
  if (!pod.source.contains("spec") || !pod.source["spec"].contains("imagePullSecrets")) return out;
  const json& refs = pod.source["spec"]["imagePullSecrets"];
  if (!refs.is_array()) return out;
  std::string failed;
  for (const json& ref : refs) {
    const std::string name = ref.is_object() ? JsonString(ref, "name") : "";
    if (name.empty()) continue;
    Result<std::optional<SecretObject>> secret =
        objects != nullptr ? objects->TypedSecret(pod.metadata.ns, name)
                           : Result<std::optional<SecretObject>>(Status::Error("no API server"));
    if (!secret.ok() || !*secret) {
      Logger("kubelet")->info("Unable to retrieve pull secret {}/{} for pod {}, the image pull may not succeed: {}",
                              pod.metadata.ns, name, pod.metadata.name,
                              secret.ok() ? "secret \"" + name + "\" not found" : secret.status().message());
      failed += (failed.empty() ? "" : ", ") + name;
      continue;
    }
    out.push_back(std::move(**secret));
  }
  if (!failed.empty()) {
    events.Event({"Pod", pod.metadata.ns, pod.metadata.name, pod.metadata.uid, ""}, EventType::kWarning,
                 "FailedToRetrieveImagePullSecret",
                 "Unable to retrieve some image pull secrets (" + failed +
                     "); attempting to pull the image may not succeed.");
  }
  return out;
}

}  // namespace kubenode::kubelet
