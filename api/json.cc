// ToJson for the object kinds: upstream field names, omitempty where upstream has it.
#include "api/json.h"

#include "api/rfc3339.h"

namespace kubenode::api {
namespace {

using nlohmann::json;

// metav1.Time: the zero time marshals as null.
json TimeJson(Time time) {
  if (time.time_since_epoch().count() == 0) return nullptr;
  return FormatRFC3339(time);
}

void SetIf(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
void SetIf(json& j, const char* key, int64_t value) {
  if (value != 0) j[key] = value;
}
void SetIf(json& j, const char* key, const std::vector<std::string>& value) {
  if (!value.empty()) j[key] = value;
}
void SetIf(json& j, const char* key, const Labels& value) {
  if (!value.empty()) j[key] = value;
}

json PortJson(const IntOrString& port) {
  if (port.is_string) return port.string_value;
  return port.int_value;
}

json HandlerJson(const Handler& h) {
  json j = json::object();
  if (h.exec) {
    json exec = json::object();
    SetIf(exec, "command", h.exec->command);
    j["exec"] = exec;
  }
  if (h.http_get) {
    const HTTPGetAction& get = *h.http_get;
    json g = {{"port", PortJson(get.port)}};
    SetIf(g, "path", get.path);
    SetIf(g, "host", get.host);
    SetIf(g, "scheme", get.scheme);
    if (!get.http_headers.empty()) {
      json headers = json::array();
      for (const auto& header : get.http_headers) headers.push_back({{"name", header.name}, {"value", header.value}});
      g["httpHeaders"] = headers;
    }
    j["httpGet"] = g;
  }
  if (h.tcp_socket) {
    json t = {{"port", PortJson(h.tcp_socket->port)}};
    SetIf(t, "host", h.tcp_socket->host);
    j["tcpSocket"] = t;
  }
  return j;
}

json ProbeJson(const Probe& probe) {
  json j = HandlerJson(probe.handler);
  SetIf(j, "initialDelaySeconds", probe.initial_delay_seconds);
  SetIf(j, "timeoutSeconds", probe.timeout_seconds);
  SetIf(j, "periodSeconds", probe.period_seconds);
  SetIf(j, "successThreshold", probe.success_threshold);
  SetIf(j, "failureThreshold", probe.failure_threshold);
  if (probe.termination_grace_period_seconds) j["terminationGracePeriodSeconds"] = *probe.termination_grace_period_seconds;
  return j;
}

json QuantitiesJson(const ResourceList& list) {
  json j = json::object();
  for (const auto& [name, q] : list) j[name] = q.text;
  return j;
}

json SeccompJson(const SeccompProfile& profile) {
  json j = {{"type", profile.type}};
  SetIf(j, "localhostProfile", profile.localhost_profile);
  return j;
}

json SELinuxJson(const SELinuxOptions& o) {
  json j = json::object();
  SetIf(j, "user", o.user);
  SetIf(j, "role", o.role);
  SetIf(j, "type", o.type);
  SetIf(j, "level", o.level);
  return j;
}

template <typename T>
void SetOptional(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

json SecurityContextJson(const SecurityContext& sc) {
  json j = json::object();
  if (sc.capabilities) {
    json caps = json::object();
    SetIf(caps, "add", sc.capabilities->add);
    SetIf(caps, "drop", sc.capabilities->drop);
    j["capabilities"] = caps;
  }
  SetOptional(j, "privileged", sc.privileged);
  if (sc.se_linux_options) j["seLinuxOptions"] = SELinuxJson(*sc.se_linux_options);
  SetOptional(j, "runAsUser", sc.run_as_user);
  SetOptional(j, "runAsGroup", sc.run_as_group);
  SetOptional(j, "runAsNonRoot", sc.run_as_non_root);
  SetOptional(j, "readOnlyRootFilesystem", sc.read_only_root_filesystem);
  SetOptional(j, "allowPrivilegeEscalation", sc.allow_privilege_escalation);
  SetIf(j, "procMount", sc.proc_mount);
  if (sc.seccomp_profile) j["seccompProfile"] = SeccompJson(*sc.seccomp_profile);
  return j;
}

json PodSecurityContextJson(const PodSecurityContext& sc) {
  json j = json::object();
  if (sc.se_linux_options) j["seLinuxOptions"] = SELinuxJson(*sc.se_linux_options);
  SetOptional(j, "runAsUser", sc.run_as_user);
  SetOptional(j, "runAsGroup", sc.run_as_group);
  SetOptional(j, "runAsNonRoot", sc.run_as_non_root);
  if (!sc.supplemental_groups.empty()) j["supplementalGroups"] = sc.supplemental_groups;
  SetOptional(j, "fsGroup", sc.fs_group);
  if (!sc.sysctls.empty()) {
    json sysctls = json::array();
    for (const auto& s : sc.sysctls) sysctls.push_back({{"name", s.name}, {"value", s.value}});
    j["sysctls"] = sysctls;
  }
  SetIf(j, "fsGroupChangePolicy", sc.fs_group_change_policy);
  if (sc.seccomp_profile) j["seccompProfile"] = SeccompJson(*sc.seccomp_profile);
  return j;
}

json ContainerJson(const Container& c) {
  json j = {{"name", c.name}, {"imagePullPolicy", ToString(c.image_pull_policy)}};
  SetIf(j, "image", c.image);
  SetIf(j, "command", c.command);
  SetIf(j, "args", c.args);
  SetIf(j, "workingDir", c.working_dir);
  if (!c.env.empty()) {
    json env = json::array();
    for (const auto& e : c.env) {
      json var = {{"name", e.name}};
      SetIf(var, "value", e.value);
      env.push_back(var);
    }
    j["env"] = env;
  }
  if (!c.ports.empty()) {
    json ports = json::array();
    for (const auto& p : c.ports) {
      json port = {{"containerPort", p.container_port}, {"protocol", ToString(p.protocol)}};
      SetIf(port, "name", p.name);
      SetIf(port, "hostPort", p.host_port);
      ports.push_back(port);
    }
    j["ports"] = ports;
  }
  if (c.liveness_probe) j["livenessProbe"] = ProbeJson(*c.liveness_probe);
  if (c.readiness_probe) j["readinessProbe"] = ProbeJson(*c.readiness_probe);
  if (c.startup_probe) j["startupProbe"] = ProbeJson(*c.startup_probe);
  if (c.lifecycle) {
    json lifecycle = json::object();
    if (c.lifecycle->post_start) lifecycle["postStart"] = HandlerJson(*c.lifecycle->post_start);
    if (c.lifecycle->pre_stop) lifecycle["preStop"] = HandlerJson(*c.lifecycle->pre_stop);
    j["lifecycle"] = lifecycle;
  }
  if (!c.volume_mounts.empty()) {
    json mounts = json::array();
    for (const auto& m : c.volume_mounts) {
      json mount = {{"name", m.name}, {"mountPath", m.mount_path}};
      SetIf(mount, "subPath", m.sub_path);
      if (m.read_only) mount["readOnly"] = true;
      mounts.push_back(mount);
    }
    j["volumeMounts"] = mounts;
  }
  json resources = json::object();
  if (!c.resources.limits.empty()) resources["limits"] = QuantitiesJson(c.resources.limits);
  if (!c.resources.requests.empty()) resources["requests"] = QuantitiesJson(c.resources.requests);
  j["resources"] = resources;  // upstream prints "resources: {}" for a container without any
  if (c.security_context) j["securityContext"] = SecurityContextJson(*c.security_context);
  if (c.stdin) j["stdin"] = true;
  if (c.stdin_once) j["stdinOnce"] = true;
  if (c.tty) j["tty"] = true;
  j["terminationMessagePath"] = c.termination_message_path;
  j["terminationMessagePolicy"] = ToString(c.termination_message_policy);
  return j;
}

// `overlay` written over `base`: objects merge key by key and arrays of equal length item by item, so
// that the typed fields (defaulted, canonical) replace what was written and the rest is kept.
void Merge(json& base, const json& overlay) {
  if (base.is_object() && overlay.is_object()) {
    for (const auto& [key, value] : overlay.items()) Merge(base[key], value);
  } else if (base.is_array() && overlay.is_array() && base.size() == overlay.size()) {
    for (size_t i = 0; i < base.size(); ++i) Merge(base[i], overlay[i]);
  } else {
    base = overlay;
  }
}

json ContainersJson(const std::vector<Container>& containers) {
  json j = json::array();
  for (const auto& c : containers) j.push_back(ContainerJson(c));
  return j;
}

json VolumeJson(const Volume& v) {
  json j = {{"name", v.name}};
  if (v.empty_dir) {
    json dir = json::object();
    SetIf(dir, "medium", v.empty_dir->medium);
    j["emptyDir"] = dir;
  }
  if (v.host_path) {
    json host = {{"path", v.host_path->path}};
    SetIf(host, "type", v.host_path->type);
    j["hostPath"] = host;
  }
  return j;
}

json ContainerStateJson(const ContainerState& state) {
  json j = json::object();
  if (state.waiting) {
    json w = json::object();
    SetIf(w, "reason", state.waiting->reason);
    SetIf(w, "message", state.waiting->message);
    j["waiting"] = w;
  }
  if (state.running) j["running"] = {{"startedAt", TimeJson(state.running->started_at)}};
  if (state.terminated) {
    const ContainerStateTerminated& t = *state.terminated;
    json term = {{"exitCode", t.exit_code},
                 {"startedAt", TimeJson(t.started_at)},
                 {"finishedAt", TimeJson(t.finished_at)}};
    SetIf(term, "signal", t.signal);
    SetIf(term, "reason", t.reason);
    SetIf(term, "message", t.message);
    SetIf(term, "containerID", t.container_id);
    j["terminated"] = term;
  }
  return j;
}

json ContainerStatusesJson(const std::vector<ContainerStatus>& statuses) {
  json j = json::array();
  for (const auto& s : statuses) {
    json status = {{"name", s.name},
                   {"state", ContainerStateJson(s.state)},
                   {"lastState", ContainerStateJson(s.last_state)},
                   {"ready", s.ready},
                   {"started", s.started},
                   {"restartCount", s.restart_count},
                   {"image", s.image},
                   {"imageID", s.image_id}};
    SetIf(status, "containerID", s.container_id);
    j.push_back(status);
  }
  return j;
}

}  // namespace

json ToJson(const ObjectMeta& meta) {
  json j = {{"name", meta.name}};
  SetIf(j, "namespace", meta.ns);
  SetIf(j, "uid", meta.uid);
  SetIf(j, "labels", meta.labels);
  SetIf(j, "annotations", meta.annotations);
  j["creationTimestamp"] = meta.creation_timestamp ? TimeJson(*meta.creation_timestamp) : json(nullptr);
  return j;
}

json ToJson(const Pod& pod) {
  const PodSpec& spec = pod.spec;
  json s = {{"containers", ContainersJson(spec.containers)},
            {"restartPolicy", ToString(spec.restart_policy)},
            {"terminationGracePeriodSeconds", spec.termination_grace_period_seconds}};
  if (!spec.init_containers.empty()) s["initContainers"] = ContainersJson(spec.init_containers);
  if (!spec.volumes.empty()) {
    json volumes = json::array();
    for (const auto& v : spec.volumes) volumes.push_back(VolumeJson(v));
    s["volumes"] = volumes;
  }
  if (spec.host_network) s["hostNetwork"] = true;
  if (spec.host_pid) s["hostPID"] = true;
  if (spec.host_ipc) s["hostIPC"] = true;
  if (spec.share_process_namespace) s["shareProcessNamespace"] = true;
  SetIf(s, "nodeName", spec.node_name);
  SetIf(s, "nodeSelector", spec.node_selector);
  SetOptional(s, "activeDeadlineSeconds", spec.active_deadline_seconds);
  s["dnsPolicy"] = ToString(spec.dns_policy);
  if (spec.dns_config) {
    json dns = json::object();
    SetIf(dns, "nameservers", spec.dns_config->nameservers);
    SetIf(dns, "searches", spec.dns_config->searches);
    if (!spec.dns_config->options.empty()) {
      json options = json::array();
      for (const auto& o : spec.dns_config->options) {
        json option = {{"name", o.name}};
        SetOptional(option, "value", o.value);
        options.push_back(option);
      }
      dns["options"] = options;
    }
    s["dnsConfig"] = dns;
  }
  SetIf(s, "hostname", spec.hostname);
  SetIf(s, "subdomain", spec.subdomain);
  if (!spec.host_aliases.empty()) {
    json aliases = json::array();
    for (const auto& a : spec.host_aliases) {
      json alias = {{"ip", a.ip}};
      SetIf(alias, "hostnames", a.hostnames);
      aliases.push_back(alias);
    }
    s["hostAliases"] = aliases;
  }
  s["securityContext"] = PodSecurityContextJson(spec.security_context);
  SetOptional(s, "priority", spec.priority);
  SetIf(s, "priorityClassName", spec.priority_class_name);
  if (!spec.readiness_gates.empty()) {
    json gates = json::array();
    for (const auto& type : spec.readiness_gates) gates.push_back({{"conditionType", type}});
    s["readinessGates"] = gates;
  }
  json typed = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", ToJson(pod.metadata)}, {"spec", s}};
  json out = pod.source.is_object() ? pod.source : json::object();
  Merge(out, typed);
  return out;
}

json ToJson(const PodStatus& status) {
  json j = {{"phase", ToString(status.phase)}};
  if (!status.conditions.empty()) {
    json conditions = json::array();
    for (const auto& c : status.conditions) {
      json condition = {{"type", c.type},
                        {"status", c.status ? "True" : "False"},
                        {"lastProbeTime", nullptr},
                        {"lastTransitionTime", TimeJson(c.last_transition_time)}};
      SetIf(condition, "reason", c.reason);
      SetIf(condition, "message", c.message);
      conditions.push_back(condition);
    }
    j["conditions"] = conditions;
  }
  SetIf(j, "reason", status.reason);
  SetIf(j, "message", status.message);
  if (!status.host_ip.empty()) {
    j["hostIP"] = status.host_ip;
    j["hostIPs"] = json::array({{{"ip", status.host_ip}}});
  }
  SetIf(j, "podIP", status.pod_ip);
  if (!status.pod_ips.empty()) {
    json ips = json::array();
    for (const auto& ip : status.pod_ips) ips.push_back({{"ip", ip}});
    j["podIPs"] = ips;
  }
  if (status.start_time) j["startTime"] = TimeJson(*status.start_time);
  if (!status.init_container_statuses.empty()) {
    j["initContainerStatuses"] = ContainerStatusesJson(status.init_container_statuses);
  }
  if (!status.container_statuses.empty()) j["containerStatuses"] = ContainerStatusesJson(status.container_statuses);
  SetIf(j, "qosClass", status.qos_class);
  return j;
}

json ToJson(const Service& service) {
  const ServiceSpec& spec = service.spec;
  json s = {{"type", ToString(spec.type)}, {"sessionAffinity", ToString(spec.session_affinity)}};
  if (!spec.cluster_ip.empty()) {
    s["clusterIP"] = spec.cluster_ip;
    s["clusterIPs"] = json::array({spec.cluster_ip});
  }
  SetIf(s, "selector", spec.selector);
  if (!spec.ports.empty()) {
    json ports = json::array();
    for (const auto& p : spec.ports) {
      json port = {{"port", p.port}, {"protocol", ToString(p.protocol)}, {"targetPort", PortJson(p.target_port)}};
      SetIf(port, "name", p.name);
      SetIf(port, "nodePort", p.node_port);
      ports.push_back(port);
    }
    s["ports"] = ports;
  }
  if (spec.session_affinity == SessionAffinity::kClientIP) {
    s["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", spec.session_affinity_timeout_seconds}}}};
  }
  // Upstream defaults and keeps the policy only for externally reachable services.
  if (spec.type == ServiceType::kNodePort) s["externalTrafficPolicy"] = ToString(spec.external_traffic_policy);
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", ToJson(service.metadata)},
          {"spec", s},
          {"status", {{"loadBalancer", json::object()}}}};
}

json ToJson(const EndpointSlice& slice) {
  json endpoints = nullptr;  // []Endpoint without omitempty: nil marshals as null
  for (const auto& e : slice.endpoints) {
    json endpoint = {{"addresses", e.addresses},
                     {"conditions",
                      {{"ready", e.conditions.ready},
                       {"serving", e.conditions.serving},
                       {"terminating", e.conditions.terminating}}}};
    SetIf(endpoint, "nodeName", e.node_name);
    if (!e.target_pod.empty()) {
      endpoint["targetRef"] = {{"kind", "Pod"}, {"name", e.target_pod}, {"namespace", slice.metadata.ns}};
    }
    endpoints.push_back(endpoint);
  }
  json ports = nullptr;
  for (const auto& p : slice.ports) {
    ports.push_back({{"name", p.name}, {"port", p.port}, {"protocol", ToString(p.protocol)}});
  }
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata", ToJson(slice.metadata)},
          {"addressType", "IPv4"},
          {"endpoints", endpoints},
          {"ports", ports}};
}

}  // namespace kubenode::api
