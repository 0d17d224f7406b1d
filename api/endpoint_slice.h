// discovery/v1 EndpointSlice: what the proxy balances over. In manifest mode kubenode derives slices from
// pod status (as upstream's endpointslice controller does); in API-server mode they come from a watch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"

namespace kubenode::api {

inline constexpr char kServiceNameLabel[] = "kubernetes.io/service-name";

struct EndpointConditions {
  bool ready = false;
  bool serving = false;
  bool terminating = false;
  bool operator==(const EndpointConditions&) const = default;
};

struct Endpoint {
  std::vector<std::string> addresses;
  EndpointConditions conditions;
  std::string node_name;
  std::string target_pod;  // targetRef.name of the Pod
  bool operator==(const Endpoint&) const = default;
};

struct EndpointPort {
  std::string name;
  Protocol protocol = Protocol::kTCP;
  int32_t port = 0;
  bool operator==(const EndpointPort&) const = default;
};

struct EndpointSlice {
  ObjectMeta metadata;  // labels[kServiceNameLabel] names the Service
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
  bool operator==(const EndpointSlice&) const = default;
};

}  // namespace kubenode::api
