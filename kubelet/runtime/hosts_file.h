// The kubelet-managed /etc/hosts of a pod's containers, as upstream's kubelet_pods.go (makeHostsMount,
// ensureHostsFile): written to <root-dir>/pods/<uid>/etc-hosts and mounted at /etc/hosts in every
// container that does not mount something there itself.
#pragma once

#include <string>
#include <vector>

#include "api/pod.h"
#include "base/status.h"
#include "cri/types.h"

namespace kubenode::kubelet {

// A pod's own network: the localhost lines, each pod IP with "<hostname>.<domain>\t<hostname>" (or just the
// hostname without a domain), then the host aliases.
std::string ManagedHostsFileContent(const std::vector<std::string>& pod_ips, const std::string& hostname,
                                    const std::string& domain, const std::vector<api::HostAlias>& aliases);

// A hostNetwork pod: the node's hosts file, then the host aliases.
std::string HostNetworkHostsFileContent(const std::string& node_hosts, const std::vector<api::HostAlias>& aliases);

// Writes the pod's etc-hosts (mode 0644) and appends its mount at /etc/hosts to `config`, unless the
// container mounts a volume at /etc/hosts. Without pod IPs (and not on the host network) nothing is
// mounted, as upstream. `node_hosts_path` is the node's file (/etc/hosts) for hostNetwork pods.
Status AddHostsMount(const std::string& root_dir, const api::Pod& pod, const api::Container& container,
                     const std::vector<std::string>& pod_ips, const std::string& cluster_domain,
                     cri::ContainerConfig& config, const std::string& node_hosts_path = "/etc/hosts");

}  // namespace kubenode::kubelet
