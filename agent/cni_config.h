// The pod network of a node the cluster gave a podCIDR but nobody gave a CNI config (what kubenet did, and
// kind's kindnet does): a bridge (cni0, gateway, masquerade, hairpin) with host-local addresses from
// spec.podCIDR and a default route, plus portmap for hostPorts. Written only into a conf dir without any
// config — an operator's or a network add-on's config is never replaced.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"

namespace kubenode::agent {

inline constexpr char kDefaultCniConfDir[] = "/etc/cni/net.d";
inline constexpr char kCniConfFile[] = "10-kubenode-bridge.conflist";

// The conflist for `pod_cidr` ("10.244.1.0/24"); the gateway is the subnet's first address (host-local's).
std::string RenderBridgeConflist(const std::string& pod_cidr);

// True when `dir` has a file libcni loads (*.conf, *.conflist, *.json).
bool HasCniConfig(const std::string& dir);

// Writes RenderBridgeConflist into `dir` (made if absent, the file replaced atomically) unless HasCniConfig.
// Returns whether it wrote.
Result<bool> EnsureCniConfig(const std::string& dir, const std::string& pod_cidr);

// What API mode reads, behind functions for tests: the runtime's CRI NetworkReady, and the Node's
// spec.podCIDR ("" until the controller-manager assigns one).
struct PodNetworkInputs {
  std::function<Result<bool>()> runtime_network_ready;
  std::function<Result<std::string>()> node_pod_cidr;
};

// One attempt: nothing to do when the runtime already has a network or `dir` a config (no API call then);
// else the bridge config once the Node has a podCIDR. True when done, false to try again later.
bool ConfigurePodNetworkOnce(const std::string& dir, const PodNetworkInputs& inputs);

}  // namespace kubenode::agent
