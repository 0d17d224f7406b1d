#include "agent/daemon.h"

#include <filesystem>

#include "agent/daemon_parts.h"
#include "agent/proxy_healthz.h"
#include "base/log.h"
#include "proxy/sysctl.h"
#include "systemd/notify.h"
#include "systemd/watchdog.h"

namespace kubenode::agent {
namespace {

cri::GrpcOptions RuntimeOptions(const DaemonOptions& options, const std::string& endpoint) {
  cri::GrpcOptions grpc;
  grpc.endpoint = endpoint;
  grpc.request_timeout = options.runtime_request_timeout;
  return grpc;
}

std::unique_ptr<cri::GrpcRuntimeService> ImageRuntime(const DaemonOptions& options) {
  if (options.image_endpoint.empty() || options.image_endpoint == options.runtime_endpoint) return nullptr;
  return std::make_unique<cri::GrpcRuntimeService>(RuntimeOptions(options, options.image_endpoint));
}

// Under systemd's watchdog (WatchdogSec=), pings only while the kubelet's relist and the proxy's sync loop
// make progress (systemd/watchdog.h).
// kube-proxy's /healthz on healthzBindAddress. As upstream, a port that cannot be bound is logged and the
// proxy runs on without it (two nodes in one network namespace, as in tests, share one port).
void StartProxyHealthz(Daemon::Parts& p) {
  const std::string& bind = p.options.proxy_healthz_bind_address;
  if (!p.proxy_runner || bind.empty()) return;
  const size_t colon = bind.rfind(':');
  std::string address = bind.substr(0, colon);
  if (address.size() >= 2 && address.front() == '[') address = address.substr(1, address.size() - 2);
  const int port = std::atoi(bind.c_str() + colon + 1);
  const auto limit = 2 * p.options.proxy_sync_period;  // as the watchdog's check: twice the sync period
  p.proxy_healthz_router.Add("GET", "/healthz", [&p, limit](server::Exchange& e) {
    e.Respond(ProxyHealthzResponse(p.proxy_runner->Health(limit), p.proxy_runner->LastSuccess(),
                                   std::chrono::system_clock::now()));
  });
  p.proxy_healthz = std::make_unique<server::Server>(
      server::ServerOptions{.name = "kube-proxy healthz", .address = address, .port = port}, p.proxy_healthz_router,
      nullptr);
  if (Status s = p.proxy_healthz->Start(); !s.ok()) {
    Logger("proxy")->error("healthz server on {}: {} (the proxy runs without it)", bind, s.message());
    p.proxy_healthz.reset();
  }
}

void StartWatchdog(Daemon::Parts& p) {
  auto interval = systemd::WatchdogPingInterval();
  if (!interval) return;
  std::vector<systemd::HealthCheck> checks = {{"pleg", [&p] { return p.kubelet.Health(); }}};
  if (p.proxy_runner) {
    // kube-proxy's healthz allows a due sync twice the sync period.
    const auto limit = 2 * p.options.proxy_sync_period;
    checks.push_back({"proxy-sync", [&p, limit] { return p.proxy_runner->Health(limit); }});
  }
  p.watchdog = std::make_unique<systemd::Watchdog>(*interval, std::move(checks));
  p.watchdog->Start();
  Logger("agent")->info("systemd watchdog: checking health every {} ms", interval->count() / 1000);
}

// READY=1 after the first pod sync and the first rule sync, as systemd's Type=notify expects; bounded so
// that a stuck start still reports (systemd's start timeout would otherwise kill a working kubelet).
void NotifyReadyAfterFirstSyncs(Daemon::Parts& p) {
  constexpr auto kMaxWait = std::chrono::seconds(30);
  const auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  bool kubelet_synced;
  {
    std::unique_lock lock(p.ready_mu);
    kubelet_synced = p.ready_cv.wait_until(lock, deadline, [&] { return p.kubelet_synced; });
  }
  const bool proxy_synced =
      !p.proxy_runner ||
      p.proxy_runner->WaitFirstSync(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0))));
  std::string status = p.proxy_runner ? "kubelet and proxy running" : "kubelet running";
  if (!kubelet_synced || !proxy_synced) {
    status += std::string(" (first ") + (!kubelet_synced ? "pod" : "rule") + " sync still running after 30s)";
    Logger("agent")->warn("ready: {}", status);
  }
  systemd::NotifyReady(status);
}

}  // namespace

