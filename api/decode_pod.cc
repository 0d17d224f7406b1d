// Pod manifests to api::Pod: the schema (api/schema.h) checks every field and keeps the object as JSON;
// the typed decoder below reads the fields the node acts on.
#include <set>

#include "api/decode.h"
#include "api/node_reader.h"
#include "api/schema.h"

namespace kubenode::api {
namespace {

void DecodeResourceList(NodeReader& r, const YAML::Node& node, const std::string& path, ResourceList& out) {
  if (!node.IsMap()) return;  // the schema reported it
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || Classify(entry.second) == ScalarKind::kNull) continue;
    const std::string& name = entry.first.Scalar();
    Quantity q;
    if (r.Quantity(entry.second, path + "[" + name + "]", q)) out[name] = q;
  }
}

void DecodeResources(NodeReader& r, const YAML::Node& node, const std::string& path, ResourceRequirements& res) {
  r.Object(node, path,
           {
               {"limits", [&](auto& v, auto& p) { DecodeResourceList(r, v, p, res.limits); }},
               {"requests", [&](auto& v, auto& p) { DecodeResourceList(r, v, p, res.requests); }},
           });
}

void DecodeSeccomp(NodeReader& r, const YAML::Node& node, const std::string& path, SeccompProfile& profile) {
  r.Object(node, path,
           {
               {"type", [&](auto& v, auto& p) { r.String(v, p, profile.type); }},
               {"localhostProfile", [&](auto& v, auto& p) { r.String(v, p, profile.localhost_profile); }},
           });
}

void DecodeSELinux(NodeReader& r, const YAML::Node& node, const std::string& path, SELinuxOptions& options) {
  r.Object(node, path,
           {
               {"user", [&](auto& v, auto& p) { r.String(v, p, options.user); }},
               {"role", [&](auto& v, auto& p) { r.String(v, p, options.role); }},
               {"type", [&](auto& v, auto& p) { r.String(v, p, options.type); }},
               {"level", [&](auto& v, auto& p) { r.String(v, p, options.level); }},
           });
}

void DecodeSecurityContext(NodeReader& r, const YAML::Node& node, const std::string& path, SecurityContext& sc) {
  r.Object(
      node, path,
      {
          {"capabilities",
           [&](auto& v, auto& p) {
             Capabilities& caps = sc.capabilities.emplace();
             r.Object(v, p,
                      {
                          {"add", [&](auto& v2, auto& p2) { r.StringList(v2, p2, caps.add); }},
                          {"drop", [&](auto& v2, auto& p2) { r.StringList(v2, p2, caps.drop); }},
                      });
           }},
          {"privileged", [&](auto& v, auto& p) { r.Optional(v, p, sc.privileged, &NodeReader::Bool); }},
          {"seLinuxOptions", [&](auto& v, auto& p) { DecodeSELinux(r, v, p, sc.se_linux_options.emplace()); }},
          {"runAsUser", [&](auto& v, auto& p) { r.Optional(v, p, sc.run_as_user, &NodeReader::Int64); }},
          {"runAsGroup", [&](auto& v, auto& p) { r.Optional(v, p, sc.run_as_group, &NodeReader::Int64); }},
          {"runAsNonRoot", [&](auto& v, auto& p) { r.Optional(v, p, sc.run_as_non_root, &NodeReader::Bool); }},
          {"readOnlyRootFilesystem",
           [&](auto& v, auto& p) { r.Optional(v, p, sc.read_only_root_filesystem, &NodeReader::Bool); }},
          {"allowPrivilegeEscalation",
           [&](auto& v, auto& p) { r.Optional(v, p, sc.allow_privilege_escalation, &NodeReader::Bool); }},
          {"procMount", [&](auto& v, auto& p) { r.String(v, p, sc.proc_mount); }},
          {"seccompProfile", [&](auto& v, auto& p) { DecodeSeccomp(r, v, p, sc.seccomp_profile.emplace()); }},
      });
}

