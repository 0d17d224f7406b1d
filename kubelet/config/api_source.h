// Pods bound to this node by an API server (upstream's config/apiserver.go): a reflector LISTs and WATCHes
// /api/v1/pods?fieldSelector=spec.nodeName=<node>; each change is decoded (the v1.28 schema, lenient:
// fields newer than v1.28 are dropped) and the whole set is delivered as source "api" once the first LIST
// has completed, so that the kubelet never acts on a partial view (see sources-ready in kubelet.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "apiclient/client.h"
#include "apiclient/reflector.h"
#include "kubelet/config/pod_source.h"
#include "kubelet/node/mirror_pods.h"

namespace kubenode::kubelet {

inline constexpr char kApiSource[] = "api";

class ApiPodSource : public PodSource {
 public:
  ApiPodSource(apiclient::ApiClient& client, std::string node_name);
  ~ApiPodSource() override;

  std::string Name() const override { return kApiSource; }
  Status Start(PodSnapshotSink sink) override;
  void Stop() override;
  // Lists now (from the calling thread) and delivers the result.
  void SyncNow(const PodSnapshotSink& sink) override;

  // The pods decoded so far; an object that fails to decode is left out and logged.
  std::vector<api::Pod> Snapshot() const;

  // Mirror pods (of this node's static pods) seen in the API; they are never run as API pods.
  std::vector<MirrorPod> MirrorPods() const;
  bool HasSynced() const { return reflector_.HasSynced(); }

  // Called (from the source's thread) for a pod the API is deleting (metadata.deletionTimestamp set). Such a
  // pod leaves the snapshot, so the kubelet stops it; the observer finishes the deletion. Before Start().
  void SetDeletionObserver(std::function<void(const api::Pod&)> observer) { deletion_observer_ = std::move(observer); }

 private:
  void OnChange(const nlohmann::json& object, bool deleted);
  void DeliverLoop();

  const std::string node_name_;
  apiclient::Store store_;
  apiclient::Reflector reflector_;
  PodSnapshotSink sink_;
  std::function<void(const api::Pod&)> deletion_observer_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable changed_cv_;
  bool changed_ = false;
  std::map<std::string, api::Pod> pods_;  // by namespace/name
  std::map<std::string, MirrorPod> mirrors_;  // by namespace/name
  std::thread reflector_thread_;
  std::thread delivery_thread_;
};

// An API object as a kubelet pod: decoded leniently without validation (the API server validated it),
// defaulted, and annotated kubernetes.io/config.source=api.
Result<api::Pod> DecodeApiPod(const nlohmann::json& object);

}  // namespace kubenode::kubelet
