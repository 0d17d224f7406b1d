// Container death -> restart latency of the real daemon (issue 8). Runs `kubenode run` (no proxy) against
// the harness's containerd with P busybox pods (restartPolicy Always), then kills each pod's container
// process once, one pod at a time, with SIGKILL, and polls CRI ListContainers every 5 ms until that pod's
// container with attempt + 1 is running. The first restart of a container has no back-off (upstream: the
// CrashLoopBackOff entry is made by that restart), so what is measured is the kubelet's detection (the
// PLEG relist, every 200 ms here) + the pod sync + the runtime's create and start.
//   tests/harness/env.sh up /tmp/h-x && source /tmp/h-x/env
//   ./build/bench/restart_latency_bench [PODS=30] [BINARY=build/cmd/kubenode]
// Prints p50 / p99 / max of: kill -> new container running (seen through CRI), kill -> new container's
// CreatedAt (detection + sync up to CreateContainer: the kubelet's part), CreatedAt -> StartedAt (runtime).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cri/grpc_runtime_service.h"

extern char** environ;

using namespace kubenode;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

constexpr char kPrefix[] = "restart-bench-";

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string PodManifest(int i) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + std::string(kPrefix) + std::to_string(i) +
         "\nspec:\n  restartPolicy: Always\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n"
         "    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n";
}

// The bench's pods' containers that are running, by pod name.
std::map<std::string, cri::Container> Running(cri::RuntimeService& runtime) {
  std::map<std::string, cri::Container> out;
  auto list = runtime.ListContainers({.state = cri::ContainerState::kRunning});
  if (!list.ok()) return out;
  for (auto& c : *list) {
    auto name = c.labels.find("io.kubernetes.pod.name");
    if (name == c.labels.end() || !name->second.starts_with(kPrefix)) continue;
    out[name->second] = c;
  }
  return out;
}

// The pid of the container's own process: the one whose cgroup path names the container. (CRI's
// ContainerStatus info.pid needs verbose output, which kubenode's CRI client does not ask for.)
pid_t PidOf(const std::string& container_id) {
  pid_t found = -1;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  while (const dirent* e = readdir(proc)) {
    const pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/cgroup");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (text.find(container_id) == std::string::npos) continue;
    if (found < 0 || pid < found) found = pid;  // the container's init (sleep) is its lowest pid
  }
  closedir(proc);
  return found;
}

