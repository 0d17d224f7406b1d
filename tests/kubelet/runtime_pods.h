// Puts running pods straight into a FakeRuntime, labelled as the kubelet's executor labels them (one
// ready sandbox and running containers each), for tests and benches of what reads the runtime (PLEG, GC).
#pragma once

#include <string>
#include <vector>

#include "kubelet/runtime/labels.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::kubelet::testing {

struct RuntimePod {
  std::string uid;
  std::string sandbox_id;
  std::vector<std::string> container_ids;  // in the order of the names given
};

inline RuntimePod AddRunningPod(FakeRuntime& runtime, const std::string& name,
                                const std::vector<std::string>& containers = {"app"}) {
  api::Pod pod;
  pod.metadata.name = name;
  pod.metadata.ns = "default";
  pod.metadata.uid = "uid-" + name;
  pod.metadata.labels = {{"app", name}};
  cri::PodSandboxConfig sandbox;
  sandbox.metadata = {name, pod.metadata.uid, pod.metadata.ns, 0};
  sandbox.labels = SandboxLabels(pod);
  sandbox.annotations = {{"kubernetes.io/config.source", "file"}, {"kubernetes.io/config.hash", "0123456789abcdef"}};
  sandbox.log_directory = "/var/log/pods/default_" + name + "_" + pod.metadata.uid;
  RuntimePod out;
  out.uid = pod.metadata.uid;
  out.sandbox_id = runtime.RunPodSandbox(sandbox).value();
  runtime.AddImage("registry.local/app:1");
  for (const auto& c : containers) {
    api::Container spec;
    spec.name = c;
    spec.image = "registry.local/app:1";
    cri::ContainerConfig config;
    config.metadata = {c, 0};
    config.image = spec.image;
    config.labels = ContainerLabels(pod, spec, /*is_init=*/false);
    config.annotations = ContainerAnnotations(pod, spec, 0);
    config.log_path = c + "/0.log";
    auto id = runtime.CreateContainer(out.sandbox_id, config, sandbox).value();
    (void)runtime.StartContainer(id);
    out.container_ids.push_back(id);
  }
  return out;
}

}  // namespace kubenode::kubelet::testing
