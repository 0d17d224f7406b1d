// The on-disk state of one cluster: <state-dir>/<name>/ holds everything `kubenode cluster create` wrote
// (the config as given, the PKI in kubeadm's layout, kubeconfigs, per-node files, image archives), so that
// `get` and `delete` work from it alone. Paths only; the files are written by their owners (pki, kubeconfig_gen,
// control_plane, image_build, the node backend).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kubenode::cluster {

inline constexpr char kDefaultStateDir[] = "/var/lib/kubenode/clusters";
inline constexpr char kStateDirEnv[] = "KUBENODE_CLUSTER_STATE_DIR";

// The state directory to use: `flag` when set, else $KUBENODE_CLUSTER_STATE_DIR when set, else the default.
std::string ResolveStateDir(const std::string& flag);

// kind's rule for cluster names (they become node and path names): ^[a-z0-9.-]+$, and not "." or "..".
Status ValidateClusterName(std::string_view name);

class ClusterState {
 public:
  ClusterState(std::string state_dir, std::string name);

  const std::string& name() const { return name_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& dir() const { return dir_; }  // <state-dir>/<name>

  // The decoded cluster config, as written by the user (re-read by get/delete).
  std::string config_file() const { return dir_ + "/cluster.yaml"; }

  // kubeadm's /etc/kubernetes/pki layout: Pki("ca.crt"), Pki("etcd/server.key"), ...
  std::string pki_dir() const { return dir_ + "/pki"; }
  std::string Pki(std::string_view file) const;

  // Kubeconfigs as kubeadm names them in /etc/kubernetes.
  std::string admin_kubeconfig() const { return dir_ + "/admin.conf"; }
  std::string controller_manager_kubeconfig() const { return dir_ + "/controller-manager.conf"; }
  std::string scheduler_kubeconfig() const { return dir_ + "/scheduler.conf"; }

  // Per node: nodes/<node>/ with kubelet.conf, kubelet-config.yaml, manifests/, containerd/config.toml.
  std::string nodes_dir() const { return dir_ + "/nodes"; }
  std::string NodeDir(std::string_view node) const;
  std::string NodeKubeconfig(std::string_view node) const { return NodeDir(node) + "/kubelet.conf"; }
  std::string NodeKubeletConfig(std::string_view node) const { return NodeDir(node) + "/kubelet-config.yaml"; }
  std::string NodeManifestsDir(std::string_view node) const { return NodeDir(node) + "/manifests"; }
  std::string NodeContainerdConfig(std::string_view node) const { return NodeDir(node) + "/containerd/config.toml"; }

  // Built image archives (OCI layout tarballs).
  std::string images_dir() const { return dir_ + "/images"; }

  // True when the cluster's directory holds a cluster.yaml (a cluster created, or being created).
  bool Exists() const;
  // Creates dir() (0700, parents as needed); an error when the cluster already exists.
  Status Create() const;
  // Removes dir() and everything below it; OK when it does not exist.
  Status Remove() const;

  // Writes `content` to `path` (a file below dir(), parents created 0700) with `mode`, atomically (temp + rename).
  static Status WriteFile(const std::string& path, std::string_view content, unsigned mode = 0600);

  // The clusters in `state_dir` (directories holding cluster.yaml), sorted; none when it does not exist.
  static Result<std::vector<std::string>> List(const std::string& state_dir);

 private:
  std::string state_dir_;
  std::string name_;
  std::string dir_;
};

}  // namespace kubenode::cluster
