// Node selection as the scheduler's nodeaffinity plugin and corev1 helpers evaluate it for the kubelet's
// admission: spec.nodeSelector (every label equal) and spec.affinity.nodeAffinity.
// requiredDuringSchedulingIgnoredDuringExecution (any term; within a term every matchExpression and
// matchField). Preferred terms are the scheduler's business and ignored.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/pod.h"

namespace kubenode::kubelet::admission {

// `node_name` answers matchFields on metadata.name.
bool MatchesNodeSelectorAndAffinity(const api::Pod& pod, const std::string& node_name, const api::Labels& labels);

// One NodeSelectorTerm (JSON as in the pod) against the node: false for an empty term, as upstream.
bool MatchesNodeSelectorTerm(const nlohmann::json& term, const std::string& node_name, const api::Labels& labels);

}  // namespace kubenode::kubelet::admission
