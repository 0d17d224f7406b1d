#include "api/defaults.h"

#include <string>

namespace kubenode::api {
namespace {

void DefaultHandler(Handler& handler) {
  if (handler.http_get && handler.http_get->scheme.empty()) handler.http_get->scheme = "HTTP";
}

// Zero means "unset" for these fields upstream, as they are pointers or omitempty integers there.
void DefaultProbe(std::optional<Probe>& probe) {
  if (!probe) return;
  if (probe->timeout_seconds == 0) probe->timeout_seconds = 1;
  if (probe->period_seconds == 0) probe->period_seconds = 10;
  if (probe->success_threshold == 0) probe->success_threshold = 1;
  if (probe->failure_threshold == 0) probe->failure_threshold = 3;
  DefaultHandler(probe->handler);
}

void DefaultContainers(std::vector<Container>& containers, const std::string& path, bool host_network,
                       const FieldLines& given) {
  for (size_t i = 0; i < containers.size(); ++i) {
    Container& c = containers[i];
    std::string container_path = path + "[" + std::to_string(i) + "]";
    if (!given.Has(container_path + ".imagePullPolicy")) c.image_pull_policy = DefaultPullPolicy(c.image);
    DefaultProbe(c.liveness_probe);
    DefaultProbe(c.readiness_probe);
    DefaultProbe(c.startup_probe);
    if (c.lifecycle) {
      if (c.lifecycle->post_start) DefaultHandler(*c.lifecycle->post_start);
      if (c.lifecycle->pre_stop) DefaultHandler(*c.lifecycle->pre_stop);
    }
    // A limit without a request is also the request (SetDefaults_Pod).
    for (const auto& [name, limit] : c.resources.limits) c.resources.requests.try_emplace(name, limit);
    // With the host's network the container port is the host port (SetDefaults_Pod).
    for (ContainerPort& port : c.ports) {
      if (host_network && port.host_port == 0) port.host_port = port.container_port;
    }
  }
}

}  // namespace

PullPolicy DefaultPullPolicy(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return PullPolicy::kIfNotPresent;
  // A ':' after the last '/' starts the tag; one before it belongs to a registry host:port.
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return PullPolicy::kAlways;
  }
  return image.substr(colon + 1) == "latest" ? PullPolicy::kAlways : PullPolicy::kIfNotPresent;
}

void ApplyDefaults(Pod& pod, const FieldLines& given) {
  if (pod.metadata.ns.empty()) pod.metadata.ns = "default";
  DefaultContainers(pod.spec.init_containers, "spec.initContainers", pod.spec.host_network, given);
  DefaultContainers(pod.spec.containers, "spec.containers", pod.spec.host_network, given);
}

void ApplyDefaults(Service& service, const FieldLines& given) {
  if (service.metadata.ns.empty()) service.metadata.ns = "default";
  for (ServicePort& port : service.spec.ports) {
    if (port.target_port.IsZero()) port.target_port = IntOrString::Int(port.port);
  }
}

}  // namespace kubenode::api
