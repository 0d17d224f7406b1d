#include "kubelet/config/api_source.h"

#include "api/defaults.h"
#include "base/log.h"
#include "kubelet/config/static_pod.h"

namespace kubenode::kubelet {

Result<api::Pod> DecodeApiPod(const nlohmann::json& object) {
  // Items of a LIST carry no apiVersion and kind (only watch events do): they are Pods of v1.
  nlohmann::json typed = object;
  if (typed.is_object()) {
    if (!typed.contains("apiVersion")) typed["apiVersion"] = "v1";
    if (!typed.contains("kind")) typed["kind"] = "Pod";
  }
  const std::string text = typed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto decoded = api::DecodeManifests(text, "API pod " + apiclient::ObjectKey(object), {.strict = false, .validate = false});
  if (!decoded.ok()) return decoded.status();
  if (decoded->size() != 1 || (*decoded)[0].pod() == nullptr) {
    return Status::Error("API pod " + apiclient::ObjectKey(object) + ": not a Pod");
  }
  api::Pod pod = *(*decoded)[0].pod();
  pod.metadata.annotations[kConfigSourceAnnotation] = kApiSource;
  return pod;
}

ApiPodSource::ApiPodSource(apiclient::ApiClient& client, std::string node_name)
    : node_name_(std::move(node_name)),
      store_(apiclient::EventHandlers{
          [this](const nlohmann::json& o) { OnChange(o, false); },
          [this](const nlohmann::json&, const nlohmann::json& n) { OnChange(n, false); },
          [this](const nlohmann::json& o) { OnChange(o, true); }}),
      reflector_(client, {"/api/v1/pods", "fieldSelector=spec.nodeName%3D" + node_name_}, store_) {}

ApiPodSource::~ApiPodSource() { Stop(); }

void ApiPodSource::OnChange(const nlohmann::json& object, bool deleted) {
  const std::string key = apiclient::ObjectKey(object);
  // Mirror pods are the API's copies of static pods, which the file source runs (upstream filters them too).
  if (std::optional<MirrorPod> mirror = AsMirrorPod(object)) {
    std::lock_guard<std::mutex> lock(mu_);
    if (deleted) {
      mirrors_.erase(key);
    } else {
      mirrors_[key] = *mirror;
    }
    return;
  }
  std::optional<api::Pod> pod;
  if (!deleted) {
    Result<api::Pod> decoded = DecodeApiPod(object);
    const bool deleting = object.contains("metadata") && object["metadata"].contains("deletionTimestamp") &&
                          !object["metadata"]["deletionTimestamp"].is_null();
    if (decoded.ok() && deleting) {
      if (deletion_observer_) deletion_observer_(*decoded);
    } else if (decoded.ok()) {
      pod = std::move(*decoded);
    } else {
      Logger("kubelet")->error("ignoring {}: {}", key, decoded.status().message());
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (pod) {
    pods_[key] = std::move(*pod);
  } else {
    pods_.erase(key);
  }
  changed_ = true;
  changed_cv_.notify_one();
}

std::vector<api::Pod> ApiPodSource::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<api::Pod> out;
  out.reserve(pods_.size());
  for (const auto& [key, pod] : pods_) out.push_back(pod);
  return out;
}

std::vector<MirrorPod> ApiPodSource::MirrorPods() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MirrorPod> out;
  for (const auto& [key, mirror] : mirrors_) out.push_back(mirror);
  return out;
}

void ApiPodSource::DeliverLoop() {
  bool delivered_once = false;
  while (!stop_.load()) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return changed_ || stop_.load(); });
      if (stop_.load()) return;
      // Nothing before the first LIST completed: an empty set would read as "every API pod is gone".
      if (!reflector_.HasSynced() || (!changed_ && delivered_once)) continue;
      changed_ = false;
    }
    try {
      sink_(kApiSource, Snapshot());
      delivered_once = true;
    } catch (const std::exception& e) {
      Logger("kubelet")->error("API pod delivery failed: {}", e.what());
    }
  }
}

Status ApiPodSource::Start(PodSnapshotSink sink) {
  sink_ = std::move(sink);
  stop_ = false;
  reflector_thread_ = std::thread([this] {
    try {
      reflector_.Run(stop_);
    } catch (const std::exception& e) {
      Logger("kubelet")->critical("API pod reflector stopped: {}", e.what());
    }
  });
  delivery_thread_ = std::thread([this] { DeliverLoop(); });
  return Status();
}

void ApiPodSource::Stop() {
  stop_ = true;
  changed_cv_.notify_all();
  if (reflector_thread_.joinable()) reflector_thread_.join();
  if (delivery_thread_.joinable()) delivery_thread_.join();
}

void ApiPodSource::SyncNow(const PodSnapshotSink& sink) {
  Result<std::string> listed = reflector_.ListOnce();
  if (!listed.ok()) {
    Logger("kubelet")->warn("listing API pods: {}", listed.status().message());
    return;
  }
  sink(kApiSource, Snapshot());
}

}  // namespace kubenode::kubelet
