// kind's v1alpha4 Cluster: decoding (pkg/apis/config/v1alpha4/types.go), defaults (default.go) and the checks
// of pkg/internal/apis/config/validate.go, plus the limits of a kubenode cluster.
#include "cluster/config.h"

#include <arpa/inet.h>

#include <yaml-cpp/yaml.h>

#include "agent/kubelet_config.h"
#include "api/names.h"
#include "api/validate.h"
#include "cluster/state.h"

namespace kubenode::cluster {
namespace {

using api::field::Invalid;
using api::field::NotSupported;
using api::field::Required;

constexpr char kNoKubeadm[] = "not supported: kubenode does not run kubeadm; it writes the control plane itself";
constexpr char kNoImage[] = "not supported: kubenode nodes are network namespaces running kubenode, not node images";

// A field kind has and kubenode refuses: decoding it is an error naming it.
api::NodeReader::Field Unsupported(api::NodeReader& r, const char* name, const char* why) {
  return {name, [&r, why](const YAML::Node&, const std::string& path) { r.Error(path, why); }};
}

bool ParseIPv4(const std::string& text, in_addr& out) { return inet_pton(AF_INET, text.c_str(), &out) == 1; }

bool IsIPv4CIDR(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  in_addr addr{};
  if (!ParseIPv4(text.substr(0, slash), addr)) return false;
  const std::string prefix = text.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 2 || prefix.find_first_not_of("0123456789") != std::string::npos) return false;
  return std::stoi(prefix) <= 32;
}

void DecodePortMapping(api::NodeReader& r, const YAML::Node& node, const std::string& path, PortMapping& out) {
  r.Object(node, path,
           {
               {"containerPort", [&](auto& v, auto& p) { r.Int32(v, p, out.container_port); }},
               {"hostPort", [&](auto& v, auto& p) { r.Int32(v, p, out.host_port); }},
               {"listenAddress",
                [&](auto& v, auto& p) {
                  std::string s;
                  if (r.String(v, p, s) && !s.empty()) out.listen_address = s;
                }},
               {"protocol",
                [&](auto& v, auto& p) {
                  std::string s;
                  if (!r.String(v, p, s) || s.empty()) return;
                  if (s != "TCP" && s != "UDP" && s != "SCTP") {
                    r.Error(p, NotSupported(p, s, {"TCP", "UDP", "SCTP"}).message);
                    return;
                  }
                  out.protocol = s;
                }},
           });
}

void DecodeMount(api::NodeReader& r, const YAML::Node& node, const std::string& path, Mount& out) {
  r.Object(node, path,
           {
               {"hostPath", [&](auto& v, auto& p) { r.String(v, p, out.host_path); }},
               {"containerPath", [&](auto& v, auto& p) { r.String(v, p, out.container_path); }},
               {"readOnly", [&](auto& v, auto& p) { r.Bool(v, p, out.read_only); }},
               {"selinuxRelabel",
                [&](auto& v, auto& p) {
                  bool relabel = false;
                  if (r.Bool(v, p, relabel) && relabel) r.Error(p, "not supported: kubenode does not relabel mounts");
                }},
               {"propagation",
                [&](auto& v, auto& p) {
                  std::string s;
                  if (r.String(v, p, s) && !s.empty() && s != "None") r.Error(p, NotSupported(p, s, {"None"}).message);
                }},
           });
  if (out.host_path.empty()) r.Error(path + ".hostPath", Required(path + ".hostPath").message);
  if (out.container_path.empty()) r.Error(path + ".containerPath", Required(path + ".containerPath").message);
}

void DecodeNode(api::NodeReader& r, const YAML::Node& node, const std::string& path, NodeConfig& out) {
  r.Object(node, path,
           {
               {"role",
                [&](auto& v, auto& p) {
                  std::string s;
                  if (!r.String(v, p, s) || s.empty()) return;  // "" defaults to control-plane, as kind
                  if (s == "control-plane") {
                    out.role = NodeRole::kControlPlane;
                  } else if (s == "worker") {
                    out.role = NodeRole::kWorker;
                  } else {
                    r.Error(p, NotSupported(p, s, {"control-plane", "worker"}).message);
                  }
                }},
               {"labels", [&](auto& v, auto& p) { r.StringMap(v, p, out.labels); }},
               {"extraPortMappings", [&](auto& v, auto& p) { r.List(v, p, out.extra_port_mappings, [&](auto& iv, auto& ip, auto& m) { DecodePortMapping(r, iv, ip, m); }); }},
               {"extraMounts", [&](auto& v, auto& p) { r.List(v, p, out.extra_mounts, [&](auto& iv, auto& ip, auto& m) { DecodeMount(r, iv, ip, m); }); }},
               Unsupported(r, "image", kNoImage),
               Unsupported(r, "kubeadmConfigPatches", kNoKubeadm),
               Unsupported(r, "kubeadmConfigPatchesJSON6902", kNoKubeadm),
           });
}

void DecodeNetworking(api::NodeReader& r, const YAML::Node& node, const std::string& path, Networking& out) {
  auto non_empty = [&](std::string& field) {
    return [&r, &field](const YAML::Node& v, const std::string& p) {
      std::string s;
      if (r.String(v, p, s) && !s.empty()) field = s;
    };
  };
  r.Object(node, path,
           {
               {"ipFamily",
                [&](auto& v, auto& p) {
                  std::string s;
                  if (!r.String(v, p, s) || s.empty() || s == "ipv4") return;
                  r.Error(p, NotSupported(p, s, {"ipv4"}).message);
                }},
               {"apiServerPort", [&](auto& v, auto& p) { r.Int32(v, p, out.api_server_port); }},
               {"apiServerAddress", non_empty(out.api_server_address)},
               {"podSubnet", non_empty(out.pod_subnet)},
               {"serviceSubnet", non_empty(out.service_subnet)},
               {"disableDefaultCNI", [&](auto& v, auto& p) { r.Bool(v, p, out.disable_default_cni); }},
               {"kubeProxyMode",
                [&](auto& v, auto& p) {
                  std::string s;
                  if (!r.String(v, p, s) || s.empty()) return;
                  if (s != "iptables" && s != "nftables" && s != "none") {
                    r.Error(p, NotSupported(p, s, {"iptables", "nftables", "none"}).message);
                    return;
                  }
                  out.kube_proxy_mode = s;
                }},
               Unsupported(r, "dnsSearch", "not supported: nodes use the host's resolv.conf"),
           });
}

std::string PortKey(const PortMapping& m) {
  return m.listen_address + ":" + std::to_string(m.host_port) + "/" + m.protocol;
}

// kind's checks, the host-port clash check across all nodes (they share the host's ports), and kubenode's
// limits.
void Validate(agent::ConfigDocument& doc, const ClusterConfig& c) {
  api::NodeReader& r = doc.reader();
  if (Status s = ValidateClusterName(c.name); !s.ok()) r.Error("name", s.message());
  const Networking& n = c.networking;
  in_addr addr{};
  if (!ParseIPv4(n.api_server_address, addr)) {
    doc.Add(Invalid("networking.apiServerAddress", n.api_server_address, "must be an IPv4 address"));
  }
  if (n.api_server_port < 0 || n.api_server_port > 65535) {
    doc.Add(Invalid("networking.apiServerPort", n.api_server_port, "invalid port number"));
  }
  if (!IsIPv4CIDR(n.pod_subnet)) {
    doc.Add(Invalid("networking.podSubnet", n.pod_subnet, "must be an IPv4 CIDR such as 10.244.0.0/16"));
  }
  if (!IsIPv4CIDR(n.service_subnet)) {
    doc.Add(Invalid("networking.serviceSubnet", n.service_subnet, "must be an IPv4 CIDR such as 10.96.0.0/16"));
  }

  int control_planes = 0;
  // Host port users so far, by "port/protocol": listen addresses and where they were written.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> bound;
  if (n.api_server_port > 0) {
    bound[std::to_string(n.api_server_port) + "/TCP"].push_back({n.api_server_address, "networking.apiServerPort"});
  }
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    const NodeConfig& node = c.nodes[i];
    const std::string path = "nodes[" + std::to_string(i) + "]";
    if (node.role == NodeRole::kControlPlane && ++control_planes == 2) {
      r.Error(path + ".role", "multiple control-plane nodes are not supported");
    }
    for (const api::FieldError& e : api::ValidateLabels(node.labels, path + ".labels")) doc.Add(e);
    for (size_t j = 0; j < node.extra_port_mappings.size(); ++j) {
      const PortMapping& m = node.extra_port_mappings[j];
      const std::string mp = path + ".extraPortMappings[" + std::to_string(j) + "]";
      if (m.container_port == 0) {
        doc.Add(Required(mp + ".containerPort"));
      } else if (m.container_port < 0 || m.container_port > 65535) {
        doc.Add(Invalid(mp + ".containerPort", m.container_port, "invalid port number"));
      }
      if (m.host_port < -1 || m.host_port > 65535) {
        doc.Add(Invalid(mp + ".hostPort", m.host_port, "invalid port number"));
        continue;
      }
      if (!ParseIPv4(m.listen_address, addr)) {
        doc.Add(Invalid(mp + ".listenAddress", m.listen_address, "must be an IPv4 address"));
        continue;
      }
      if (m.host_port <= 0) continue;  // random ports never clash
      auto& users = bound[std::to_string(m.host_port) + "/" + m.protocol];
      for (const auto& [address, where] : users) {
        if (address == m.listen_address || address == "0.0.0.0" || m.listen_address == "0.0.0.0") {
          r.Error(mp, "port mapping with same listen address, port and protocol already configured: " + PortKey(m) +
                          " (" + where + ")");
          break;
        }
      }
      users.push_back({m.listen_address, mp});
    }
  }
  if (control_planes == 0) r.Error("nodes", "must have at least one control-plane node");
}

}  // namespace