Daemon::Parts::Parts(const DaemonOptions& opts)
    : options(opts),
      runtime(RuntimeOptions(opts, opts.runtime_endpoint)),
      image_runtime(ImageRuntime(opts)),
      instrumented(runtime, image_runtime ? static_cast<cri::ImageService&>(*image_runtime) : runtime),
      images(instrumented, opts.max_parallel_image_pulls),
      events(clock),
      probes(instrumented, events, clock),
      kubelet(opts.kubelet, instrumented, images, clock, probes, events),
      local_api(opts.local_api_socket) {}

void Daemon::Parts::SetPods(const std::vector<kubelet::PodWithStatus>& statuses) {
  if (!slices) return;
  std::lock_guard lock(pods_mu);
  if (!pods_reported) return;
  // The slices diff the listing against the pods they have and recompute only the Services a changed pod
  // matches (old or new labels): O(changed pods), not O(Services).
  std::vector<proxy::PodWithStatus> pods;
  pods.reserve(statuses.size());
  for (const auto& pod : statuses) {
    if (!pod.terminating) pods.push_back({pod.pod, pod.status});
  }
  slices->SetPods(pods);
}

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {}

Daemon::~Daemon() { Stop(); }

Status Daemon::Start() {
  auto log = Logger("agent");
  parts_ = std::make_unique<Parts>(options_);
  Parts& p = *parts_;

  auto version = p.runtime.Version();
  if (!version.ok()) return version.status().WithContext("container runtime");
  log->info("container runtime {} {} (CRI {}) at {}", version->runtime_name, version->runtime_version,
            version->runtime_api_version, options_.runtime_endpoint);
  if (p.image_runtime) {
    auto images = p.image_runtime->ListImages();
    if (!images.ok()) return images.status().WithContext("image service at " + options_.image_endpoint);
    log->info("image service at {}", options_.image_endpoint);
  }

  if (options_.run_proxy) {
    // In API-server mode ClusterIPs, NodePorts and endpoints are the control plane's (agent/api_proxy_source.h).
    const bool api_mode = !options_.kubeconfig.empty();
    if (!api_mode) {
      std::error_code ec;
      std::filesystem::create_directories(options_.state_dir, ec);
      p.allocation_store =
          std::make_unique<proxy::FileAllocationStore>(options_.state_dir + "/service-allocations.json");
      auto allocator = proxy::ServiceAllocator::Create(
          p.allocation_store.get(), {.cluster_ip_range = options_.service_cluster_ip_range,
                                     .node_port_range = options_.service_node_port_range,
                                     .clock = &p.clock});
      if (!allocator.ok()) return allocator.status().WithContext("proxy");
      p.allocator = std::move(*allocator);
      // A broken state file never stops the agent (the store recovered what it could): say what happened.
      for (const std::string& problem : p.allocation_store->problems()) {
        log->error("service allocations: {}", problem);
        p.events.Event({"Node", "", options_.kubelet.node_name, "", ""}, kubelet::EventType::kWarning,
                       "ServiceAllocationsRecovered", problem);
      }
    }

    const proxy::PlannerConfig planner{.pod_cidr = options_.cluster_cidr,
                                       .localhost_nodeports = true,
                                       .node_port_addresses = options_.node_port_addresses,
                                       .service_cidr = options_.service_cluster_ip_range,
                                       .masquerade_mark = uint32_t{1} << options_.masquerade_bit,
                                       .masquerade_all = options_.masquerade_all};
    proxy::ProcSysctl sysctl;
    // route_localnet only when NodePorts answer on 127.0.0.1 (the ruleset then guards it).
    auto settings = proxy::EnsureProxySysctls(sysctl, proxy::LocalhostNodePorts(planner));
    if (!settings.ok()) return settings.status().WithContext("proxy sysctls");
    for (const auto& line : *settings) log->info("sysctl {}", line);

    p.backend = std::make_unique<netfilter::NftnlBackend>();
    // Stale UDP flows toward a removed endpoint are deleted, as kube-proxy does.
    p.conntrack = std::make_unique<proxy::NetlinkConntrack>();
    p.proxier = std::make_unique<proxy::Proxier>(*p.backend, planner, p.conntrack.get());
    p.tracker = std::make_unique<proxy::ServiceChangeTracker>(options_.kubelet.node_name, [&p] {
      if (p.proxy_runner) p.proxy_runner->Trigger();
    });
    p.proxy_runner = std::make_unique<ProxyRunner>(
        *p.tracker, *p.proxier,
        ProxyRunnerOptions{.min_sync_period = options_.proxy_min_sync_period, .sync_period = options_.proxy_sync_period});

    if (!api_mode) {
      // Services go registry -> slices -> tracker: a Service's endpoints are computed and handed to the tracker
      // before the Service itself, so no snapshot sees it without them.
      p.slices = std::make_unique<proxy::EndpointSliceSync>(
          p.tracker.get(), proxy::EndpointSliceBuilderOptions{.node_name = options_.kubelet.node_name}, p.tracker.get());
      p.registry = std::make_unique<proxy::ServiceRegistry>(p.allocator.get(), p.slices.get(), &p.clock);
      p.services = std::make_unique<ManifestServices>(*p.registry, p.events);
      // A delivery's Services and the endpoints computed for each reach the proxy as one step (a tracker
      // batch); each Service's slices are computed as it is applied (EndpointSliceSync), not afterwards.
      p.kubelet.SetManifestSink([&p](const std::vector<kubelet::ManifestFile>& files) {
        proxy::ServiceChangeTracker::Batch batch(*p.tracker);
        p.services->OnManifests(files);
      });
      p.kubelet.AddStatusListener([&p](const std::vector<kubelet::PodWithStatus>& pods) {
        proxy::ServiceChangeTracker::Batch batch(*p.tracker);
        p.SetPods(pods);
      });
    }
  }
  // The first pod sync: every source listed its pods and each pod has a status (or 10 s passed). Then the
  // proxy may compute endpoints, and READY=1 waits for it.
  p.kubelet.SetPodsReportedCallback(
      [&p] {
        if (p.slices) {
          {
            std::lock_guard lock(p.pods_mu);
            p.pods_reported = true;
          }
          Logger("proxy")->info("the kubelet reported every pod: computing endpoints");
          proxy::ServiceChangeTracker::Batch batch(*p.tracker);
          p.SetPods(p.kubelet.Pods());
        }
        {
          std::lock_guard lock(p.ready_mu);
          p.kubelet_synced = true;
        }
        p.ready_cv.notify_all();
      },
      std::chrono::seconds(10));

  if (!options_.kubeconfig.empty()) {
    if (Status s = StartApiMode(p); !s.ok()) return s.WithContext("API server");
  }
  AddRoutes(p);
  p.kubelet_servers = std::make_unique<KubeletServers>(p);
  if (Status s = p.local_api.Start(); !s.ok()) return s;
  if (Status s = p.kubelet_servers->Start(); !s.ok()) {
    p.kubelet_servers->Stop();
    p.local_api.Stop();
    return s;
  }
  if (Status s = p.kubelet.Start(); !s.ok()) {
    p.kubelet_servers->Stop();
    p.local_api.Stop();
    return s.WithContext("kubelet");
  }
  if (p.proxy_runner) p.proxy_runner->Start();
  StartProxyHealthz(p);
  StartWatchdog(p);
  NotifyReadyAfterFirstSyncs(p);
  log->info("kubenode running on node {} ({}), manifests in {}", options_.kubelet.node_name,
            options_.kubelet.node_ip, options_.kubelet.pod_manifest_path);
  return {};
}

void Daemon::Stop() {
  if (!parts_) return;
  systemd::NotifyStopping();
  if (parts_->watchdog) parts_->watchdog->Stop();
  if (parts_->kubelet_servers) parts_->kubelet_servers->Stop();
  if (parts_->proxy_healthz) parts_->proxy_healthz->Stop();
  parts_->local_api.Stop();
  if (parts_->proxy_runner) parts_->proxy_runner->Stop();
  StopApiMode(*parts_);
  // Before the parts are destroyed (the kubelet before the probe manager it is wired to): Kubelet::Stop
  // detaches from the probe manager and stops the probe workers, so none calls into a destroyed kubelet.
  parts_->kubelet.Stop();
  // Pods keep running and the ruleset stays in the kernel, as with kubelet and kube-proxy: a restarted
  // kubenode adopts both without a gap.
  parts_.reset();
}

}  // namespace kubenode::agent
