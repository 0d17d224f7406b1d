#include "kubelet/runtime/canonical_json.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

json ToJ(const api::IntOrString& v) { return v.is_string ? json(v.string_value) : json(v.int_value); }

json ToJ(const api::Handler& h) {
  json j = json::object();
  if (h.exec) j["exec"] = {{"command", h.exec->command}};
  if (h.http_get) {
    json headers = json::array();
    for (const auto& hd : h.http_get->http_headers) headers.push_back({{"name", hd.name}, {"value", hd.value}});
    j["httpGet"] = {{"path", h.http_get->path}, {"port", ToJ(h.http_get->port)}, {"host", h.http_get->host},
                    {"scheme", h.http_get->scheme}, {"httpHeaders", headers}};
  }
  if (h.tcp_socket) j["tcpSocket"] = {{"port", ToJ(h.tcp_socket->port)}, {"host", h.tcp_socket->host}};
  return j;
}

json ToJ(const std::optional<api::Probe>& p) {
  if (!p) return nullptr;
  json j = ToJ(p->handler);
  j["initialDelaySeconds"] = p->initial_delay_seconds;
  j["timeoutSeconds"] = p->timeout_seconds;
  j["periodSeconds"] = p->period_seconds;
  j["successThreshold"] = p->success_threshold;
  j["failureThreshold"] = p->failure_threshold;
  if (p->termination_grace_period_seconds) j["terminationGracePeriodSeconds"] = *p->termination_grace_period_seconds;
  return j;
}

int ProtocolNumber(api::Protocol p) { return static_cast<int>(p); }

}  // namespace

json CanonicalJson(const api::Container& c) {
  json j;
  j["name"] = c.name;
  j["image"] = c.image;
  j["imagePullPolicy"] = static_cast<int>(c.image_pull_policy);
  j["command"] = c.command;
  j["args"] = c.args;
  j["workingDir"] = c.working_dir;
  json env = json::array();
  for (const auto& e : c.env) env.push_back({{"name", e.name}, {"value", e.value}});
  j["env"] = env;
  json ports = json::array();
  for (const auto& p : c.ports) {
    ports.push_back({{"name", p.name}, {"containerPort", p.container_port}, {"hostPort", p.host_port},
                     {"protocol", ProtocolNumber(p.protocol)}});
  }
  j["ports"] = ports;
  j["livenessProbe"] = ToJ(c.liveness_probe);
  j["readinessProbe"] = ToJ(c.readiness_probe);
  j["startupProbe"] = ToJ(c.startup_probe);
  if (c.lifecycle) {
    j["lifecycle"] = {{"postStart", c.lifecycle->post_start ? ToJ(*c.lifecycle->post_start) : json(nullptr)},
                      {"preStop", c.lifecycle->pre_stop ? ToJ(*c.lifecycle->pre_stop) : json(nullptr)}};
  }
  json mounts = json::array();
  for (const auto& m : c.volume_mounts) {
    mounts.push_back({{"name", m.name}, {"mountPath", m.mount_path}, {"subPath", m.sub_path}, {"readOnly", m.read_only}});
  }
  j["volumeMounts"] = mounts;
  // Upstream's hash covers resources, so a changed limit restarts the container. Only when set, so the
  // hash of a container without resources stays what it was (no restart on upgrade); by value, so
  // "0.5" and "500m" are the same.
  if (!c.resources.limits.empty() || !c.resources.requests.empty()) {
    json resources = json::object();
    for (const auto& [key, list] : {std::pair{"limits", &c.resources.limits}, std::pair{"requests", &c.resources.requests}}) {
      json values = json::object();
      for (const auto& [name, q] : *list) values[name] = q.milli;
      resources[key] = values;
    }
    j["resources"] = resources;
  }
  return j;
}

json CanonicalJson(const api::Pod& pod) {
  json j;
  j["metadata"] = {{"name", pod.metadata.name},
                   {"namespace", pod.metadata.ns},
                   {"uid", pod.metadata.uid},
                   {"labels", pod.metadata.labels},
                   {"annotations", pod.metadata.annotations}};
  json spec;
  json init = json::array();
  for (const auto& c : pod.spec.init_containers) init.push_back(CanonicalJson(c));
  json containers = json::array();
  for (const auto& c : pod.spec.containers) containers.push_back(CanonicalJson(c));
  spec["initContainers"] = init;
  spec["containers"] = containers;
  json volumes = json::array();
  for (const auto& v : pod.spec.volumes) {
    json vj = {{"name", v.name}};
    if (v.empty_dir) vj["emptyDir"] = {{"medium", v.empty_dir->medium}};
    if (v.host_path) vj["hostPath"] = {{"path", v.host_path->path}, {"type", v.host_path->type}};
    volumes.push_back(vj);
  }
  spec["volumes"] = volumes;
  spec["restartPolicy"] = static_cast<int>(pod.spec.restart_policy);
  spec["terminationGracePeriodSeconds"] = pod.spec.termination_grace_period_seconds;
  spec["hostNetwork"] = pod.spec.host_network;
  spec["nodeName"] = pod.spec.node_name;
  j["spec"] = spec;
  return j;
}

}  // namespace kubenode::kubelet