void DecodePodSecurityContext(NodeReader& r, const YAML::Node& node, const std::string& path, PodSecurityContext& sc) {
  r.Object(node, path,
           {
               {"seLinuxOptions", [&](auto& v, auto& p) { DecodeSELinux(r, v, p, sc.se_linux_options.emplace()); }},
               {"runAsUser", [&](auto& v, auto& p) { r.Optional(v, p, sc.run_as_user, &NodeReader::Int64); }},
               {"runAsGroup", [&](auto& v, auto& p) { r.Optional(v, p, sc.run_as_group, &NodeReader::Int64); }},
               {"runAsNonRoot", [&](auto& v, auto& p) { r.Optional(v, p, sc.run_as_non_root, &NodeReader::Bool); }},
               {"supplementalGroups",
                [&](auto& v, auto& p) {
                  r.List(v, p, sc.supplemental_groups,
                         [&](auto& item, auto& item_path, int64_t& gid) { r.Int64(item, item_path, gid); });
                }},
               {"fsGroup", [&](auto& v, auto& p) { r.Optional(v, p, sc.fs_group, &NodeReader::Int64); }},
               {"sysctls",
                [&](auto& v, auto& p) {
                  r.List(v, p, sc.sysctls, [&](auto& item, auto& item_path, Sysctl& sysctl) {
                    r.Object(item, item_path,
                             {
                                 {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, sysctl.name); }},
                                 {"value", [&](auto& v2, auto& p2) { r.String(v2, p2, sysctl.value); }},
                             });
                  });
                }},
               {"fsGroupChangePolicy", [&](auto& v, auto& p) { r.String(v, p, sc.fs_group_change_policy); }},
               {"seccompProfile", [&](auto& v, auto& p) { DecodeSeccomp(r, v, p, sc.seccomp_profile.emplace()); }},
           });
}

void DecodeDNSConfig(NodeReader& r, const YAML::Node& node, const std::string& path, PodDNSConfig& dns) {
  r.Object(node, path,
           {
               {"nameservers", [&](auto& v, auto& p) { r.StringList(v, p, dns.nameservers); }},
               {"searches", [&](auto& v, auto& p) { r.StringList(v, p, dns.searches); }},
               {"options",
                [&](auto& v, auto& p) {
                  r.List(v, p, dns.options, [&](auto& item, auto& item_path, PodDNSConfigOption& option) {
                    r.Object(item, item_path,
                             {
                                 {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, option.name); }},
                                 {"value",
                                  [&](auto& v2, auto& p2) {
                                    std::string value;
                                    if (r.String(v2, p2, value)) option.value = value;
                                  }},
                             });
                  });
                }},
           });
}

void DecodeHTTPGet(NodeReader& r, const YAML::Node& node, const std::string& path, HTTPGetAction& get) {
  r.Object(node, path,
           {
               {"path", [&](auto& v, auto& p) { r.String(v, p, get.path); }},
               {"port", [&](auto& v, auto& p) { r.IntOrString(v, p, get.port); }},
               {"host", [&](auto& v, auto& p) { r.String(v, p, get.host); }},
               {"scheme", [&](auto& v, auto& p) { r.String(v, p, get.scheme); }},
               {"httpHeaders",
                [&](auto& v, auto& p) {
                  r.List(v, p, get.http_headers, [&](auto& item, auto& item_path, HTTPHeader& header) {
                    r.Object(item, item_path,
                             {
                                 {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, header.name); }},
                                 {"value", [&](auto& v2, auto& p2) { r.String(v2, p2, header.value); }},
                             });
                  });
                }},
           });
}

void DecodeTCPSocket(NodeReader& r, const YAML::Node& node, const std::string& path, TCPSocketAction& tcp) {
  r.Object(node, path,
           {
               {"port", [&](auto& v, auto& p) { r.IntOrString(v, p, tcp.port); }},
               {"host", [&](auto& v, auto& p) { r.String(v, p, tcp.host); }},
           });
}

void DecodeExec(NodeReader& r, const YAML::Node& node, const std::string& path, ExecAction& exec) {
  r.Object(node, path, {{"command", [&](auto& v, auto& p) { r.StringList(v, p, exec.command); }}});
}


void DecodeLifecycleHandler(NodeReader& r, const YAML::Node& node, const std::string& path, Handler& h) {
  r.Object(node, path,
           {
               {"exec", [&](auto& v, auto& p) { DecodeExec(r, v, p, h.exec.emplace()); }},
               {"httpGet", [&](auto& v, auto& p) { DecodeHTTPGet(r, v, p, h.http_get.emplace()); }},
               {"tcpSocket", [&](auto& v, auto& p) { DecodeTCPSocket(r, v, p, h.tcp_socket.emplace()); }},
           });
}

