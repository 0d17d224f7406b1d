// imagePullSecrets as registry credentials, as upstream's pkg/credentialprovider: the pod's
// kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg Secrets make a keyring whose keys (registry
// host[:port][/path], globs in host parts) are matched against the image's normalized repository, most
// specific first; docker.io images also match credentials for index.docker.io. Each match is tried in turn.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/pod.h"
#include "base/status.h"
#include "cri/types.h"
#include "kubelet/event_recorder.h"
#include "kubelet/runtime/api_objects.h"

namespace kubenode::kubelet {

// The repository an image is pulled from, normalized as upstream's ParseImageName: "busybox:1.36" is
// "docker.io/library/busybox", "127.0.0.1:5000/a/b@sha256:…" is "127.0.0.1:5000/a/b".
std::string RepositoryToPull(const std::string& image);

class DockerKeyring {
 public:
  // A .dockercfg map (registry -> {username, password, auth, email}); an unparsable entry is an error.
  Status Add(const nlohmann::json& docker_config);
  // Credentials for `repository` (RepositoryToPull's form), most specific key first; empty: pull anonymously.
  std::vector<cri::AuthConfig> Lookup(const std::string& repository) const;
  bool empty() const { return index_.empty(); }

 private:
  std::map<std::string, std::vector<cri::AuthConfig>> creds_;
  std::vector<std::string> index_;  // keys, reverse-sorted
};

// The keyring of a pod's pull secrets (upstream MakeDockerKeyring): Secrets of other types are ignored.
Result<DockerKeyring> MakeDockerKeyring(const std::vector<SecretObject>& secrets);

// The pod's spec.imagePullSecrets as read now. One that cannot be read is left out, with upstream's warning
// event FailedToRetrieveImagePullSecret; the pull then goes on without it.
std::vector<SecretObject> PullSecretsForPod(const api::Pod& pod, ApiObjects* objects, EventRecorder& events);

}  // namespace kubenode::kubelet
