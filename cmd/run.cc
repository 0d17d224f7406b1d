#include "cmd/run.h"

#include <malloc.h>
#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent/daemon.h"
#include "agent/kubelet_config.h"
#include "agent/kubelet_server.h"
#include "agent/proxy_config.h"
#include "base/log.h"
#include "cri/pull_limiter.h"
#include "host/node_info.h"
#include "netfilter/nftnl_backend.h"
#include "proxy/proxier.h"
#include "systemd/journal_logging.h"

namespace kubenode::cmd {
namespace {

struct RunFlags {
  std::string config;        // --config: KubeletConfiguration
  std::string proxy_config;  // --proxy-config: KubeProxyConfiguration
  std::string pod_manifest_path, hostname_override, node_ip, root_dir, cluster_cidr;
  std::string service_cluster_ip_range, service_node_port_range, state_dir = "/var/lib/kubenode";
  std::string kubeconfig;                      // --kubeconfig: API-server mode
  std::string cni_conf_dir;                    // --cni-conf-dir
  std::vector<std::string> node_labels;        // --node-labels k=v,...
  bool proxy = true;
  bool cleanup = false;
  std::string log_level = "info";
};

std::chrono::milliseconds Millis(agent::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }

// Config files first, flags given on the command line over them (as kubelet does).
Result<agent::DaemonOptions> BuildOptions(const CLI::App& run, const RunFlags& f, const std::string& runtime_endpoint,
                                          const std::string& socket) {
  agent::KubeletConfig kc;
  if (!f.config.empty()) {
    auto loaded = agent::LoadKubeletConfig(f.config);
    if (!loaded.ok()) return loaded.status();
    kc = *loaded;
  }
  agent::ProxyConfig pc;
  if (!f.proxy_config.empty()) {
    auto loaded = agent::LoadProxyConfig(f.proxy_config);
    if (!loaded.ok()) return loaded.status();
    pc = *loaded;
  }
  auto given = [&run](const char* flag) { return run.count(flag) > 0; };
  if (given("--pod-manifest-path")) kc.static_pod_path = f.pod_manifest_path;
  if (given("--hostname-override")) kc.hostname_override = f.hostname_override;
  if (given("--node-ip")) kc.node_ip = f.node_ip;
  if (given("--root-dir")) kc.root_dir = f.root_dir;
  // A global flag (also used by `describe node`): it overrides the file when it differs from the default.
  if (f.config.empty() || runtime_endpoint != agent::KubeletConfig{}.container_runtime_endpoint) {
    kc.container_runtime_endpoint = runtime_endpoint;
  }
  if (given("--cluster-cidr")) pc.cluster_cidrs = {f.cluster_cidr};
  if (given("--service-cluster-ip-range")) pc.service_cluster_ip_range = f.service_cluster_ip_range;
  if (given("--service-node-port-range")) {
    auto range = agent::ParseNodePortRange(f.service_node_port_range);
    if (!range.ok()) return range.status().WithContext("--service-node-port-range");
    pc.service_node_port_range = *range;
  }

  // One node name for both halves: the proxy's hostnameOverride names the node when the kubelet's does not.
  if (!pc.hostname_override.empty() && !kc.hostname_override.empty() && pc.hostname_override != kc.hostname_override) {
    return Status::Error(f.proxy_config + ": hostnameOverride: \"" + pc.hostname_override +
                         "\" differs from the kubelet's node name \"" + kc.hostname_override +
                         "\": kubenode runs the kubelet and the proxy as one node");
  }
  agent::DaemonOptions o;
  const std::string& override_name = kc.hostname_override.empty() ? pc.hostname_override : kc.hostname_override;
  o.kubelet.node_name = override_name.empty() ? host::NodeName() : override_name;
  o.kubelet.node_ip = kc.node_ip;
  if (o.kubelet.node_ip.empty()) {
    auto ip = host::PrimaryIPv4Address();
    if (!ip.ok()) return ip.status().WithContext("node IP (set --node-ip)");
    o.kubelet.node_ip = *ip;
  }
  o.kubelet.pod_manifest_path = kc.static_pod_path;
  o.kubelet.root_dir = kc.root_dir;
  o.kubelet.pod_logs_dir = kc.pod_logs_dir;
  o.kubelet.seccomp_default = kc.seccomp_default;
  o.kubelet.allowed_unsafe_sysctls = kc.allowed_unsafe_sysctls;
  o.kubelet.file_check_frequency = Millis(kc.file_check_frequency);
  o.kubelet.sync_frequency = Millis(kc.sync_frequency);
  o.kubelet.cgroups_per_qos = kc.cgroups_per_qos;
  o.kubelet.cgroup_root = kc.cgroup_root;
  o.kubelet.cgroup_driver = kc.cgroup_driver == "systemd" ? kubelet::cm::CgroupDriver::kSystemd : kubelet::cm::CgroupDriver::kCgroupfs;
  o.kubelet.dns = {kc.cluster_dns, kc.cluster_domain, kc.resolv_conf};
  if (auto info = host::ReadNodeInfo(); info.ok()) {
    o.kubelet.node = kubelet::admission::MakeNodeFacts(o.kubelet.node_name, info->architecture, info->cpu_count,
                                                       info->memory_bytes, kc.max_pods,
                                                       {kc.system_reserved, kc.kube_reserved});
  } else {
    return info.status().WithContext("node capacity for pod admission");
  }
  o.runtime_endpoint = kc.container_runtime_endpoint;
  o.image_endpoint = kc.image_service_endpoint;
  o.max_parallel_image_pulls = cri::PullParallelism(kc.serialize_image_pulls, kc.max_parallel_image_pulls);
  o.runtime_request_timeout = Millis(kc.runtime_request_timeout);
  o.local_api_socket = socket;
  o.version = KUBENODE_VERSION;
  o.run_proxy = f.proxy;
  o.kubeconfig = f.kubeconfig;
  if (!f.cni_conf_dir.empty()) o.cni_conf_dir = f.cni_conf_dir;
  o.max_pods = kc.max_pods;
  o.node_status_update_frequency = Millis(kc.node_status_update_frequency);
  o.node_status_report_frequency = Millis(kc.node_status_report_frequency);
  for (const std::string& label : f.node_labels) {
    size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) return Status::Error("--node-labels: \"" + label + "\": expected key=value");
    o.node_labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  o.service_cluster_ip_range = pc.service_cluster_ip_range;
  o.service_node_port_range = pc.service_node_port_range.ToString();
  o.cluster_cidr = pc.cluster_cidrs.empty() ? "" : pc.cluster_cidrs.front();
  o.state_dir = f.state_dir;
  o.proxy_sync_period = Millis(pc.nftables.sync_period);
  o.proxy_min_sync_period = Millis(pc.nftables.min_sync_period);
  o.proxy_healthz_bind_address = pc.healthz_bind_address;
  o.masquerade_bit = pc.nftables.masquerade_bit;
  o.masquerade_all = pc.nftables.masquerade_all;
  o.node_port_addresses = pc.node_port_addresses;
  o.server = agent::ServerOptionsFromConfig(kc, !f.kubeconfig.empty());
  return o;
}

int Cleanup() {
  netfilter::NftnlBackend backend;
  proxy::Proxier proxier(backend, proxy::PlannerConfig{});
  Status s = proxier.Cleanup();
  if (!s.ok()) {
    std::cerr << "error: " << s.message() << "\n";
    return 1;
  }
  std::cout << "removed table ip " << proxy::kProxyTable << "\n";
  return 0;
}

int Run(const agent::DaemonOptions& options) {
  // glibc gives each thread that allocates concurrently its own arena (up to 8 per core), and memory freed in
  // one is not reused by another: with the server's, workers' and informers' threads the daemon's RSS grew by
  // 10 MB per 500 manifests dropped into the directory although the heap did not (fault test
  // InvalidManifestFaultTest); two arenas keep RSS flat (35.2 -> 35.5 MB) at no measurable cost here. The
  // environment's MALLOC_ARENA_MAX, when set, still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  agent::Daemon daemon(options);
  if (Status s = daemon.Start(); !s.ok()) {
    Logger("agent")->critical("{}", s.message());
    return 1;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  Logger("agent")->info("received signal {}, stopping (pods and rules stay in place)", signal);
  // Stop waits for the pod syncs in flight; one may be waiting out a grace period or an image pull. Upstream's
  // kubelet exits at once and a restart resumes that work; kubenode gives them a few seconds, then does the same
  // (pods and rules are in the runtime and the kernel, as after kill -9, which a restart adopts).
  constexpr auto kStopDeadline = std::chrono::seconds(5);
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  std::thread stopper([&] {
    daemon.Stop();
    std::lock_guard lock(mu);
    stopped = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, kStopDeadline, [&] { return stopped; })) {
    Logger("agent")->warn("pod syncs still running after {}s; exiting without them (a restart resumes them)",
                          kStopDeadline.count());
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
    std::_Exit(0);
  }
  lock.unlock();
  stopper.join();
  return 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, std::string& runtime_endpoint, std::string& socket, int& exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* run = app.add_subcommand("run", "Run the node agent (kubelet + kube-proxy)");
  run->add_option("--config", flags->config, "KubeletConfiguration file (kubelet.config.k8s.io/v1beta1)");
  run->add_option("--proxy-config", flags->proxy_config, "KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1)");
  run->add_option("--pod-manifest-path", flags->pod_manifest_path, "Static pod directory (staticPodPath)");
  run->add_option("--hostname-override", flags->hostname_override, "Node name instead of the hostname");
  run->add_option("--node-ip", flags->node_ip, "The node's IP (default: the default route's interface address)");
  run->add_option("--root-dir", flags->root_dir, "Kubelet state (volumes) directory");
  run->add_option("--cluster-cidr", flags->cluster_cidr, "Pod CIDR: traffic from outside it to ClusterIPs is masqueraded");
  run->add_option("--service-cluster-ip-range", flags->service_cluster_ip_range, "ClusterIP range (default 10.96.0.0/12)");
  run->add_option("--service-node-port-range", flags->service_node_port_range, "NodePort range (default 30000-32767)");
  run->add_option("--state-dir", flags->state_dir, "Where kubenode keeps its own state")->capture_default_str();
  run->add_option("--kubeconfig", flags->kubeconfig,
                  "Join the cluster of this kubeconfig's API server as a node (default: standalone)");
  run->add_option("--cni-conf-dir", flags->cni_conf_dir,
                  "API mode: where the bridge config for the Node's podCIDR is written when the runtime has no "
                  "pod network (default /etc/cni/net.d)");
  run->add_option("--node-labels", flags->node_labels, "Labels to register the node with (key=value,...)")
      ->delimiter(',');
  run->add_flag("--proxy,!--no-proxy", flags->proxy, "Run the proxy half (default on)");
  run->add_flag("--cleanup", flags->cleanup, "Remove kubenode's nftables table and exit (as kube-proxy --cleanup)");
  run->add_option("--log-level", flags->log_level, "trace|debug|info|warn|error")->capture_default_str();
  run->callback([run, flags, &runtime_endpoint, &socket, &exit_code] {
    systemd::ConfigureProcessLogging(spdlog::level::from_str(flags->log_level));
    if (flags->cleanup) {
      exit_code = Cleanup();
      return;
    }
    auto options = BuildOptions(*run, *flags, runtime_endpoint, socket);
    if (!options.ok()) {
      std::cerr << "error: " << options.status().message() << "\n";
      exit_code = 1;
      return;
    }
    exit_code = Run(*options);
  });
}

}  // namespace kubenode::cmd
