// The control-plane node's four static pods (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) as `kubeadm init` v1.28 writes them to /etc/kubernetes/manifests
// (phases/controlplane/manifests.go, phases/etcd/local.go): the same flags, probes, requests, priority,
// hostNetwork and hostPath volumes. The containers see kubeadm's paths (/etc/kubernetes/pki, ...); the
// host side of every hostPath is the cluster's state directory instead of /etc/kubernetes.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/state.h"

namespace kubenode::cluster {

struct ControlPlaneOptions {
  std::string node_name;          // etcd's member name and the pods' node
  std::string advertise_address;  // the node's IP
  int api_port = 6443;
  int etcd_client_port = 2379;
  int etcd_peer_port = 2380;
  int etcd_metrics_port = 2381;
  int controller_manager_port = 10257;
  int scheduler_port = 10259;
  std::string pod_subnet = "10.244.0.0/16";
  std::string service_subnet = "10.96.0.0/16";
  std::string image_registry = "registry.k8s.io";
  std::string kubernetes_version = "v1.28.7";  // the kube-* images' tag
  std::string etcd_image_tag = "3.4.23-0";     // etcd's version + "-0", as upstream tags it
  // Host side of the hostPath volumes.
  std::string pki_dir;                  // /etc/kubernetes/pki
  std::string etcd_data_dir;            // /var/lib/etcd
  std::string controller_manager_conf;  // /etc/kubernetes/controller-manager.conf
  std::string scheduler_conf;           // /etc/kubernetes/scheduler.conf
  std::string flexvolume_dir;           // /usr/libexec/kubernetes/kubelet-plugins/volume/exec
};

// The paths of `state` for the control-plane node `node` (etcd data and flexvolume under nodes/<node>/).
ControlPlaneOptions ControlPlaneOptionsFor(const ClusterState& state, const std::string& node,
                                           const std::string& advertise_address);

struct StaticPodManifest {
  std::string file;  // etcd.yaml, kube-apiserver.yaml, ...
  std::string yaml;
};

// The four manifests, in kubeadm's order: etcd, kube-apiserver, kube-controller-manager, kube-scheduler.
Result<std::vector<StaticPodManifest>> ControlPlaneManifests(const ControlPlaneOptions& options);

// Writes them (0600) into `manifest_dir`, replacing what is there, and creates the etcd data directory.
Status WriteControlPlaneManifests(const std::string& manifest_dir, const ControlPlaneOptions& options);

}  // namespace kubenode::cluster
