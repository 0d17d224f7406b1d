// Everything the daemon owns, in construction order. Private to agent/: daemon.cc builds it, routes.cc
// serves the CLI from it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <thread>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/daemon.h"
#include "agent/api_proxy_source.h"
#include "agent/kubelet_server.h"
#include "agent/local_api.h"
#include "agent/manifest_services.h"
#include "agent/proxy_runner.h"
#include "apiclient/client.h"
#include "apiclient/curl_transport.h"
#include "kubelet/config/api_source.h"
#include "kubelet/node/node_status_reporter.h"
#include "kubelet/runtime/api_objects_client.h"
#include "kubelet/runtime/service_lister.h"
#include "kubelet/status/api_status_syncer.h"
#include "base/clock.h"
#include "cri/grpc_runtime_service.h"
#include "cri/instrumented_runtime_service.h"
#include "cri/pull_limiter.h"
#include "kubelet/events/api_event_sink.h"
#include "kubelet/kubelet.h"
#include "kubelet/prober/probe_manager_impl.h"
#include "netfilter/nftnl_backend.h"
#include "proxy/allocation_store.h"
#include "proxy/conntrack.h"
#include "proxy/endpoint_slice_sync.h"
#include "proxy/proxier.h"
#include "proxy/service_allocator.h"
#include "proxy/service_change_tracker.h"
#include "proxy/service_registry.h"
#include "systemd/watchdog.h"

namespace kubenode::agent {

struct Daemon::Parts {
  explicit Parts(const DaemonOptions& options);

  const DaemonOptions& options;
  RealClock clock;
  cri::GrpcRuntimeService runtime;
  std::unique_ptr<cri::GrpcRuntimeService> image_runtime;  // only when imageServiceEndpoint differs
  // What the kubelet, probes and pulls call: `runtime` / `image_runtime` with every call counted and timed.
  cri::InstrumentedRuntimeService instrumented;
  cri::PullLimiter images;
  // Kept in memory for the CLI; in API-server mode also sent to the API server (StartApiMode attaches it).
  kubelet::ApiEventSink events;
  kubelet::ProbeManagerImpl probes;
  // Destroyed before `probes`, whose workers call back into it: Kubelet::Stop() (Daemon::Stop, and its
  // destructor) detaches it from `probes` first.
  kubelet::Kubelet kubelet;

  // Proxy (null when --proxy is off).
  std::unique_ptr<proxy::FileAllocationStore> allocation_store;
  std::unique_ptr<proxy::ServiceAllocator> allocator;
  std::unique_ptr<proxy::ServiceChangeTracker> tracker;
  std::unique_ptr<proxy::ServiceRegistry> registry;
  std::unique_ptr<ManifestServices> services;
  std::unique_ptr<proxy::EndpointSliceSync> slices;
  std::unique_ptr<netfilter::NftnlBackend> backend;
  std::unique_ptr<proxy::NetlinkConntrack> conntrack;
  std::unique_ptr<proxy::Proxier> proxier;
  std::unique_ptr<ProxyRunner> proxy_runner;

  // API-server mode (null without --kubeconfig).
  std::unique_ptr<apiclient::CurlTransport> api_transport;
  std::unique_ptr<apiclient::RateLimiter> api_limiter;
  std::unique_ptr<apiclient::ApiClient> api;
  std::unique_ptr<kubelet::ApiStatusSyncer> api_status;
  std::unique_ptr<kubelet::NodeStatusReporter> node_reporter;
  std::unique_ptr<ApiProxySource> api_proxy;  // also null with --no-proxy
  kubelet::ApiPodSource* api_pods = nullptr;  // owned by the kubelet
  std::unique_ptr<kubelet::ApiObjectsClient> api_objects;
  std::unique_ptr<kubelet::ApiServiceLister> service_lister;  // the kubelet's own, not the proxy's
  std::thread mirror_thread;                  // mirror pods of the static pods
  std::atomic<bool> api_stop{false};

  LocalApiServer local_api;
  std::unique_ptr<KubeletServers> kubelet_servers;  // :10250 and :10248
  server::Router proxy_healthz_router;
  std::unique_ptr<server::Server> proxy_healthz;    // kube-proxy's :10256 (null with --no-proxy or "")
  std::unique_ptr<systemd::Watchdog> watchdog;  // only under systemd's WatchdogSec=

  // READY=1 waits for the kubelet's first pod sync (and the proxy's first rule sync).
  std::mutex ready_mu;
  std::condition_variable ready_cv;
  bool kubelet_synced = false;

  // Endpoints are computed only once the kubelet reported every pod it knows (pods_reported): before that, a
  // restarted agent would publish Services without endpoints and reject their traffic until the next sync.
  // SetPods hands the kubelet's pods to the slices (which keep them) once that happened.
  std::mutex pods_mu;
  bool pods_reported = false;
  void SetPods(const std::vector<kubelet::PodWithStatus>& statuses);
};

// Registers the CLI's routes (get/describe/logs/apply/delete/proxy dump).
void AddRoutes(Daemon::Parts& parts);

// API-server mode (agent/api_mode.cc): connects with the kubeconfig, adds the API pod source and the pod
// status syncer to the kubelet (before it starts), and starts node registration, status and lease.
Status StartApiMode(Daemon::Parts& parts);
void StopApiMode(Daemon::Parts& parts);

}  // namespace kubenode::agent