void DecodeProbe(NodeReader& r, const YAML::Node& node, const std::string& path, Probe& probe) {
  Handler& h = probe.handler;
  r.Object(node, path,
           {
               {"exec", [&](auto& v, auto& p) { DecodeExec(r, v, p, h.exec.emplace()); }},
               {"httpGet", [&](auto& v, auto& p) { DecodeHTTPGet(r, v, p, h.http_get.emplace()); }},
               {"tcpSocket", [&](auto& v, auto& p) { DecodeTCPSocket(r, v, p, h.tcp_socket.emplace()); }},
               {"initialDelaySeconds", [&](auto& v, auto& p) { r.Int32(v, p, probe.initial_delay_seconds); }},
               {"timeoutSeconds", [&](auto& v, auto& p) { r.Int32(v, p, probe.timeout_seconds); }},
               {"periodSeconds", [&](auto& v, auto& p) { r.Int32(v, p, probe.period_seconds); }},
               {"successThreshold", [&](auto& v, auto& p) { r.Int32(v, p, probe.success_threshold); }},
               {"failureThreshold", [&](auto& v, auto& p) { r.Int32(v, p, probe.failure_threshold); }},
               {"terminationGracePeriodSeconds",
                [&](auto& v, auto& p) {
                  int64_t seconds = 0;
                  if (r.Int64(v, p, seconds)) probe.termination_grace_period_seconds = seconds;
                }},
           });
}

void DecodeContainer(NodeReader& r, const YAML::Node& node, const std::string& path, Container& c) {
  r.Object(
      node, path,
      {
          {"name", [&](auto& v, auto& p) { r.String(v, p, c.name); }},
          {"image", [&](auto& v, auto& p) { r.String(v, p, c.image); }},
          {"imagePullPolicy",
           [&](auto& v, auto& p) {
             r.Enum(v, p, c.image_pull_policy, {PullPolicy::kAlways, PullPolicy::kIfNotPresent, PullPolicy::kNever});
           }},
          {"command", [&](auto& v, auto& p) { r.StringList(v, p, c.command); }},
          {"args", [&](auto& v, auto& p) { r.StringList(v, p, c.args); }},
          {"workingDir", [&](auto& v, auto& p) { r.String(v, p, c.working_dir); }},
          {"env",
           [&](auto& v, auto& p) {
             r.List(v, p, c.env, [&](auto& item, auto& item_path, EnvVar& env) {
               r.Object(item, item_path,
                        {
                            {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, env.name); }},
                            {"value", [&](auto& v2, auto& p2) { r.String(v2, p2, env.value); }},
                        });
             });
           }},
          {"ports",
           [&](auto& v, auto& p) {
             r.List(v, p, c.ports, [&](auto& item, auto& item_path, ContainerPort& port) {
               r.Object(item, item_path,
                        {
                            {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, port.name); }},
                            {"containerPort", [&](auto& v2, auto& p2) { r.Int32(v2, p2, port.container_port); }},
                            {"hostPort", [&](auto& v2, auto& p2) { r.Int32(v2, p2, port.host_port); }},
                            {"protocol",
                             [&](auto& v2, auto& p2) {
                               r.Enum(v2, p2, port.protocol, {Protocol::kSCTP, Protocol::kTCP, Protocol::kUDP});
                             }},
                        });
             });
           }},
          {"livenessProbe", [&](auto& v, auto& p) { DecodeProbe(r, v, p, c.liveness_probe.emplace()); }},
          {"readinessProbe", [&](auto& v, auto& p) { DecodeProbe(r, v, p, c.readiness_probe.emplace()); }},
          {"startupProbe", [&](auto& v, auto& p) { DecodeProbe(r, v, p, c.startup_probe.emplace()); }},
          {"lifecycle",
           [&](auto& v, auto& p) {
             Lifecycle& lifecycle = c.lifecycle.emplace();
             r.Object(v, p,
                      {
                          {"postStart",
                           [&](auto& v2, auto& p2) { DecodeLifecycleHandler(r, v2, p2, lifecycle.post_start.emplace()); }},
                          {"preStop",
                           [&](auto& v2, auto& p2) { DecodeLifecycleHandler(r, v2, p2, lifecycle.pre_stop.emplace()); }},
                      });
           }},
          {"resources", [&](auto& v, auto& p) { DecodeResources(r, v, p, c.resources); }},
          {"securityContext",
           [&](auto& v, auto& p) { DecodeSecurityContext(r, v, p, c.security_context.emplace()); }},
          {"stdin", [&](auto& v, auto& p) { r.Bool(v, p, c.stdin); }},
          {"stdinOnce", [&](auto& v, auto& p) { r.Bool(v, p, c.stdin_once); }},
          {"tty", [&](auto& v, auto& p) { r.Bool(v, p, c.tty); }},
          {"terminationMessagePath", [&](auto& v, auto& p) { r.String(v, p, c.termination_message_path); }},
          {"terminationMessagePolicy",
           [&](auto& v, auto& p) {
             r.Enum(v, p, c.termination_message_policy,
                    {TerminationMessagePolicy::kFile, TerminationMessagePolicy::kFallbackToLogsOnError});
           }},
          {"volumeMounts",
           [&](auto& v, auto& p) {
             r.List(v, p, c.volume_mounts, [&](auto& item, auto& item_path, VolumeMount& mount) {
               r.Object(item, item_path,
                        {
                            {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, mount.name); }},
                            {"mountPath", [&](auto& v2, auto& p2) { r.String(v2, p2, mount.mount_path); }},
                            {"subPath", [&](auto& v2, auto& p2) { r.String(v2, p2, mount.sub_path); }},
                            {"readOnly", [&](auto& v2, auto& p2) { r.Bool(v2, p2, mount.read_only); }},
                        });
             });
           }},
      });
}

