// A pod's DNS as upstream's pkg/kubelet/network/dns/dns.go (GetPodDNS) and GeneratePodHostNameAndDomain:
// the sandbox's resolv.conf per dnsPolicy (ClusterFirst, ClusterFirstWithHostNet, Default, None) merged with
// spec.dnsConfig and cut to the resolver's limits, and the pod's hostname and domain
// (spec.hostname, spec.subdomain, setHostnameAsFQDN). Pure except ReadHostResolvConf.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/pod.h"
#include "base/status.h"
#include "cri/types.h"

namespace kubenode::kubelet {

// The KubeletConfiguration fields DNS depends on.
struct DnsOptions {
  std::vector<std::string> cluster_dns;  // clusterDNS: nameserver IPs of ClusterFirst pods
  std::string cluster_domain;            // clusterDomain, e.g. "cluster.local"
  std::string resolv_conf = "/etc/resolv.conf";  // the host's resolver file; "" disables DNS from the host
};

// Upstream parseResolvConf: nameservers accumulate, the last search line wins ("." dropped, trailing dots
// trimmed), options accumulate with later ones of the same name replacing earlier ones.
cri::DNSConfig ParseResolvConf(std::string_view text);

// The host's resolver config as a Default pod gets it: `resolv_conf` parsed, or with resolv_conf "" a
// local nameserver (127.0.0.1) and search "." as upstream. A file that cannot be read is an error.
Result<cri::DNSConfig> ReadHostResolvConf(const std::string& resolv_conf);

struct PodDns {
  cri::DNSConfig config;
  // Warning events upstream records: {reason, message} (MissingClusterDNS, DNSConfigForming).
  std::vector<std::pair<std::string, std::string>> warnings;
};

// `host` is what ReadHostResolvConf gave (used by Default, and by ClusterFirst for its searches).
PodDns BuildPodDns(const api::Pod& pod, const DnsOptions& options, const cri::DNSConfig& host);

// Upstream GeneratePodHostNameAndDomain: hostname = spec.hostname or the pod name (cut to 63 characters,
// trailing '-' and '.' trimmed); domain = "<subdomain>.<namespace>.svc.<clusterDomain>" with a subdomain.
struct PodHostname {
  std::string hostname;
  std::string domain;  // "" without spec.subdomain
};
PodHostname PodHostnameAndDomain(const api::Pod& pod, const std::string& cluster_domain);

// The sandbox's kernel hostname: the hostname, or hostname.domain with setHostnameAsFQDN (at most 64
// characters, else an error as upstream). Empty for hostNetwork pods (the node's name).
Result<std::string> SandboxHostname(const api::Pod& pod, const std::string& cluster_domain);

}  // namespace kubenode::kubelet
