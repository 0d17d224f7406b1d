#include "cri/instrumented_runtime_service.h"

#include <chrono>

namespace kubenode::cri {

InstrumentedRuntimeService::InstrumentedRuntimeService(RuntimeService& runtime, ImageService& images,
                                                       metrics::Registry& registry)
    : runtime_(runtime),
      images_(images),
      // Names, HELP, labels and buckets as upstream's pkg/kubelet/metrics (v1.28).
      operations_(registry.NewCounter({"kubelet_runtime_operations_total",
                                       "Cumulative number of runtime operations by operation type."},
                                      {"operation_type"})),
      durations_(registry.NewHistogram(
          {"kubelet_runtime_operations_duration_seconds",
           "Duration in seconds of runtime operations. Broken down by operation type."},
          metrics::ExponentialBuckets(.005, 2.5, 14), {"operation_type"})),
      errors_(registry.NewCounter({"kubelet_runtime_operations_errors_total",
                                   "Cumulative number of runtime operation errors by operation type."},
                                  {"operation_type"})),
      started_pods_(registry.NewCounter({"kubelet_started_pods_total", "Cumulative number of pods started"})),
      started_pods_errors_(
          registry.NewCounter({"kubelet_started_pods_errors_total", "Cumulative number of errors when starting pods"})) {}

namespace {

bool Failed(const Status& s) { return !s.ok(); }
template <typename T>
bool Failed(const Result<T>& r) {
  return !r.ok();
}

}  // namespace

template <typename F>
auto InstrumentedRuntimeService::Record(const char* operation, F&& call) -> decltype(call()) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  operations_.WithLabelValues({operation}).Inc();
  durations_.WithLabelValues({operation}).Observe(took.count());
  if (Failed(result)) errors_.WithLabelValues({operation}).Inc();
  return result;
}

Result<VersionInfo> InstrumentedRuntimeService::Version() {
  return Record("version", [&] { return runtime_.Version(); });
}

Result<std::string> InstrumentedRuntimeService::RunPodSandbox(const PodSandboxConfig& config) {
  started_pods_.Get().Inc();
  auto id = Record("run_podsandbox", [&] { return runtime_.RunPodSandbox(config); });
  if (!id.ok()) started_pods_errors_.Get().Inc();
  return id;
}

Status InstrumentedRuntimeService::StopPodSandbox(const std::string& sandbox_id) {
  return Record("stop_podsandbox", [&] { return runtime_.StopPodSandbox(sandbox_id); });
}

Status InstrumentedRuntimeService::RemovePodSandbox(const std::string& sandbox_id) {
  return Record("remove_podsandbox", [&] { return runtime_.RemovePodSandbox(sandbox_id); });
}

Result<PodSandboxStatus> InstrumentedRuntimeService::PodSandboxStatusOf(const std::string& sandbox_id) {
  return Record("podsandbox_status", [&] { return runtime_.PodSandboxStatusOf(sandbox_id); });
}

Result<std::vector<PodSandbox>> InstrumentedRuntimeService::ListPodSandbox(const SandboxFilter& filter) {
  return Record("list_podsandbox", [&] { return runtime_.ListPodSandbox(filter); });
}

Result<std::string> InstrumentedRuntimeService::CreateContainer(const std::string& sandbox_id,
                                                                const ContainerConfig& config,
                                                                const PodSandboxConfig& sandbox_config) {
  return Record("create_container", [&] { return runtime_.CreateContainer(sandbox_id, config, sandbox_config); });
}

Status InstrumentedRuntimeService::StartContainer(const std::string& container_id) {
  return Record("start_container", [&] { return runtime_.StartContainer(container_id); });
}

Status InstrumentedRuntimeService::StopContainer(const std::string& container_id, std::chrono::seconds timeout) {
  return Record("stop_container", [&] { return runtime_.StopContainer(container_id, timeout); });
}

Status InstrumentedRuntimeService::RemoveContainer(const std::string& container_id) {
  return Record("remove_container", [&] { return runtime_.RemoveContainer(container_id); });
}

Result<std::vector<Container>> InstrumentedRuntimeService::ListContainers(const ContainerFilter& filter) {
  return Record("list_containers", [&] { return runtime_.ListContainers(filter); });
}

Result<ContainerStatus> InstrumentedRuntimeService::ContainerStatusOf(const std::string& container_id) {
  return Record("container_status", [&] { return runtime_.ContainerStatusOf(container_id); });
}

Result<ExecResult> InstrumentedRuntimeService::ExecSync(const std::string& container_id,
                                                        const std::vector<std::string>& cmd,
                                                        std::chrono::seconds timeout) {
  return Record("exec_sync", [&] { return runtime_.ExecSync(container_id, cmd, timeout); });
}

Result<std::string> InstrumentedRuntimeService::Exec(const ExecRequest& request) {
  return Record("exec", [&] { return runtime_.Exec(request); });
}

Result<std::string> InstrumentedRuntimeService::Attach(const AttachRequest& request) {
  return Record("attach", [&] { return runtime_.Attach(request); });
}

Result<std::string> InstrumentedRuntimeService::PortForward(const PortForwardRequest& request) {
  return Record("port_forward", [&] { return runtime_.PortForward(request); });
}

Result<bool> InstrumentedRuntimeService::NetworkReady() {
  return Record("status", [&] { return runtime_.NetworkReady(); });
}

Result<std::vector<ContainerStats>> InstrumentedRuntimeService::ListContainerStats(const ContainerStatsFilter& filter) {
  return Record("list_container_stats", [&] { return runtime_.ListContainerStats(filter); });
}

Result<std::vector<PodSandboxStats>> InstrumentedRuntimeService::ListPodSandboxStats(
    const PodSandboxStatsFilter& filter) {
  return Record("list_podsandbox_stats", [&] { return runtime_.ListPodSandboxStats(filter); });
}

Result<std::string> InstrumentedRuntimeService::PullImage(const std::string& image,
                                                          const PodSandboxConfig* sandbox_config,
                                                          const AuthConfig* auth) {
  return Record("pull_image", [&] { return images_.PullImage(image, sandbox_config, auth); });
}

Result<std::optional<Image>> InstrumentedRuntimeService::ImageStatus(const std::string& image) {
  return Record("image_status", [&] { return images_.ImageStatus(image); });
}

Result<std::vector<Image>> InstrumentedRuntimeService::ListImages() {
  return Record("list_images", [&] { return images_.ListImages(); });
}

Status InstrumentedRuntimeService::RemoveImage(const std::string& image) {
  return Record("remove_image", [&] { return images_.RemoveImage(image); });
}

}  // namespace kubenode::cri
