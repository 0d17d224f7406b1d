#include "kubelet/runtime/hosts_file.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kubelet/runtime/dns.h"
#include "kubelet/runtime/volumes.h"

namespace kubenode::kubelet {
namespace {

std::string AliasEntries(const std::vector<api::HostAlias>& aliases) {
  if (aliases.empty()) return "";
  std::string out = "\n# Entries added by HostAliases.\n";
  for (const auto& a : aliases) {
    out += a.ip;
    for (const auto& h : a.hostnames) out += "\t" + h;
    out += "\n";
  }
  return out;
}

}  // namespace

std::string ManagedHostsFileContent(const std::vector<std::string>& pod_ips, const std::string& hostname,
                                    const std::string& domain, const std::vector<api::HostAlias>& aliases) {
  std::string out =
      "# Kubernetes-managed hosts file.\n"
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  for (const auto& ip : pod_ips) {
    out += domain.empty() ? ip + "\t" + hostname + "\n" : ip + "\t" + hostname + "." + domain + "\t" + hostname + "\n";
  }
  return out + AliasEntries(aliases);
}

std::string HostNetworkHostsFileContent(const std::string& node_hosts, const std::vector<api::HostAlias>& aliases) {
  return "# Kubernetes-managed hosts file (host network).\n" + node_hosts + AliasEntries(aliases);
}

Status AddHostsMount(const std::string& root_dir, const api::Pod& pod, const api::Container& container,
                     const std::vector<std::string>& pod_ips, const std::string& cluster_domain,
                     cri::ContainerConfig& config, const std::string& node_hosts_path) {
  if (pod_ips.empty() && !pod.spec.host_network) return {};
  for (const auto& m : container.volume_mounts) {
    if (m.mount_path == "/etc/hosts") return {};  // the container brings its own
  }
  std::string content;
  if (pod.spec.host_network) {
    std::ifstream in(node_hosts_path, std::ios::binary);
    if (!in) return Status::Error("read " + node_hosts_path + " for the hosts file of a hostNetwork pod: cannot open it");
    std::ostringstream text;
    text << in.rdbuf();
    content = HostNetworkHostsFileContent(text.str(), pod.spec.host_aliases);
  } else {
    const auto name = PodHostnameAndDomain(pod, cluster_domain);
    content = ManagedHostsFileContent(pod_ips, name.hostname, name.domain, pod.spec.host_aliases);
  }
  const std::string dir = PodDir(root_dir, pod.metadata.uid);
  const std::string path = dir + "/etc-hosts";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("mkdir " + dir + ": " + ec.message());
  // Rewritten in place whenever a container starts, as upstream: containers already running share the
  // file (a bind mount of its inode) and see the new pod IP after a sandbox change.
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) return Status::Error("write " + path + ": failed");
  }
  ::chmod(path.c_str(), 0644);
  config.mounts.push_back({"/etc/hosts", path, false});
  return {};
}

}  // namespace kubenode::kubelet
