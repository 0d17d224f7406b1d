#include "kubelet/status/api_status_syncer.h"

#include "api/json.h"
#include "base/log.h"
#include "kubelet/config/static_pod.h"

namespace kubenode::kubelet {
namespace {

std::string PodPath(const std::string& ns, const std::string& name) {
  return "/api/v1/namespaces/" + ns + "/pods/" + name;
}

std::string SourceOf(const api::Pod& pod) {
  auto it = pod.metadata.annotations.find(kConfigSourceAnnotation);
  return it == pod.metadata.annotations.end() ? "" : it->second;
}

}  // namespace

ApiStatusSyncer::~ApiStatusSyncer() { Stop(); }

void ApiStatusSyncer::OnStatuses(const std::vector<PodWithStatus>& pods) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> present;
  for (const PodWithStatus& p : pods) {
    const std::string source = SourceOf(p.pod);
    const std::string& uid = p.pod.metadata.uid;
    std::string api_uid = uid;
    if (source == "file" && mirror_resolver_) {
      std::optional<MirrorPod> mirror = mirror_resolver_(p.pod.metadata.ns, p.pod.metadata.name);
      if (!mirror || mirror->deleting) continue;  // reported once its mirror pod exists
      api_uid = mirror->uid;
    } else if (source != "api") {
      continue;
    }
    present.insert(uid);
    nlohmann::json status = api::ToJson(p.status);
    auto sent = sent_.find(uid);
    if (sent != sent_.end() && sent->second.first == api_uid && sent->second.second == status) {
      pending_.erase(uid);
      continue;
    }
    pending_[uid] = {{p.pod.metadata.ns, p.pod.metadata.name, api_uid}, std::move(status)};
  }
  for (const std::string& uid : present_) {
    if (present.count(uid)) continue;
    sent_.erase(uid);
    if (deleting_.count(uid)) {
      // Its last status (containers terminated) goes out before the DELETE: SyncOnce sends patches first.
      pending_deletes_.insert(uid);
    } else {
      pending_.erase(uid);
    }
  }
  present_ = std::move(present);
  cv_.notify_one();
}

void ApiStatusSyncer::MarkDeleting(const std::string& uid, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  deleting_[uid] = {ns, name, uid};
  if (!present_.count(uid)) pending_deletes_.insert(uid);  // never ran here, or already stopped
  cv_.notify_one();
}

int ApiStatusSyncer::SyncOnce() {
  std::map<std::string, std::pair<PodRef, nlohmann::json>> batch;
  std::map<std::string, PodRef> deletes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
    for (const std::string& uid : pending_deletes_) {
      // Only pods MarkDeleting named: an empty reference would be DELETE .../namespaces//pods/, a deletecollection.
      auto it = deleting_.find(uid);
      if (it != deleting_.end() && !it->second.name.empty()) deletes[uid] = it->second;
    }
    pending_deletes_.clear();
  }
  auto log = Logger("kubelet");
  int failures = 0;
  for (auto& [uid, item] : batch) {
    const auto& [ref, status] = item;
    nlohmann::json patch = {{"metadata", {{"uid", ref.api_uid}}}, {"status", status}};
    auto response = client_.Call("PATCH", PodPath(ref.ns, ref.name) + "/status", &patch, apiclient::kStrategicMergePatch);
    std::lock_guard<std::mutex> lock(mu_);
    if (response.ok() && response->ok()) {
      sent_[uid] = {ref.api_uid, status};
      continue;
    }
    if (response.ok() && response->code == 404) continue;  // the pod is gone from the API: nothing to report
    ++failures;
    log->warn("pod {}/{} status: {}", ref.ns, ref.name,
              response.ok() ? apiclient::DescribeFailure("PATCH", PodPath(ref.ns, ref.name) + "/status", *response)
                            : response.status().message());
    // Retry with the newest status, unless a newer one was queued meanwhile.
    pending_.try_emplace(uid, item);
  }
  for (const auto& [uid, ref] : deletes) {
    nlohmann::json options = {{"gracePeriodSeconds", 0}, {"preconditions", {{"uid", uid}}}};
    auto response = client_.Call("DELETE", PodPath(ref.ns, ref.name), &options);
    std::lock_guard<std::mutex> lock(mu_);
    if (response.ok() && (response->ok() || response->code == 404 || response->code == 409)) {
      // 409: the UID precondition failed — a new pod of that name, not ours to delete.
      deleting_.erase(uid);
      pending_deletes_.erase(uid);  // queued again by a MarkDeleting while the DELETE was in flight
      log->info("pod {}/{} stopped and deleted from the API server", ref.ns, ref.name);
      continue;
    }
    ++failures;
    pending_deletes_.insert(uid);
    log->warn("deleting pod {}/{}: {}", ref.ns, ref.name,
              response.ok() ? apiclient::DescribeFailure("DELETE", PodPath(ref.ns, ref.name), *response)
                            : response.status().message());
  }
  return failures;
}

void ApiStatusSyncer::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void ApiStatusSyncer::Stop() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ApiStatusSyncer::Loop() {
  auto backoff = std::chrono::milliseconds(0);
  while (!stop_.load()) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1),
                   [&] { return stop_.load() || !pending_.empty() || !pending_deletes_.empty(); });
      if (stop_.load()) return;
    }
    if (backoff.count() > 0) std::this_thread::sleep_for(backoff);
    try {
      const int failures = SyncOnce();
      backoff = failures == 0 ? std::chrono::milliseconds(0)
                              : std::min<std::chrono::milliseconds>(std::max(backoff * 2, std::chrono::milliseconds(200)),
                                                                    std::chrono::seconds(10));
    } catch (const std::exception& e) {
      Logger("kubelet")->error("pod status sync: {}", e.what());
    }
  }
}

}  // namespace kubenode::kubelet
