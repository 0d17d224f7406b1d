#include "kubelet/runtime/cri_configs.h"

#include <filesystem>

#include "kubelet/runtime/container_resources.h"
#include "kubelet/runtime/labels.h"

namespace kubenode::kubelet {

std::string PodLogDirectory(const std::string& pod_logs_root, const api::Pod& pod) {
  return pod_logs_root + "/" + pod.metadata.ns + "_" + pod.metadata.name + "_" + pod.metadata.uid;
}

namespace {

cri::Protocol ToCri(api::Protocol p) {
  switch (p) {
    case api::Protocol::kUDP: return cri::Protocol::kUDP;
    case api::Protocol::kSCTP: return cri::Protocol::kSCTP;
    default: return cri::Protocol::kTCP;
  }
}

}  // namespace

cri::PodSandboxConfig BuildSandboxConfig(const api::Pod& pod, uint32_t attempt, const std::string& pod_logs_root,
                                         const std::string& cgroup_parent) {
  cri::PodSandboxConfig config;
  config.metadata = {pod.metadata.name, pod.metadata.uid, pod.metadata.ns, attempt};
  if (!pod.spec.host_network) {
    // Upstream GeneratePodHostNameAndDomain: the pod name, cut to a DNS label's 63 characters.
    std::string hostname = pod.metadata.name.substr(0, 63);
    while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.')) hostname.pop_back();
    config.hostname = hostname;
  }
  config.log_directory = PodLogDirectory(pod_logs_root, pod);
  for (const auto& c : pod.spec.containers) {
    for (const auto& p : c.ports) {
      config.port_mappings.push_back({ToCri(p.protocol), p.container_port, p.host_port, ""});
    }
  }
  config.labels = SandboxLabels(pod);
  config.annotations = SandboxAnnotations(pod);
  config.host_network = pod.spec.host_network;
  ApplySandboxSecurity(pod, config);
  config.cgroup_parent = cgroup_parent;
  return config;
}

Result<cri::ContainerConfig> BuildContainerConfig(const api::Pod& pod, const api::Container& container, bool is_init,
                                                  int32_t restart_count, const std::string& image_ref,
                                                  const std::map<std::string, std::string>& volume_paths,
                                                  const ImageUser& image_user, const SecurityOptions& security) {
  cri::ContainerConfig config;
  config.metadata = {container.name, static_cast<uint32_t>(restart_count)};
  config.image = image_ref;
  config.command = container.command;
  config.args = container.args;
  config.working_dir = container.working_dir;
  for (const auto& e : container.env) config.envs.push_back({e.name, e.value});
  for (const auto& m : container.volume_mounts) {
    auto it = volume_paths.find(m.name);
    if (it == volume_paths.end()) {
      return Status::Error("cannot find volume \"" + m.name + "\" to mount into container \"" + container.name + "\"");
    }
    std::string host = it->second;
    if (!m.sub_path.empty()) {
      host += "/" + m.sub_path;
      std::error_code ec;
      if (!std::filesystem::exists(host, ec)) std::filesystem::create_directories(host, ec);
      if (ec) return Status::Error("failed to create subPath directory for volumeMount \"" + m.name + "\": " + ec.message());
    }
    config.mounts.push_back({m.mount_path, host, m.read_only});
  }
  config.labels = ContainerLabels(pod, container, is_init);
  config.annotations = ContainerAnnotations(pod, container, restart_count);
  config.log_path = container.name + "/" + std::to_string(restart_count) + ".log";
  if (auto st = ApplyContainerSecurity(pod, container, image_user, security, config); !st.ok()) return st;
  config.resources = GenerateLinuxContainerResources(pod, container, HostMachineInfo());
  return config;
}

}  // namespace kubenode::kubelet
