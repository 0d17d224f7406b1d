#include "kubelet/runtime/image_puller.h"

#include <cstdio>

#include "base/log.h"
#include "kubelet/runtime/pull_secrets.h"

namespace kubenode::kubelet {
namespace {

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string FormatDuration(std::chrono::steady_clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3gs", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

Result<std::string> ImagePuller::Pull(const std::string& image, const cri::PodSandboxConfig& sandbox_config,
                                      const std::vector<SecretObject>& pull_secrets) {
  auto keyring = MakeDockerKeyring(pull_secrets);
  if (!keyring.ok()) return keyring.status();
  const std::vector<cri::AuthConfig> creds = keyring->Lookup(RepositoryToPull(image));
  if (creds.empty()) return images_.PullImage(image, &sandbox_config);
  // Upstream tries each matching credential; the error is all of theirs (utilerrors.NewAggregate).
  std::vector<std::string> errors;
  for (const cri::AuthConfig& auth : creds) {
    auto pulled = images_.PullImage(image, &sandbox_config, &auth);
    if (pulled.ok()) return pulled;
    errors.push_back(pulled.status().message());
  }
  if (errors.size() == 1) return Status::Error(errors[0]);
  std::string all = "[";
  for (size_t i = 0; i < errors.size(); ++i) all += (i ? ", " : "") + errors[i];
  return Status::Error(all + "]");
}

PullResult ImagePuller::EnsureImage(const api::Pod& pod, const api::Container& container, const EventObject& ref,
                                    const cri::PodSandboxConfig& sandbox_config,
                                    const std::vector<SecretObject>& pull_secrets) {
  const auto& image = container.image;
  bool present = false;
  std::string present_ref;
  if (container.image_pull_policy != api::PullPolicy::kAlways) {
    auto status = images_.ImageStatus(image);
    if (!status.ok()) {
      const auto msg = "Failed to inspect image " + Quoted(image) + ": " + status.status().message();
      events_.Event(ref, EventType::kWarning, "InspectFailed", msg);
      return {"", "ImageInspectError", msg};
    }
    if (status->has_value()) {
      present = true;
      present_ref = (*status)->id;
    }
  }
  if (present) {
    events_.Event(ref, EventType::kNormal, "Pulled", "Container image " + Quoted(image) + " already present on machine");
    return {present_ref, "", ""};
  }
  if (container.image_pull_policy == api::PullPolicy::kNever) {
    const auto msg = "Container image " + Quoted(image) + " is not present with pull policy of Never";
    events_.Event(ref, EventType::kWarning, "ErrImageNeverPull", msg);
    return {"", "ErrImageNeverPull", msg};
  }
  const std::string key = pod.metadata.uid + "_" + image;
  const auto now = clock_.WallNow();
  if (backoff_.IsInBackOffSinceUpdate(key, now)) {
    const auto msg = "Back-off pulling image " + Quoted(image);
    events_.Event(ref, EventType::kNormal, "BackOff", msg);
    return {"", "ImagePullBackOff", msg};
  }
  events_.Event(ref, EventType::kNormal, "Pulling", "Pulling image " + Quoted(image));
  const auto start = clock_.Now();
  auto pulled = Pull(image, sandbox_config, pull_secrets);
  if (!pulled.ok()) {
    Logger("kubelet")->warn("PullImage {} for pod {} container {}: {}", image, pod.metadata.name, container.name,
                            pulled.status().message());
    events_.Event(ref, EventType::kWarning, "Failed",
                  "Failed to pull image " + Quoted(image) + ": " + pulled.status().message());
    backoff_.Next(key, clock_.WallNow());
    return {"", "ErrImagePull", pulled.status().message()};
  }
  const auto took = FormatDuration(clock_.Now() - start);
  events_.Event(ref, EventType::kNormal, "Pulled",
                "Successfully pulled image " + Quoted(image) + " in " + took + " (" + took + " including waiting)");
  return {*pulled, "", ""};
}

}  // namespace kubenode::kubelet