struct Stats {
  std::vector<double> ms;
  void Print(const char* what) {
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * (ms.size() - 1) + 0.5))]; };
    std::printf("%-52s p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms   (n=%zu)\n", what, at(0.5), at(0.99), ms.back(),
                ms.size());
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int pods = argc > 1 ? std::atoi(argv[1]) : 30;
  const std::string binary = fs::absolute(argc > 2 ? argv[2] : "build/cmd/kubenode").string();
  const char* endpoint = std::getenv("KUBENODE_CRI_ENDPOINT");
  const char* test_dir = std::getenv("KUBENODE_TEST_DIR");
  if (endpoint == nullptr) {
    std::fprintf(stderr, "source the harness's env first (tests/harness/env.sh up DIR; source DIR/env)\n");
    return 2;
  }
  std::string tmpl = std::string(test_dir ? test_dir : "/tmp") + "/restart-bench-XXXXXX";
  const std::string dir = mkdtemp(tmpl.data());
  for (const char* sub : {"manifests", "root", "state", "logs"}) fs::create_directories(dir + "/" + sub);
  std::ofstream(dir + "/kubelet-config.yaml") << "apiVersion: kubelet.config.k8s.io/v1beta1\n"
                                                  "kind: KubeletConfiguration\npodLogsDir: "
                                               << dir << "/logs\n";
  cri::GrpcOptions options;
  options.endpoint = endpoint;
  options.request_timeout = 30s;
  cri::GrpcRuntimeService runtime(options);
  std::set<std::string> sandboxes_before;
  if (auto s = runtime.ListPodSandbox({}); s.ok()) {
    for (const auto& sb : *s) sandboxes_before.insert(sb.id);
  }

  std::vector<std::string> args = {binary, "--socket", dir + "/kubenode.sock", "run", "--config",
                                   dir + "/kubelet-config.yaml", "--pod-manifest-path", dir + "/manifests",
                                   "--root-dir", dir + "/root", "--state-dir", dir + "/state", "--no-proxy"};
  const std::string log = dir + "/kubenode.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argvv;
  for (auto& a : args) argvv.push_back(a.data());
  argvv.push_back(nullptr);
  pid_t daemon = -1;
  if (int rc = posix_spawn(&daemon, argvv[0], &actions, nullptr, argvv.data(), environ); rc != 0) {
    std::fprintf(stderr, "spawn %s: %s\n", binary.c_str(), std::strerror(rc));
    return 1;
  }
  posix_spawn_file_actions_destroy(&actions);

  for (int i = 0; i < pods; ++i) {
    const std::string tmp = dir + "/manifests/.p" + std::to_string(i);
    std::ofstream(tmp) << PodManifest(i);
    fs::rename(tmp, dir + "/manifests/p" + std::to_string(i) + ".yaml");
  }
  int failures = 0;
  auto deadline = Steady::now() + 300s;
  std::map<std::string, cri::Container> running;
  while ((running = Running(runtime)).size() < static_cast<size_t>(pods) && Steady::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  if (running.size() < static_cast<size_t>(pods)) {
    std::fprintf(stderr, "only %zu of %d pods running after 300 s; log: %s\n", running.size(), pods, log.c_str());
    ++failures;
  }
  std::this_thread::sleep_for(2s);  // let the start's status updates settle
  Stats total, kubelet_part, runtime_part;
  for (const auto& [pod, old] : running) {
    const pid_t pid = PidOf(old.id);
    if (pid <= 0) {
      std::fprintf(stderr, "%s: no process found for container %s\n", pod.c_str(), old.id.c_str());
      ++failures;
      continue;
    }
    const auto t0 = Steady::now();
    const int64_t wall0 = WallNs();
    kill(pid, SIGKILL);
    std::optional<cri::Container> next;
    const auto limit = t0 + 60s;
    while (!next && Steady::now() < limit) {
      auto list = runtime.ListContainers({.state = cri::ContainerState::kRunning,
                                          .label_selector = {{"io.kubernetes.pod.name", pod}}});
      if (list.ok()) {
        for (const auto& c : *list) {
          if (c.metadata.attempt == old.metadata.attempt + 1) next = c;
        }
      }
      if (!next) std::this_thread::sleep_for(5ms);
    }
    const double ms = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
    if (!next) {
      std::fprintf(stderr, "%s: not restarted within 60 s\n", pod.c_str());
      ++failures;
      continue;
    }
    total.ms.push_back(ms);
    if (auto st = runtime.ContainerStatusOf(next->id); st.ok()) {
      kubelet_part.ms.push_back((st->created_at_ns - wall0) / 1e6);
      runtime_part.ms.push_back((st->started_at_ns - st->created_at_ns) / 1e6);
    }
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("pods %d, one SIGKILL each; load average %.1f %.1f %.1f\n", pods, load[0], load[1], load[2]);
  if (!total.ms.empty()) {
    total.Print("kill -> new container running (seen via CRI)");
    kubelet_part.Print("kill -> new container CreatedAt (kubelet's part)");
    runtime_part.Print("CreatedAt -> StartedAt (runtime)");
  }

  // Stop the daemon, then remove every sandbox it made (as tests/support/daemon_fixture.h does).
  fs::remove_all(dir + "/manifests");
  kill(daemon, SIGTERM);
  for (auto end = Steady::now() + 30s; Steady::now() < end;) {
    if (waitpid(daemon, nullptr, WNOHANG) == daemon) {
      daemon = -1;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  if (daemon > 0) {
    kill(daemon, SIGKILL);
    waitpid(daemon, nullptr, 0);
  }
  if (auto s = runtime.ListPodSandbox({}); s.ok()) {
    for (const auto& sb : *s) {
      if (sandboxes_before.contains(sb.id)) continue;
      (void)runtime.StopPodSandbox(sb.id);
      (void)runtime.RemovePodSandbox(sb.id);
    }
  }
  if (failures == 0) fs::remove_all(dir);
  return failures == 0 ? 0 : 1;
}