void DecodeVolume(NodeReader& r, const YAML::Node& node, const std::string& path, Volume& volume) {
  r.Object(node, path,
           {
               {"name", [&](auto& v, auto& p) { r.String(v, p, volume.name); }},
               {"emptyDir",
                [&](auto& v, auto& p) {
                  EmptyDirVolumeSource& source = volume.empty_dir.emplace();
                  r.Object(v, p, {{"medium", [&](auto& v2, auto& p2) { r.String(v2, p2, source.medium); }}});
                }},
               {"hostPath",
                [&](auto& v, auto& p) {
                  HostPathVolumeSource& source = volume.host_path.emplace();
                  r.Object(v, p,
                           {
                               {"path", [&](auto& v2, auto& p2) { r.String(v2, p2, source.path); }},
                               {"type", [&](auto& v2, auto& p2) { r.String(v2, p2, source.type); }},
                           });
                }},
           });
}

void DecodePodSpec(NodeReader& r, const YAML::Node& node, const std::string& path, PodSpec& spec) {
  r.Object(node, path,
           {
               {"containers",
                [&](auto& v, auto& p) {
                  r.List(v, p, spec.containers, [&](auto& item, auto& item_path, Container& c) {
                    DecodeContainer(r, item, item_path, c);
                  });
                }},
               {"initContainers",
                [&](auto& v, auto& p) {
                  r.List(v, p, spec.init_containers, [&](auto& item, auto& item_path, Container& c) {
                    DecodeContainer(r, item, item_path, c);
                  });
                }},
               {"volumes",
                [&](auto& v, auto& p) {
                  r.List(v, p, spec.volumes, [&](auto& item, auto& item_path, Volume& volume) {
                    DecodeVolume(r, item, item_path, volume);
                  });
                }},
               {"restartPolicy",
                [&](auto& v, auto& p) {
                  r.Enum(v, p, spec.restart_policy,
                         {RestartPolicy::kAlways, RestartPolicy::kOnFailure, RestartPolicy::kNever});
                }},
               {"terminationGracePeriodSeconds",
                [&](auto& v, auto& p) { r.Int64(v, p, spec.termination_grace_period_seconds); }},
               {"hostNetwork", [&](auto& v, auto& p) { r.Bool(v, p, spec.host_network); }},
               {"hostPID", [&](auto& v, auto& p) { r.Bool(v, p, spec.host_pid); }},
               {"hostIPC", [&](auto& v, auto& p) { r.Bool(v, p, spec.host_ipc); }},
               {"shareProcessNamespace", [&](auto& v, auto& p) { r.Bool(v, p, spec.share_process_namespace); }},
               {"nodeName", [&](auto& v, auto& p) { r.String(v, p, spec.node_name); }},
               {"nodeSelector", [&](auto& v, auto& p) { r.StringMap(v, p, spec.node_selector); }},
               {"activeDeadlineSeconds",
                [&](auto& v, auto& p) { r.Optional(v, p, spec.active_deadline_seconds, &NodeReader::Int64); }},
               {"dnsPolicy",
                [&](auto& v, auto& p) {
                  r.Enum(v, p, spec.dns_policy,
                         {DNSPolicy::kClusterFirst, DNSPolicy::kClusterFirstWithHostNet, DNSPolicy::kDefault,
                          DNSPolicy::kNone});
                }},
               {"dnsConfig", [&](auto& v, auto& p) { DecodeDNSConfig(r, v, p, spec.dns_config.emplace()); }},
               {"hostname", [&](auto& v, auto& p) { r.String(v, p, spec.hostname); }},
               {"subdomain", [&](auto& v, auto& p) { r.String(v, p, spec.subdomain); }},
               {"hostAliases",
                [&](auto& v, auto& p) {
                  r.List(v, p, spec.host_aliases, [&](auto& item, auto& item_path, HostAlias& alias) {
                    r.Object(item, item_path,
                             {
                                 {"ip", [&](auto& v2, auto& p2) { r.String(v2, p2, alias.ip); }},
                                 {"hostnames", [&](auto& v2, auto& p2) { r.StringList(v2, p2, alias.hostnames); }},
                             });
                  });
                }},
               {"securityContext",
                [&](auto& v, auto& p) { DecodePodSecurityContext(r, v, p, spec.security_context); }},
               {"priority", [&](auto& v, auto& p) { r.Optional(v, p, spec.priority, &NodeReader::Int32); }},
               {"priorityClassName", [&](auto& v, auto& p) { r.String(v, p, spec.priority_class_name); }},
               {"readinessGates",
                [&](auto& v, auto& p) {
                  r.List(v, p, spec.readiness_gates, [&](auto& item, auto& item_path, std::string& type) {
                    r.Object(item, item_path,
                             {{"conditionType", [&](auto& v2, auto& p2) { r.String(v2, p2, type); }}});
                  });
                }},
           });
}

