// Fields of the v1 Pod a user expects the node to act on and kubenode does not: the pod still runs, and
// ONE Warning event (reason FieldNotSupported) names every such field it uses and what happens instead.
// Fields that are the scheduler's or the control plane's (tolerations, topologySpreadConstraints,
// preemptionPolicy, ...) have no effect on a node anyway and are not listed. The table is in the .cc.
#pragma once

#include <string>
#include <vector>

#include "api/pod.h"

namespace kubenode::kubelet::admission {

inline constexpr char kFieldNotSupportedReason[] = "FieldNotSupported";

struct UnsupportedField {
  std::string path;     // "spec.volumes[1].configMap", "spec.containers[0].env[2].valueFrom"
  std::string instead;  // "mounted as an empty directory"
};

// Every unsupported field the pod sets (read from Pod::source), in table then document order.
std::vector<UnsupportedField> FindUnsupportedFields(const api::Pod& pod);

// The event message: "kubenode does not implement: <path> (<instead>), ...", or "" for none.
std::string UnsupportedFieldsMessage(const std::vector<UnsupportedField>& fields);

}  // namespace kubenode::kubelet::admission
