#include "proxy/endpoint_slice_builder.h"

#include <algorithm>
#include <map>

#include "api/ports.h"

namespace kubenode::proxy {

namespace {

// Upstream's generated names: at most 63 - 5 characters of prefix, then 5 from this alphabet (no vowels,
// so that no words appear; utilrand's alphanums).
constexpr size_t kMaxPrefixLength = 58;
constexpr char kSuffixAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";

uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string Suffix(uint64_t hash) {
  constexpr uint64_t kBase = sizeof(kSuffixAlphabet) - 1;
  std::string suffix;
  for (int i = 0; i < 5; ++i) {
    suffix += kSuffixAlphabet[hash % kBase];
    hash /= kBase;
  }
  return suffix;
}

bool IsPodReady(const api::PodStatus& status) {
  for (const api::PodCondition& condition : status.conditions) {
    if (condition.type == "Ready") return condition.status;
  }
  return false;
}

std::string PodIP(const api::PodStatus& status) {
  if (!status.pod_ip.empty()) return status.pod_ip;
  return status.pod_ips.empty() ? "" : status.pod_ips.front();
}

// Identifies a set of resolved ports, like upstream's endpointutil.NewPortMapKey.
std::string PortKey(const std::vector<api::EndpointPort>& ports) {
  std::vector<std::string> parts;
  for (const api::EndpointPort& port : ports) {
    parts.push_back(port.name + "/" + api::ToString(port.protocol) + "/" + std::to_string(port.port));
  }
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const std::string& part : parts) key += part + ",";
  return key;
}

}  // namespace

bool SelectorMatches(const api::Labels& selector, const api::Labels& labels) {
  if (selector.empty()) return false;
  for (const auto& [key, value] : selector) {
    auto found = labels.find(key);
    if (found == labels.end() || found->second != value) return false;
  }
  return true;
}

int32_t ResolveTargetPort(const api::Pod& pod, const api::IntOrString& target, api::Protocol protocol) {
  if (!target.is_string) return target.int_value;
  return api::FindPodPort(pod, target.string_value, protocol).value_or(0);
}

std::vector<api::EndpointSlice> BuildEndpointSlices(const api::Service& service, const std::vector<PodWithStatus>& pods,
                                                    const EndpointSliceBuilderOptions& options) {
  std::vector<const PodWithStatus*> candidates;
  candidates.reserve(pods.size());
  for (const PodWithStatus& pod : pods) candidates.push_back(&pod);
  return BuildEndpointSlicesFrom(service, candidates, options);
}

std::vector<api::EndpointSlice> BuildEndpointSlicesFrom(const api::Service& service,
                                                        const std::vector<const PodWithStatus*>& pods,
                                                        const EndpointSliceBuilderOptions& options) {
  std::vector<api::EndpointSlice> slices;
  if (service.spec.selector.empty()) return slices;

  struct Group {
    std::vector<api::EndpointPort> ports;
    std::vector<api::Endpoint> endpoints;
  };
  std::map<std::string, Group> groups;  // by port key, for a stable order
  for (const PodWithStatus* candidate : pods) {
    const PodWithStatus& p = *candidate;
    if (p.pod.metadata.ns != service.metadata.ns) continue;
    if (!SelectorMatches(service.spec.selector, p.pod.metadata.labels)) continue;
    if (p.status.phase == api::PodPhase::kSucceeded || p.status.phase == api::PodPhase::kFailed) continue;
    std::string ip = PodIP(p.status);
    if (ip.empty()) continue;

    std::vector<api::EndpointPort> ports;
    for (const api::ServicePort& service_port : service.spec.ports) {
      api::IntOrString target = service_port.target_port;
      if (target.IsZero()) target = api::IntOrString::Int(service_port.port);
      int32_t resolved = ResolveTargetPort(p.pod, target, service_port.protocol);
      if (resolved == 0) continue;  // upstream logs and leaves the pod out of this port
      ports.push_back({service_port.name, service_port.protocol, resolved});
    }

    api::Endpoint endpoint;
    endpoint.addresses = {ip};
    endpoint.conditions.ready = IsPodReady(p.status);
    endpoint.conditions.serving = endpoint.conditions.ready;
    endpoint.conditions.terminating = false;  // kubenode deletes pods without a deletionTimestamp phase
    endpoint.node_name = p.pod.spec.node_name.empty() ? options.node_name : p.pod.spec.node_name;
    endpoint.target_pod = p.pod.metadata.name;

    Group& group = groups[PortKey(ports)];
    group.ports = std::move(ports);
    group.endpoints.push_back(std::move(endpoint));
  }

  api::Labels labels;
  for (const auto& [key, value] : service.metadata.labels) {
    if (key != api::kServiceNameLabel && key != kManagedByLabel) labels[key] = value;
  }
  if (service.spec.cluster_ip.empty() || service.spec.cluster_ip == "None") labels[kHeadlessLabel] = "";
  labels[api::kServiceNameLabel] = service.metadata.name;
  labels[kManagedByLabel] = kManagedByController;

  std::string prefix = service.metadata.name + "-";
  if (prefix.size() > kMaxPrefixLength) prefix.resize(kMaxPrefixLength);
  auto new_slice = [&](const std::string& identity) {
    api::EndpointSlice slice;
    slice.metadata.ns = service.metadata.ns;
    slice.metadata.labels = labels;
    std::string name = prefix + Suffix(Fnv1a(service.metadata.name + "|" + identity));
    // Two identities hashing to one suffix would make two slices one; rehash until unique.
    for (int attempt = 1; std::any_of(slices.begin(), slices.end(),
                                      [&](const api::EndpointSlice& s) { return s.metadata.name == name; });
         ++attempt) {
      name = prefix + Suffix(Fnv1a(service.metadata.name + "|" + identity + "|" + std::to_string(attempt)));
    }
    slice.metadata.name = name;
    return slice;
  };

  const size_t per_slice = std::max<size_t>(options.max_endpoints_per_slice, 1);
  for (auto& [key, group] : groups) {
    std::sort(group.endpoints.begin(), group.endpoints.end(),
              [](const api::Endpoint& a, const api::Endpoint& b) { return a.target_pod < b.target_pod; });
    for (size_t start = 0, chunk = 0; start < group.endpoints.size(); start += per_slice, ++chunk) {
      api::EndpointSlice slice = new_slice(key + "#" + std::to_string(chunk));
      slice.ports = group.ports;
      size_t end = std::min(group.endpoints.size(), start + per_slice);
      slice.endpoints.assign(group.endpoints.begin() + static_cast<std::ptrdiff_t>(start),
                             group.endpoints.begin() + static_cast<std::ptrdiff_t>(end));
      slices.push_back(std::move(slice));
    }
  }
  if (slices.empty()) slices.push_back(new_slice("placeholder"));
  std::sort(slices.begin(), slices.end(),
            [](const api::EndpointSlice& a, const api::EndpointSlice& b) { return a.metadata.name < b.metadata.name; });
  return slices;
}

}  // namespace kubenode::proxy
