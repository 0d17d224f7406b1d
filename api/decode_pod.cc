// Pod manifests to api::Pod (core/v1 field names).
#include "api/decode.h"
#include "api/node_reader.h"

namespace kubenode::api {
namespace {

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
               {"nodeName", [&](auto& v, auto& p) { r.String(v, p, spec.node_name); }},
           });
}

}  // namespace

Decoded<Pod> DecodePod(const YAML::Node& root, const DecodeOptions& options) {
  return DecodeObjectWithSpec<Pod>(root, options, DecodePodSpec);
}

}  // namespace kubenode::api
