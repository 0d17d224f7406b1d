// Merges the sources' snapshots into one set of pods and reports the differences, as upstream's
// config.PodConfig / podStorage in PodConfigNotificationIncremental mode: ADD for a new UID, UPDATE when
// the spec, labels or annotations of a known UID changed, REMOVE when a UID left its source.
// config.seen is stamped when a pod is first seen and kept across identical updates.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"

namespace kubenode::kubelet {

enum class PodOperation { kAdd, kUpdate, kRemove };

struct PodUpdate {
  PodOperation op;
  std::vector<api::Pod> pods;
  std::string source;
};

class PodConfig {
 public:
  using Listener = std::function<void(const PodUpdate&)>;
  PodConfig(const Clock& clock, Listener listener) : clock_(clock), listener_(std::move(listener)) {}

  // A source's complete snapshot. Calls the listener (without holding the lock) for each non-empty change.
  void SetPods(const std::string& source, std::vector<api::Pod> pods);
  // True once every named source delivered at least one snapshot (upstream SeenAllSources).
  bool SeenAllSources(const std::set<std::string>& sources) const;
  std::vector<api::Pod> Pods() const;

 private:
  const Clock& clock_;
  Listener listener_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, api::Pod>> by_source_;  // source -> uid -> pod
};

}  // namespace kubenode::kubelet
