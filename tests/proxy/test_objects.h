// Small builders for the Services, pods and slices the proxy input tests use.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/endpoint_slice.h"
#include "api/pod.h"
#include "api/pod_status.h"
#include "api/service.h"

namespace kubenode::proxy::testing {

inline api::ServicePort Port(std::string name, int32_t port, api::IntOrString target = {},
                             api::Protocol protocol = api::Protocol::kTCP, int32_t node_port = 0) {
  api::ServicePort p;
  p.name = std::move(name);
  p.port = port;
  p.protocol = protocol;
  p.target_port = target.IsZero() ? api::IntOrString::Int(port) : target;
  p.node_port = node_port;
  return p;
}

inline api::Service MakeService(std::string name, std::vector<api::ServicePort> ports, api::Labels selector = {},
                                api::ServiceType type = api::ServiceType::kClusterIP, std::string cluster_ip = "") {
  api::Service s;
  s.metadata.name = std::move(name);
  s.spec.type = type;
  s.spec.cluster_ip = std::move(cluster_ip);
  s.spec.selector = std::move(selector);
  s.spec.ports = std::move(ports);
  return s;
}

// The reference Service of the task, as decoded (clusterIP not yet allocated, targetPort defaulted).
inline api::Service HelloService() {
  return MakeService("hello-service", {Port("", 80, {}, api::Protocol::kTCP, 30001)}, {{"app", "nginx"}},
                     api::ServiceType::kNodePort);
}

struct PodAndStatus {
  api::Pod pod;
  api::PodStatus status;
};

inline PodAndStatus MakePod(std::string name, api::Labels labels, std::string ip, bool ready = true,
                            api::PodPhase phase = api::PodPhase::kRunning,
                            std::vector<api::ContainerPort> container_ports = {}) {
  PodAndStatus p;
  p.pod.metadata.name = std::move(name);
  p.pod.metadata.labels = std::move(labels);
  p.pod.spec.node_name = "node-1";
  api::Container c;
  c.name = "main";
  c.image = "nginx";
  c.ports = std::move(container_ports);
  p.pod.spec.containers.push_back(std::move(c));
  p.status.phase = phase;
  p.status.pod_ip = ip;
  if (!ip.empty()) p.status.pod_ips = {ip};
  api::PodCondition condition;
  condition.type = "Ready";
  condition.status = ready;
  p.status.conditions.push_back(condition);
  return p;
}

inline api::ContainerPort ContainerPort(std::string name, int32_t port, api::Protocol protocol = api::Protocol::kTCP) {
  api::ContainerPort p;
  p.name = std::move(name);
  p.container_port = port;
  p.protocol = protocol;
  return p;
}

}  // namespace kubenode::proxy::testing
