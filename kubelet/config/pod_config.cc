#include "kubelet/config/pod_config.h"

#include "kubelet/config/static_pod.h"

namespace kubenode::kubelet {
namespace {

// Equal as upstream's checkAndUpdatePod: spec (typed and as written: a toleration or a volume's items count
// too), labels, annotations (ignoring config.seen); not resourceVersion or status, which API pods change often.
bool SameSource(const api::Pod& a, const api::Pod& b) {
  static const nlohmann::json kNone;
  const nlohmann::json& sa = a.source.contains("spec") ? a.source["spec"] : kNone;
  const nlohmann::json& sb = b.source.contains("spec") ? b.source["spec"] : kNone;
  return sa == sb;
}

bool SamePod(const api::Pod& a, const api::Pod& b) {
  auto strip = [](api::Labels l) {
    l.erase(kConfigSeenAnnotation);
    return l;
  };
  return a.spec == b.spec && SameSource(a, b) && a.metadata.labels == b.metadata.labels &&
         strip(a.metadata.annotations) == strip(b.metadata.annotations) && a.metadata.name == b.metadata.name &&
         a.metadata.ns == b.metadata.ns;
}

}  // namespace

void PodConfig::SetPods(const std::string& source, std::vector<api::Pod> pods) {
  PodUpdate adds{PodOperation::kAdd, {}, source}, updates{PodOperation::kUpdate, {}, source},
      removes{PodOperation::kRemove, {}, source};
  {
    std::lock_guard lock(mu_);
    auto& old = by_source_[source];
    std::map<std::string, api::Pod> next;
    for (auto& pod : pods) {
      pod.metadata.annotations[kConfigSourceAnnotation] = pod.metadata.annotations.count(kConfigSourceAnnotation)
                                                              ? pod.metadata.annotations[kConfigSourceAnnotation]
                                                              : source;
      const auto uid = pod.metadata.uid;
      auto it = old.find(uid);
      if (it == old.end()) {
        pod.metadata.annotations[kConfigSeenAnnotation] = FormatSeen(clock_.WallNow());
        adds.pods.push_back(pod);
      } else {
        pod.metadata.annotations[kConfigSeenAnnotation] = it->second.metadata.annotations[kConfigSeenAnnotation];
        if (!SamePod(it->second, pod)) updates.pods.push_back(pod);
      }
      next[uid] = std::move(pod);
    }
    for (const auto& [uid, pod] : old) {
      if (!next.contains(uid)) removes.pods.push_back(pod);
    }
    old = std::move(next);
  }
  for (const auto* u : {&removes, &adds, &updates}) {
    if (!u->pods.empty() && listener_) listener_(*u);
  }
}

bool PodConfig::SeenAllSources(const std::set<std::string>& sources) const {
  std::lock_guard lock(mu_);
  for (const auto& s : sources) {
    if (!by_source_.contains(s)) return false;
  }
  return true;
}

std::vector<api::Pod> PodConfig::Pods() const {
  std::lock_guard lock(mu_);
  std::vector<api::Pod> out;
  for (const auto& [source, pods] : by_source_) {
    for (const auto& [uid, pod] : pods) out.push_back(pod);
  }
  return out;
}

}  // namespace kubenode::kubelet
