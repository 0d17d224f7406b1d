#include "cluster/control_plane.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <yaml-cpp/yaml.h>

namespace kubenode::cluster {
namespace {

constexpr char kPki[] = "/etc/kubernetes/pki";

std::string Join(const std::string& host, int port) { return host + ":" + std::to_string(port); }

YAML::Node HttpGetProbe(const std::string& host, const std::string& path, int port, const std::string& scheme,
                        int failure_threshold, int initial_delay, int period) {
  YAML::Node p;
  p["failureThreshold"] = failure_threshold;
  p["httpGet"]["host"] = host;
  p["httpGet"]["path"] = path;
  p["httpGet"]["port"] = port;
  p["httpGet"]["scheme"] = scheme;
  if (initial_delay > 0) p["initialDelaySeconds"] = initial_delay;
  p["periodSeconds"] = period;
  p["timeoutSeconds"] = 15;
  return p;
}
// kubeadm's three probe shapes (staticpod utils: LivenessProbe, ReadinessProbe, StartupProbe).
YAML::Node Liveness(const std::string& host, const std::string& path, int port, const std::string& scheme) {
  return HttpGetProbe(host, path, port, scheme, 8, 10, 10);
}
YAML::Node Readiness(const std::string& host, const std::string& path, int port, const std::string& scheme) {
  return HttpGetProbe(host, path, port, scheme, 3, 0, 1);
}
YAML::Node Startup(const std::string& host, const std::string& path, int port, const std::string& scheme) {
  return HttpGetProbe(host, path, port, scheme, 24, 10, 10);
}

struct Mount {
  std::string name;
  std::string host_path;
  std::string mount_path;
  std::string type;  // DirectoryOrCreate, FileOrCreate
  bool read_only;
};

// The system CA directories kubeadm mounts read-only into the apiserver and controller-manager.
std::vector<Mount> CaCertMounts() {
  return {{"ca-certs", "/etc/ssl/certs", "/etc/ssl/certs", "DirectoryOrCreate", true},
          {"etc-ca-certificates", "/etc/ca-certificates", "/etc/ca-certificates", "DirectoryOrCreate", true}};
}
std::vector<Mount> ShareCaMounts() {
  return {{"usr-local-share-ca-certificates", "/usr/local/share/ca-certificates", "/usr/local/share/ca-certificates",
           "DirectoryOrCreate", true},
          {"usr-share-ca-certificates", "/usr/share/ca-certificates", "/usr/share/ca-certificates",
           "DirectoryOrCreate", true}};
}

YAML::Node Pod(const std::string& component, YAML::Node annotations, std::vector<std::string> command,
               const std::string& image, YAML::Node probes, YAML::Node requests, std::vector<Mount> mounts) {
  YAML::Node pod;
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  YAML::Node meta;
  if (annotations.IsDefined() && annotations.size() > 0) meta["annotations"] = annotations;
  meta["creationTimestamp"] = YAML::Node(YAML::NodeType::Null);
  meta["labels"]["component"] = component;
  meta["labels"]["tier"] = "control-plane";
  meta["name"] = component;
  meta["namespace"] = "kube-system";
  pod["metadata"] = meta;

  YAML::Node c;
  for (const std::string& arg : command) c["command"].push_back(arg);
  c["image"] = image;
  c["imagePullPolicy"] = "IfNotPresent";
  if (probes["livenessProbe"]) c["livenessProbe"] = probes["livenessProbe"];
  c["name"] = component;
  if (probes["readinessProbe"]) c["readinessProbe"] = probes["readinessProbe"];
  c["resources"]["requests"] = requests;
  if (probes["startupProbe"]) c["startupProbe"] = probes["startupProbe"];
  // volumeMounts in the order given (kubeadm's: by volume name, but etcd's data first); volumes by name.
  for (const Mount& m : mounts) {
    YAML::Node vm;
    vm["mountPath"] = m.mount_path;
    vm["name"] = m.name;
    if (m.read_only) vm["readOnly"] = true;
    c["volumeMounts"].push_back(vm);
  }
  YAML::Node spec;
  spec["containers"].push_back(c);
  spec["hostNetwork"] = true;
  spec["priority"] = 2000001000;
  spec["priorityClassName"] = "system-node-critical";
  spec["securityContext"]["seccompProfile"]["type"] = "RuntimeDefault";
  std::sort(mounts.begin(), mounts.end(), [](const Mount& a, const Mount& b) { return a.name < b.name; });
  for (const Mount& m : mounts) {
    YAML::Node v;
    v["hostPath"]["path"] = m.host_path;
    v["hostPath"]["type"] = m.type;
    v["name"] = m.name;
    spec["volumes"].push_back(v);
  }
  pod["spec"] = spec;
  pod["status"] = YAML::Node(YAML::NodeType::Map);
  return pod;
}

std::string Emit(const YAML::Node& pod) {
  YAML::Emitter out;
  out << pod;
  return std::string(out.c_str()) + "\n";
}

std::string Image(const ControlPlaneOptions& o, const std::string& name, const std::string& tag) {
  return o.image_registry + "/" + name + ":" + tag;
}

YAML::Node Etcd(const ControlPlaneOptions& o) {
  const std::string adv = o.advertise_address;
  const std::string client = "https://" + Join(adv, o.etcd_client_port);
  const std::string peer = "https://" + Join(adv, o.etcd_peer_port);
  YAML::Node annotations;
  annotations["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = client;
  YAML::Node probes;
  probes["livenessProbe"] = Liveness("127.0.0.1", "/health?exclude=NOSPACE&serializable=true", o.etcd_metrics_port, "HTTP");
  probes["startupProbe"] = Startup("127.0.0.1", "/health?serializable=false", o.etcd_metrics_port, "HTTP");
  YAML::Node requests;
  requests["cpu"] = "100m";
  requests["memory"] = "100Mi";
  return Pod("etcd", annotations,
             {"etcd", "--advertise-client-urls=" + client, "--cert-file=" + std::string(kPki) + "/etcd/server.crt",
              "--client-cert-auth=true", "--data-dir=/var/lib/etcd", "--experimental-initial-corrupt-check=true",
              "--experimental-watch-progress-notify-interval=5s", "--initial-advertise-peer-urls=" + peer,
              "--initial-cluster=" + o.node_name + "=" + peer, "--key-file=" + std::string(kPki) + "/etcd/server.key",
              "--listen-client-urls=https://" + Join("127.0.0.1", o.etcd_client_port) + "," + client,
              "--listen-metrics-urls=http://" + Join("127.0.0.1", o.etcd_metrics_port), "--listen-peer-urls=" + peer,
              "--name=" + o.node_name, "--peer-cert-file=" + std::string(kPki) + "/etcd/peer.crt",
              "--peer-client-cert-auth=true", "--peer-key-file=" + std::string(kPki) + "/etcd/peer.key",
              "--peer-trusted-ca-file=" + std::string(kPki) + "/etcd/ca.crt", "--snapshot-count=10000",
              "--trusted-ca-file=" + std::string(kPki) + "/etcd/ca.crt"},
             Image(o, "etcd", o.etcd_image_tag), probes, requests,
             {{"etcd-data", o.etcd_data_dir, "/var/lib/etcd", "DirectoryOrCreate", false},
              {"etcd-certs", o.pki_dir + "/etcd", std::string(kPki) + "/etcd", "DirectoryOrCreate", false}});
}

YAML::Node ApiServer(const ControlPlaneOptions& o) {
  const std::string adv = o.advertise_address;
  const std::string p = kPki;
  YAML::Node annotations;
  annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = Join(adv, o.api_port);
  YAML::Node probes;
  probes["livenessProbe"] = Liveness(adv, "/livez", o.api_port, "HTTPS");
  probes["readinessProbe"] = Readiness(adv, "/readyz", o.api_port, "HTTPS");
  probes["startupProbe"] = Startup(adv, "/livez", o.api_port, "HTTPS");
  YAML::Node requests;
  requests["cpu"] = "250m";
  std::vector<Mount> mounts = CaCertMounts();
  mounts.push_back({"k8s-certs", o.pki_dir, p, "DirectoryOrCreate", true});
  for (const Mount& m : ShareCaMounts()) mounts.push_back(m);
  return Pod("kube-apiserver", annotations,
             {"kube-apiserver", "--advertise-address=" + adv, "--allow-privileged=true",
              "--authorization-mode=Node,RBAC", "--client-ca-file=" + p + "/ca.crt",
              "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
              "--etcd-cafile=" + p + "/etcd/ca.crt", "--etcd-certfile=" + p + "/apiserver-etcd-client.crt",
              "--etcd-keyfile=" + p + "/apiserver-etcd-client.key",
              "--etcd-servers=https://" + Join("127.0.0.1", o.etcd_client_port),
              "--kubelet-client-certificate=" + p + "/apiserver-kubelet-client.crt",
              "--kubelet-client-key=" + p + "/apiserver-kubelet-client.key",
              "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
              "--proxy-client-cert-file=" + p + "/front-proxy-client.crt",
              "--proxy-client-key-file=" + p + "/front-proxy-client.key",
              "--requestheader-allowed-names=front-proxy-client",
              "--requestheader-client-ca-file=" + p + "/front-proxy-ca.crt",
              "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
              "--requestheader-username-headers=X-Remote-User", "--secure-port=" + std::to_string(o.api_port),
              "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
              "--service-account-key-file=" + p + "/sa.pub", "--service-account-signing-key-file=" + p + "/sa.key",
              "--service-cluster-ip-range=" + o.service_subnet, "--tls-cert-file=" + p + "/apiserver.crt",
              "--tls-private-key-file=" + p + "/apiserver.key"},
             Image(o, "kube-apiserver", o.kubernetes_version), probes, requests, mounts);
}

YAML::Node ControllerManager(const ControlPlaneOptions& o) {
  const std::string p = kPki;
  const std::string conf = "/etc/kubernetes/controller-manager.conf";
  YAML::Node probes;
  probes["livenessProbe"] = Liveness("127.0.0.1", "/healthz", o.controller_manager_port, "HTTPS");
  probes["startupProbe"] = Startup("127.0.0.1", "/healthz", o.controller_manager_port, "HTTPS");
  YAML::Node requests;
  requests["cpu"] = "200m";
  std::vector<Mount> mounts = CaCertMounts();
  mounts.push_back({"flexvolume-dir", o.flexvolume_dir, "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
                    "DirectoryOrCreate", false});
  mounts.push_back({"k8s-certs", o.pki_dir, p, "DirectoryOrCreate", true});
  mounts.push_back({"kubeconfig", o.controller_manager_conf, conf, "FileOrCreate", true});
  for (const Mount& m : ShareCaMounts()) mounts.push_back(m);
  return Pod("kube-controller-manager", YAML::Node(),
             {"kube-controller-manager", "--allocate-node-cidrs=true", "--authentication-kubeconfig=" + conf,
              "--authorization-kubeconfig=" + conf, "--bind-address=127.0.0.1", "--client-ca-file=" + p + "/ca.crt",
              "--cluster-cidr=" + o.pod_subnet, "--cluster-name=kubernetes",
              "--cluster-signing-cert-file=" + p + "/ca.crt", "--cluster-signing-key-file=" + p + "/ca.key",
              "--controllers=*,bootstrapsigner,tokencleaner", "--kubeconfig=" + conf, "--leader-elect=true",
              "--requestheader-client-ca-file=" + p + "/front-proxy-ca.crt", "--root-ca-file=" + p + "/ca.crt",
              "--secure-port=" + std::to_string(o.controller_manager_port),
              "--service-account-private-key-file=" + p + "/sa.key",
              "--service-cluster-ip-range=" + o.service_subnet, "--use-service-account-credentials=true"},
             Image(o, "kube-controller-manager", o.kubernetes_version), probes, requests, mounts);
}

YAML::Node Scheduler(const ControlPlaneOptions& o) {
  const std::string conf = "/etc/kubernetes/scheduler.conf";
  YAML::Node probes;
  probes["livenessProbe"] = Liveness("127.0.0.1", "/healthz", o.scheduler_port, "HTTPS");
  probes["startupProbe"] = Startup("127.0.0.1", "/healthz", o.scheduler_port, "HTTPS");
  YAML::Node requests;
  requests["cpu"] = "100m";
  return Pod("kube-scheduler", YAML::Node(),
             {"kube-scheduler", "--authentication-kubeconfig=" + conf, "--authorization-kubeconfig=" + conf,
              "--bind-address=127.0.0.1", "--kubeconfig=" + conf, "--leader-elect=true",
              "--secure-port=" + std::to_string(o.scheduler_port)},
             Image(o, "kube-scheduler", o.kubernetes_version), probes, requests,
             {{"kubeconfig", o.scheduler_conf, conf, "FileOrCreate", true}});
}

}  // namespace

ControlPlaneOptions ControlPlaneOptionsFor(const ClusterState& state, const std::string& node,
                                           const std::string& advertise_address) {
  ControlPlaneOptions o;
  o.node_name = node;
  o.advertise_address = advertise_address;
  o.pki_dir = state.pki_dir();
  o.etcd_data_dir = state.NodeDir(node) + "/etcd";
  o.controller_manager_conf = state.controller_manager_kubeconfig();
  o.scheduler_conf = state.scheduler_kubeconfig();
  o.flexvolume_dir = state.NodeDir(node) + "/kubelet-plugins/volume/exec";
  return o;
}

Result<std::vector<StaticPodManifest>> ControlPlaneManifests(const ControlPlaneOptions& o) {
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"node_name", &o.node_name}, {"advertise_address", &o.advertise_address},
        {"pki_dir", &o.pki_dir}, {"etcd_data_dir", &o.etcd_data_dir},
        {"controller_manager_conf", &o.controller_manager_conf}, {"scheduler_conf", &o.scheduler_conf},
        {"flexvolume_dir", &o.flexvolume_dir}}) {
    if (value->empty()) return Status::Error(std::string("control-plane manifests: ") + field + " is empty");
  }
  return std::vector<StaticPodManifest>{{"etcd.yaml", Emit(Etcd(o))},
                                        {"kube-apiserver.yaml", Emit(ApiServer(o))},
                                        {"kube-controller-manager.yaml", Emit(ControllerManager(o))},
                                        {"kube-scheduler.yaml", Emit(Scheduler(o))}};
}

Status WriteControlPlaneManifests(const std::string& manifest_dir, const ControlPlaneOptions& options) {
  auto manifests = ControlPlaneManifests(options);
  if (!manifests.ok()) return manifests.status();
  // etcd's data directory: 0700 as kubeadm creates /var/lib/etcd.
  std::error_code ec;
  std::filesystem::create_directories(options.etcd_data_dir, ec);
  if (ec) return Status::Error("creating " + options.etcd_data_dir + ": " + ec.message());
  if (::chmod(options.etcd_data_dir.c_str(), 0700) != 0) {
    return Status::Error("chmod " + options.etcd_data_dir + ": " + std::strerror(errno));
  }
  for (const StaticPodManifest& m : *manifests) {
    if (Status s = ClusterState::WriteFile(manifest_dir + "/" + m.file, m.yaml, 0600); !s.ok()) return s;
  }
  return {};
}

}  // namespace kubenode::cluster
