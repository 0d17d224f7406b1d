#include "kubelet/node/mirror_pods.h"

#include <map>

#include "api/json.h"
#include "base/log.h"
#include "kubelet/config/static_pod.h"

namespace kubenode::kubelet {
namespace {

std::string Annotation(const api::Pod& pod, const char* key) {
  auto it = pod.metadata.annotations.find(key);
  return it == pod.metadata.annotations.end() ? "" : it->second;
}

}  // namespace

std::optional<MirrorPod> AsMirrorPod(const nlohmann::json& object) {
  if (!object.is_object() || !object.contains("metadata")) return std::nullopt;
  const nlohmann::json& meta = object["metadata"];
  if (!meta.contains("annotations") || !meta["annotations"].contains(kConfigMirrorAnnotation)) return std::nullopt;
  MirrorPod mirror;
  mirror.ns = meta.value("namespace", "default");
  mirror.name = meta.value("name", "");
  mirror.uid = meta.value("uid", "");
  mirror.mirror_hash = meta["annotations"].value(kConfigMirrorAnnotation, "");
  mirror.deleting = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  return mirror;
}

MirrorPodActions PlanMirrorPods(const std::vector<api::Pod>& static_pods, const std::vector<MirrorPod>& mirrors) {
  MirrorPodActions actions;
  std::map<std::string, const MirrorPod*> by_name;
  for (const MirrorPod& m : mirrors) by_name[m.ns + "/" + m.name] = &m;
  std::map<std::string, const api::Pod*> wanted;
  for (const api::Pod& pod : static_pods) {
    if (Annotation(pod, kConfigSourceAnnotation) != "file") continue;
    wanted[pod.metadata.ns + "/" + pod.metadata.name] = &pod;
  }
  for (const auto& [key, mirror] : by_name) {
    auto it = wanted.find(key);
    const bool outdated = it == wanted.end() || mirror->mirror_hash != Annotation(*it->second, kConfigHashAnnotation);
    // One being deleted (kubectl delete: graceful, deletionTimestamp set) is finished at once: a mirror has no
    // containers of its own to stop; it is then recreated while its static pod exists.
    if (outdated || mirror->deleting) actions.to_delete.push_back(*mirror);
  }
  for (const auto& [key, pod] : wanted) {
    auto it = by_name.find(key);
    // A mirror being deleted, or an outdated one, is replaced once it is gone (the next plan).
    if (it == by_name.end()) actions.to_create.push_back(pod);
  }
  return actions;
}

nlohmann::json MirrorPodObject(const api::Pod& static_pod, const std::string& node_name, const std::string& node_uid) {
  nlohmann::json object = api::ToJson(static_pod);
  nlohmann::json& meta = object["metadata"];
  meta.erase("uid");
  meta.erase("creationTimestamp");
  meta.erase("resourceVersion");
  meta["annotations"][kConfigMirrorAnnotation] = Annotation(static_pod, kConfigHashAnnotation);
  if (!node_uid.empty()) {
    meta["ownerReferences"] = nlohmann::json::array(
        {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name}, {"uid", node_uid}, {"controller", true}}});
  }
  object["spec"]["nodeName"] = node_name;
  object.erase("status");
  return object;
}

Status ApplyMirrorPodActions(apiclient::ApiClient& client, const MirrorPodActions& actions, const std::string& node_name,
                             const std::string& node_uid) {
  auto log = Logger("kubelet");
  Status first;
  auto note = [&](Status s) {
    if (!s.ok()) {
      log->warn("mirror pods: {}", s.message());
      if (first.ok()) first = s;
    }
  };
  for (const MirrorPod& m : actions.to_delete) {
    nlohmann::json options = {{"gracePeriodSeconds", 0}, {"preconditions", {{"uid", m.uid}}}};
    auto deleted = client.Call("DELETE", "/api/v1/namespaces/" + m.ns + "/pods/" + m.name, &options);
    if (!deleted.ok()) {
      note(deleted.status());
    } else if (!deleted->ok() && deleted->code != 404 && deleted->code != 409) {
      note(Status::Error(apiclient::DescribeFailure("DELETE", "/api/v1/namespaces/" + m.ns + "/pods/" + m.name, *deleted)));
    } else {
      log->info("deleted mirror pod {}/{} ({})", m.ns, m.name,
                m.deleting ? "deleted through the API: it will be recreated" : "its static pod changed or is gone");
    }
  }
  for (const api::Pod* pod : actions.to_create) {
    const std::string path = "/api/v1/namespaces/" + pod->metadata.ns + "/pods";
    const nlohmann::json object = MirrorPodObject(*pod, node_name, node_uid);
    auto created = client.Call("POST", path, &object);
    if (!created.ok()) {
      note(created.status());
    } else if (!created->ok() && created->code != 409) {
      note(Status::Error(apiclient::DescribeFailure("POST", path, *created)));
    } else if (created->ok()) {
      log->info("created mirror pod {}/{}", pod->metadata.ns, pod->metadata.name);
    }
  }
  return first;
}

}  // namespace kubenode::kubelet
