// Manifest mode's endpointslice controller: the EndpointSlices upstream's controller would publish for a
// Service, computed from the pods this node runs. A pure function, so that the manifest source can call it
// after every pod status change and feed the differences to an EndpointSliceHandler.
//
// Like upstream: only Services with a selector get slices; a pod is an endpoint if it is in the Service's
// namespace, matches the selector, has an IP and is not terminal (Succeeded/Failed); ready = its Ready
// condition. Ports are resolved per pod (a named targetPort through the pod's container ports with the same
// protocol; a pod lacking the name is left out of that port), and pods whose resolved ports differ go into
// different slices. A Service with no endpoints still gets one empty slice, as upstream's placeholder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/endpoint_slice.h"
#include "api/pod.h"
#include "api/pod_status.h"
#include "api/service.h"

namespace kubenode::proxy {

inline constexpr char kManagedByLabel[] = "endpointslice.kubernetes.io/managed-by";
inline constexpr char kManagedByController[] = "endpointslice-controller.k8s.io";
inline constexpr char kHeadlessLabel[] = "service.kubernetes.io/headless";

struct PodWithStatus {
  api::Pod pod;
  api::PodStatus status;
};

struct EndpointSliceBuilderOptions {
  std::string node_name;               // for pods whose spec.nodeName is not filled in
  size_t max_endpoints_per_slice = 100;  // upstream's --max-endpoints-per-slice default
};

// The slices of `service`, sorted by name. Names are `<service>-<5 characters>` like upstream's
// generateName, but the suffix is a hash of the slice's ports, so that the same inputs give the same names
// and an unchanged slice is not replaced by a new one.
std::vector<api::EndpointSlice> BuildEndpointSlices(const api::Service& service, const std::vector<PodWithStatus>& pods,
                                                    const EndpointSliceBuilderOptions& options = {});
// The same over candidate pods (those of other namespaces or not matching the selector are skipped), so that
// a caller with an index of pods by label need not copy them.
std::vector<api::EndpointSlice> BuildEndpointSlicesFrom(const api::Service& service,
                                                        const std::vector<const PodWithStatus*>& pods,
                                                        const EndpointSliceBuilderOptions& options = {});

// Whether `labels` match `selector` (every key present with the same value); an empty selector matches
// nothing, as a Service's selector does.
bool SelectorMatches(const api::Labels& selector, const api::Labels& labels);

// The port `target` names in `pod` for `protocol`: a number as is, a name through the containers' ports.
// 0 if the pod has no such named port.
int32_t ResolveTargetPort(const api::Pod& pod, const api::IntOrString& target, api::Protocol protocol);

}  // namespace kubenode::proxy
