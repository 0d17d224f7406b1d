// PLEG relist cost with 30 running pods: CRI RPCs and CPU time per relist, the old path (a full read:
// ListPodSandbox + ListContainers + a status call per sandbox and per container, which is what
// GenericPleg::Relist did before) against the new one (GenericPleg::Relist: the two lists, status calls
// only for what changed). See bench/README.md.
//
//   pleg_relist_bench                        # in-memory fake runtime (RPC counts, kubenode's own CPU)
//   source /tmp/h-x/env && pleg_relist_bench # also against the harness's containerd (KUBENODE_CRI_ENDPOINT):
//                                            # wall time, kubenode thread CPU and containerd CPU per relist
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "base/fake_clock.h"
#include "cri/grpc_runtime_service.h"
#include "kubelet/pleg/generic_pleg.h"
#include "kubelet/runtime/labels.h"
#include "tests/kubelet/counting_runtime.h"
#include "tests/kubelet/fake_runtime.h"
#include "tests/kubelet/runtime_pods.h"

namespace kubenode::kubelet {
namespace {

constexpr int kPods = 30;

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// utime + stime of a process, in ms (0 when unknown).
double ProcessCpuMs(const char* pid) {
  if (pid == nullptr || *pid == '\0') return 0;
  std::ifstream in(std::string("/proc/") + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt (fields 3-13)
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1e3 / sysconf(_SC_CLK_TCK);
}

struct Cost {
  double rpcs = 0, wall_ms = 0, cpu_ms = 0, server_cpu_ms = 0;
};

Cost Measure(testing::CountingRuntime& counting, int iterations, const char* server_pid,
             const std::function<bool()>& relist) {
  for (int i = 0; i < 3; ++i) relist();  // warm up (connection, caches)
  counting.Reset();
  const double server0 = ProcessCpuMs(server_pid);
  const double cpu0 = ThreadCpuMs();
  const auto wall0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    if (!relist()) std::fprintf(stderr, "relist failed\n");
  }
  Cost c;
  c.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall0).count() / iterations;
  c.cpu_ms = (ThreadCpuMs() - cpu0) / iterations;
  c.server_cpu_ms = (ProcessCpuMs(server_pid) - server0) / iterations;
  c.rpcs = static_cast<double>(counting.Total()) / iterations;
  return c;
}

void Report(const char* where, cri::RuntimeService& runtime, int iterations, const char* server_pid) {
  testing::CountingRuntime counting(runtime);
  auto old_cost = Measure(counting, iterations, server_pid, [&] { return ListPodRuntimeStates(counting).ok(); });
  GenericPleg pleg;
  auto new_cost = Measure(counting, iterations, server_pid, [&] { return pleg.Relist(counting).ok(); });
  std::printf("%s, %d pods, %d relists each:\n", where, kPods, iterations);
  std::printf("  %-34s %6s %10s %16s %18s\n", "path", "RPCs", "wall ms", "kubenode CPU ms", "containerd CPU ms");
  std::printf("  %-34s %6.0f %10.3f %16.3f %18.3f\n", "old: lists + a status per object", old_cost.rpcs,
              old_cost.wall_ms, old_cost.cpu_ms, old_cost.server_cpu_ms);
  std::printf("  %-34s %6.0f %10.3f %16.3f %18.3f\n", "new: lists, status only if changed", new_cost.rpcs,
              new_cost.wall_ms, new_cost.cpu_ms, new_cost.server_cpu_ms);
  const double old_total = old_cost.cpu_ms + old_cost.server_cpu_ms;
  const double new_total = new_cost.cpu_ms + new_cost.server_cpu_ms;
  std::printf("  CPU per relist (kubenode + containerd): %.3f ms -> %.3f ms; at 1 s (old) %.2f %% of a core, "
              "at 200 ms (new) %.2f %%\n",
              old_total, new_total, old_total / 10.0, new_total / 2.0);
}

int RunFake() {
  FakeClock clock;
  testing::FakeRuntime fake(clock);
  for (int i = 0; i < kPods; ++i) testing::AddRunningPod(fake, "web-" + std::to_string(i));
  Report("fake runtime (in memory)", fake, 2000, nullptr);
  return 0;
}

// 30 pods of one pause container each, labelled as the kubelet labels them, in the harness's containerd.
int RunContainerd(const std::string& endpoint) {
  cri::GrpcOptions options;
  options.endpoint = endpoint;
  cri::GrpcRuntimeService runtime(options);
  const char* image_name = std::getenv("KUBENODE_SANDBOX_IMAGE");
  const std::string image = image_name && *image_name ? image_name : "docker.io/library/pause:3.9";
  auto ref = runtime.PullImage(image, nullptr);
  if (!ref.ok()) {
    std::fprintf(stderr, "pull %s: %s\n", image.c_str(), ref.status().message().c_str());
    return 1;
  }
  const std::string run = "pleg-bench-" + std::to_string(getpid());
  std::vector<std::string> sandboxes;
  int rc = 0;
  for (int i = 0; i < kPods && rc == 0; ++i) {
    api::Pod pod;
    pod.metadata.name = run + "-" + std::to_string(i);
    pod.metadata.ns = "default";
    pod.metadata.uid = "uid-" + pod.metadata.name;
    pod.metadata.labels = {{"kubenode-bench", run}};
    cri::PodSandboxConfig sb;
    sb.metadata = {pod.metadata.name, pod.metadata.uid, "default", 0};
    sb.hostname = pod.metadata.name;
    sb.log_directory = "/tmp/" + run + "/" + pod.metadata.name;
    sb.labels = SandboxLabels(pod);
    auto id = runtime.RunPodSandbox(sb);
    if (!id.ok()) {
      std::fprintf(stderr, "RunPodSandbox: %s\n", id.status().message().c_str());
      rc = 1;
      break;
    }
    sandboxes.push_back(*id);
    api::Container spec;
    spec.name = "app";
    spec.image = image;
    cri::ContainerConfig c;
    c.metadata = {"app", 0};
    c.image = *ref;
    c.labels = ContainerLabels(pod, spec, false);
    c.annotations = ContainerAnnotations(pod, spec, 0);
    c.log_path = "app/0.log";
    auto cid = runtime.CreateContainer(*id, c, sb);
    if (!cid.ok() || !runtime.StartContainer(*cid).ok()) {
      std::fprintf(stderr, "container: %s\n", cid.ok() ? "start failed" : cid.status().message().c_str());
      rc = 1;
    }
  }
  if (rc == 0) Report(("containerd at " + endpoint).c_str(), runtime, 200, std::getenv("KUBENODE_CONTAINERD_PID"));
  for (const auto& id : sandboxes) {
    (void)runtime.StopPodSandbox(id);
    (void)runtime.RemovePodSandbox(id);
  }
  return rc;
}

}  // namespace
}  // namespace kubenode::kubelet

int main() {
  int rc = kubenode::kubelet::RunFake();
  if (const char* endpoint = std::getenv("KUBENODE_CRI_ENDPOINT"); endpoint && *endpoint) {
    rc |= kubenode::kubelet::RunContainerd(endpoint);
  }
  return rc;
}
