// Pods with resources for the kubelet/cm and container resource tests: quantities as the decoder
// leaves them (requests defaulted from limits).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/pod.h"

namespace kubenode::kubelet::testing {

using Resources = std::vector<std::pair<std::string, std::string>>;  // {"cpu", "200m"}, ...

inline api::ResourceList List(const Resources& items) {
  api::ResourceList out;
  for (const auto& [name, text] : items) out[name] = api::ParseQuantity(text).value();
  return out;
}

inline api::Container ContainerWith(const std::string& name, const Resources& requests, const Resources& limits) {
  api::Container c;
  c.name = name;
  c.image = "busybox";
  c.resources.limits = List(limits);
  c.resources.requests = List(requests);
  for (const auto& [k, v] : c.resources.limits) c.resources.requests.emplace(k, v);  // upstream defaulting
  return c;
}

inline api::Pod PodWith(std::vector<api::Container> containers, std::vector<api::Container> init = {}) {
  api::Pod pod;
  pod.metadata.name = "res";
  pod.metadata.ns = "default";
  pod.metadata.uid = "1234-abcd";
  pod.spec.containers = std::move(containers);
  pod.spec.init_containers = std::move(init);
  return pod;
}

}  // namespace kubenode::kubelet::testing