const char* ToString(NodeRole role) { return role == NodeRole::kControlPlane ? "control-plane" : "worker"; }

Result<ClusterConfig> ParseClusterConfig(std::string_view text, const std::string& file,
                                         const std::string& name_override) {
  if (!name_override.empty()) {
    if (Status s = ValidateClusterName(name_override); !s.ok()) return s;
  }
  agent::ConfigDocument doc(file);
  if (Status s = doc.Parse(text, kClusterAPIVersion, kClusterKind); !s.ok()) return s;
  api::NodeReader& r = doc.reader();
  ClusterConfig c;
  std::string name;
  r.Object(doc.root(), "",
           {
               {"apiVersion", [](auto&, auto&) {}},
               {"kind", [](auto&, auto&) {}},
               {"name", [&](auto& v, auto& p) { r.String(v, p, name); }},
               {"nodes", [&](auto& v, auto& p) { r.List(v, p, c.nodes, [&](auto& iv, auto& ip, auto& n) { DecodeNode(r, iv, ip, n); }); }},
               {"networking", [&](auto& v, auto& p) { DecodeNetworking(r, v, p, c.networking); }},
               {"featureGates",
                [&](auto& v, auto& p) {
                  if (!v.IsMap()) {
                    r.Error(p, "expected a mapping, got " + api::DescribeNode(v));
                    return;
                  }
                  for (const auto& entry : v) {
                    const std::string gate = entry.first.Scalar();
                    bool value = false;
                    if (r.Bool(entry.second, p + "." + gate, value)) c.feature_gates[gate] = value;
                  }
                }},
               {"runtimeConfig",
                [&](auto& v, auto& p) {
                  api::Labels values;
                  r.StringMap(v, p, values);
                  c.runtime_config.insert(values.begin(), values.end());
                }},
               {"containerdConfigPatches", [&](auto& v, auto& p) { r.StringList(v, p, c.containerd_config_patches); }},
               Unsupported(r, "kubeadmConfigPatches", kNoKubeadm),
               Unsupported(r, "kubeadmConfigPatchesJSON6902", kNoKubeadm),
               Unsupported(r, "containerdConfigPatchesJSON6902",
                           "not supported: kubenode merges containerdConfigPatches only"),
           });
  if (doc.has_errors()) return doc.status();
  // kind's precedence: the --name flag, then the file's name, then the default.
  c.name = !name_override.empty() ? name_override : !name.empty() ? name : kDefaultClusterName;
  if (c.nodes.empty()) c.nodes.push_back(NodeConfig{});
  Validate(doc, c);
  if (doc.has_errors()) return doc.status();
  return c;
}

