// Kubeconfig documents as kubeadm writes them (/etc/kubernetes/admin.conf, controller-manager.conf,
// scheduler.conf, kubelet.conf): one cluster, one user with a client certificate minted by the cluster CA,
// one context made current; CA, certificate and key embedded as *-data (base64 PEM).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/state.h"

namespace kubenode::cluster {

struct KubeconfigSpec {
  std::string cluster_name = "kubernetes";  // kubeadm's cluster name
  std::string server;                       // https://host:port
  std::string ca_pem;
  std::string user;                         // the user entry's name (kubeadm: the certificate's CN)
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string context;                      // empty: "<user>@<cluster_name>", as kubeadm names it
};

// The YAML text of a v1 Config holding exactly `spec`.
std::string RenderKubeconfig(const KubeconfigSpec& spec);

// A kubeconfig for a new client certificate (CN `user`, O `groups`) signed by <pki_dir>/ca.
Result<std::string> ClientKubeconfig(const std::string& pki_dir, const std::string& server, const std::string& user,
                                     const std::vector<std::string>& groups,
                                     const std::string& cluster_name = "kubernetes");

struct ControlPlaneEndpoints {
  std::string internal_server;  // https://<cp-ip>:6443: what components and nodes use
  std::string host_server;      // https://127.0.0.1:<apiServerPort>: the admin's, from the host
};

// admin.conf (kubernetes-admin, O system:masters, host server), controller-manager.conf
// (system:kube-controller-manager) and scheduler.conf (system:kube-scheduler), both on the internal server.
// Existing files are kept (as kubeadm: a second create step mints nothing new).
Status WriteControlPlaneKubeconfigs(const ClusterState& state, const ControlPlaneEndpoints& endpoints);

// nodes/<node>/kubelet.conf: system:node:<node>, O system:nodes, on the internal server. Kept when present.
Status WriteNodeKubeconfig(const ClusterState& state, const std::string& node, const std::string& internal_server);

}  // namespace kubenode::cluster