// Volume sources the typed model does not hold are named from the schema-checked JSON.
void NameOtherVolumeSources(const nlohmann::json& source, PodSpec& spec) {
  const nlohmann::json* volumes = nullptr;
  if (source.contains("spec") && source["spec"].contains("volumes")) volumes = &source["spec"]["volumes"];
  if (volumes == nullptr || !volumes->is_array()) return;
  for (size_t i = 0; i < spec.volumes.size() && i < volumes->size(); ++i) {
    const nlohmann::json& v = (*volumes)[i];
    if (!v.is_object()) continue;
    for (const auto& [key, value] : v.items()) {
      if (key != "name" && key != "emptyDir" && key != "hostPath") {
        spec.volumes[i].other_source += (spec.volumes[i].other_source.empty() ? "" : ",") + key;
      }
    }
  }
}

}  // namespace

Decoded<Pod> DecodePod(const YAML::Node& root, const DecodeOptions& options) {
  FieldErrors schema_errors;
  FieldLines schema_lines;
  nlohmann::json source = schema::Check(root, schema::PodType(), "", options.strict, schema_errors, schema_lines);
  // The schema reported unknown fields; the typed decoder reads the known ones it models.
  DecodeOptions typed = options;
  typed.strict = false;
  Decoded<Pod> out = DecodeObjectWithSpec<Pod>(root, typed, DecodePodSpec);
  std::set<std::string> reported;
  for (const FieldError& e : schema_errors) reported.insert(e.path);
  for (FieldError& e : out.errors) {
    if (!reported.count(e.path)) schema_errors.push_back(std::move(e));
  }
  out.errors = std::move(schema_errors);
  out.lines = std::move(schema_lines);  // the schema saw every field, the typed decoder only its own
  if (source.is_object()) {
    source.erase("status");
    NameOtherVolumeSources(source, out.object.spec);
    out.object.source = std::move(source);
  }
  return out;
}

}  // namespace kubenode::api
