#include "server/stream_targets.h"

#include "kubelet/runtime/labels.h"

namespace kubenode::server {
namespace {

StreamTarget Missing(std::string message) { return StreamTarget{404, std::move(message), "", false}; }

// "containerd://0123..." -> "0123...".
std::string RuntimeId(const std::string& container_id) {
  size_t scheme = container_id.find("://");
  return scheme == std::string::npos ? container_id : container_id.substr(scheme + 3);
}

}  // namespace

StreamTarget KubeletStreamTargets::Container(const PodRef& ref, const std::string& container) {
  auto pod = kubelet_.GetPod(ref.ns, ref.name);
  if (!pod) return Missing("pod does not exist");
  const std::string not_found = "container not found (\"" + container + "\")";
  if (!ref.uid.empty() && ref.uid != pod->pod.metadata.uid) return Missing(not_found);
  StreamTarget target;
  for (const auto* statuses : {&pod->status.container_statuses, &pod->status.init_container_statuses}) {
    for (const api::ContainerStatus& status : *statuses) {
      if (status.name == container && !status.container_id.empty()) target.id = RuntimeId(status.container_id);
    }
  }
  if (target.id.empty()) return Missing(not_found);
  for (const auto* specs : {&pod->pod.spec.containers, &pod->pod.spec.init_containers}) {
    for (const api::Container& spec : *specs) {
      if (spec.name == container) target.tty = spec.tty;
    }
  }
  return target;
}

StreamTarget KubeletStreamTargets::Sandbox(const PodRef& ref) {
  auto pod = kubelet_.GetPod(ref.ns, ref.name);
  if (!pod) return Missing("pod does not exist");
  const std::string full_name = ref.name + "_" + ref.ns;
  if (!ref.uid.empty() && ref.uid != pod->pod.metadata.uid) return Missing("pod not found (\"" + full_name + "\")");
  cri::SandboxFilter filter;
  filter.state = cri::SandboxState::kReady;
  filter.label_selector[kubelet::kPodUIDLabel] = pod->pod.metadata.uid;
  auto sandboxes = runtime_.ListPodSandbox(filter);
  if (!sandboxes.ok()) return StreamTarget{500, sandboxes.status().message(), "", false};
  const cri::PodSandbox* newest = nullptr;
  for (const cri::PodSandbox& sandbox : *sandboxes) {
    if (!newest || sandbox.created_at_ns > newest->created_at_ns) newest = &sandbox;
  }
  if (!newest) return Missing("pod not found (\"" + full_name + "\")");
  return StreamTarget{200, "", newest->id, false};
}

}  // namespace kubenode::server
