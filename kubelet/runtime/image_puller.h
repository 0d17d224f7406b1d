// Makes sure a container's image is present, as upstream's images.imageManager.EnsureImageExists:
// imagePullPolicy Always / IfNotPresent / Never, events Pulling/Pulled/Failed/BackOff, and a back-off per
// (pod UID, image) so that a failing pull turns ErrImagePull into ImagePullBackOff.
#pragma once

#include <string>

#include "api/pod.h"
#include "base/clock.h"
#include "cri/runtime_service.h"
#include "kubelet/event_recorder.h"
#include "kubelet/runtime/api_objects.h"
#include "kubelet/runtime/backoff.h"

namespace kubenode::kubelet {

struct PullResult {
  std::string image_ref;  // set on success
  std::string reason;     // "", ErrImagePull, ImagePullBackOff, ErrImageNeverPull
  std::string message;
  bool ok() const { return reason.empty(); }
};

class ImagePuller {
 public:
  ImagePuller(cri::ImageService& images, EventRecorder& events, const Clock& clock, Backoff& backoff)
      : images_(images), events_(events), clock_(clock), backoff_(backoff) {}

  // `pull_secrets`: the pod's imagePullSecrets (PullSecretsForPod); each matching credential is tried in
  // turn, as upstream, and none matching pulls anonymously.
  PullResult EnsureImage(const api::Pod& pod, const api::Container& container, const EventObject& ref,
                         const cri::PodSandboxConfig& sandbox_config,
                         const std::vector<SecretObject>& pull_secrets = {});

 private:
  Result<std::string> Pull(const std::string& image, const cri::PodSandboxConfig& sandbox_config,
                           const std::vector<SecretObject>& pull_secrets);

  cri::ImageService& images_;
  EventRecorder& events_;
  const Clock& clock_;
  Backoff& backoff_;
};

}  // namespace kubenode::kubelet