Result<ClusterConfig> LoadClusterConfig(const std::string& path, const std::string& name_override) {
  Result<std::string> text = agent::ReadConfigFile(path);
  if (!text.ok()) return text.status();
  return ParseClusterConfig(*text, path, name_override);
}

Result<ClusterConfig> DefaultClusterConfig(const std::string& name_override) {
  return ParseClusterConfig(std::string("kind: Cluster\napiVersion: ") + kClusterAPIVersion + "\n", "(default)",
                            name_override);
}

std::vector<std::string> NodeNames(const ClusterConfig& config) {
  std::vector<std::string> names;
  int control_planes = 0;
  int workers = 0;
  for (const NodeConfig& node : config.nodes) {
    const bool cp = node.role == NodeRole::kControlPlane;
    const int n = cp ? ++control_planes : ++workers;
    names.push_back(config.name + "-" + ToString(node.role) + (n > 1 ? std::to_string(n) : ""));
  }
  return names;
}

std::string EncodeClusterConfig(const ClusterConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "kind" << YAML::Value << kClusterKind;
  out << YAML::Key << "apiVersion" << YAML::Value << kClusterAPIVersion;
  out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "nodes" << YAML::Value << YAML::BeginSeq;
  for (const NodeConfig& node : c.nodes) {
    out << YAML::BeginMap << YAML::Key << "role" << YAML::Value << ToString(node.role);
    if (!node.labels.empty()) {
      out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
      for (const auto& [k, v] : node.labels) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
      out << YAML::EndMap;
    }
    if (!node.extra_port_mappings.empty()) {
      out << YAML::Key << "extraPortMappings" << YAML::Value << YAML::BeginSeq;
      for (const PortMapping& m : node.extra_port_mappings) {
        out << YAML::BeginMap << YAML::Key << "containerPort" << YAML::Value << m.container_port << YAML::Key
            << "hostPort" << YAML::Value << m.host_port << YAML::Key << "listenAddress" << YAML::Value
            << m.listen_address << YAML::Key << "protocol" << YAML::Value << m.protocol << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
    if (!node.extra_mounts.empty()) {
      out << YAML::Key << "extraMounts" << YAML::Value << YAML::BeginSeq;
      for (const Mount& m : node.extra_mounts) {
        out << YAML::BeginMap << YAML::Key << "hostPath" << YAML::Value << YAML::DoubleQuoted << m.host_path
            << YAML::Key << "containerPath" << YAML::Value << YAML::DoubleQuoted << m.container_path << YAML::Key
            << "readOnly" << YAML::Value << m.read_only << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  const Networking& n = c.networking;
  out << YAML::Key << "networking" << YAML::Value << YAML::BeginMap << YAML::Key << "ipFamily" << YAML::Value
      << n.ip_family << YAML::Key << "apiServerAddress" << YAML::Value << n.api_server_address << YAML::Key
      << "apiServerPort" << YAML::Value << n.api_server_port << YAML::Key << "podSubnet" << YAML::Value
      << n.pod_subnet << YAML::Key << "serviceSubnet" << YAML::Value << n.service_subnet << YAML::Key
      << "disableDefaultCNI" << YAML::Value << n.disable_default_cni << YAML::Key << "kubeProxyMode" << YAML::Value
      << n.kube_proxy_mode << YAML::EndMap;
  if (!c.feature_gates.empty()) {
    out << YAML::Key << "featureGates" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : c.feature_gates) out << YAML::Key << k << YAML::Value << v;
    out << YAML::EndMap;
  }
  if (!c.runtime_config.empty()) {
    out << YAML::Key << "runtimeConfig" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : c.runtime_config) out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
    out << YAML::EndMap;
  }
  if (!c.containerd_config_patches.empty()) {
    out << YAML::Key << "containerdConfigPatches" << YAML::Value << YAML::BeginSeq;
    for (const std::string& p : c.containerd_config_patches) out << YAML::Literal << p;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace kubenode::cluster
