// Mirror pods: the API server's view of this node's static pods (upstream pod/mirror_client.go and the
// kubelet's syncPod): each static pod has one mirror pod named like it, annotated
// kubernetes.io/config.mirror=<config.hash>, owned by the Node. A mirror whose hash is not its static pod's
// (the manifest changed), whose static pod is gone, or that is being deleted through the API is deleted at
// once (grace 0, UID precondition); a missing one is created — so a `kubectl delete` of a mirror pod is
// undone within a few seconds and the static pod keeps running.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/pod.h"
#include "apiclient/client.h"

namespace kubenode::kubelet {

struct MirrorPod {
  std::string ns, name, uid;
  std::string mirror_hash;  // its kubernetes.io/config.mirror annotation
  bool deleting = false;    // deletionTimestamp set
};

struct MirrorPodActions {
  std::vector<MirrorPod> to_delete;
  std::vector<const api::Pod*> to_create;  // static pods
};

// Pure: compares the static pods (config.source=file) with the mirror pods the API server has.
MirrorPodActions PlanMirrorPods(const std::vector<api::Pod>& static_pods, const std::vector<MirrorPod>& mirrors);

// The mirror pod a static pod is posted as.
nlohmann::json MirrorPodObject(const api::Pod& static_pod, const std::string& node_name, const std::string& node_uid);

// A mirror pod's identity from its API object; nullopt when the object is not a mirror pod.
std::optional<MirrorPod> AsMirrorPod(const nlohmann::json& object);

// Carries out PlanMirrorPods' actions; returns the first failure (the others are still tried).
Status ApplyMirrorPodActions(apiclient::ApiClient& client, const MirrorPodActions& actions, const std::string& node_name,
                             const std::string& node_uid);

}  // namespace kubenode::kubelet
