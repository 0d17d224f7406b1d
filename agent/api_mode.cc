// API-server mode: the same kubelet, with pods from the API server beside the static ones.
#include <sys/statvfs.h>

#include "agent/daemon_parts.h"
#include "apiclient/kubeconfig.h"
#include "base/log.h"
#include "base/stoppable_sleep.h"
#include "host/node_info.h"
#include "kubelet/config/api_source.h"

namespace kubenode::agent {

Status StartApiMode(Daemon::Parts& p) {
  auto log = Logger("agent");
  const DaemonOptions& o = p.options;
  auto credentials = apiclient::LoadKubeconfig(o.kubeconfig);
  if (!credentials.ok()) return credentials.status();
  log->info("API server {} (kubeconfig {})", credentials->server, o.kubeconfig);
  p.api_transport = std::make_unique<apiclient::CurlTransport>(*credentials);
  p.api_limiter = std::make_unique<apiclient::RateLimiter>(p.clock, o.kube_api_qps, o.kube_api_burst);
  p.api = std::make_unique<apiclient::ApiClient>(*p.api_transport, *p.api_limiter);
  p.events.Attach(*p.api, o.kubelet.node_name);
  p.events.Start();
  // Upstream's nodeRef: a cluster-scoped object whose UID is the node's name.
  const kubelet::EventObject node_ref{"Node", "", o.kubelet.node_name, o.kubelet.node_name, ""};
  p.events.Event(node_ref, kubelet::EventType::kNormal, "Starting", "Starting kubelet.");

  p.api_objects = std::make_unique<kubelet::ApiObjectsClient>(*p.api);
  p.kubelet.SetApiObjects(p.api_objects.get());
  p.api_status = std::make_unique<kubelet::ApiStatusSyncer>(*p.api);
  auto source = std::make_unique<kubelet::ApiPodSource>(*p.api, o.kubelet.node_name);
  source->SetDeletionObserver([&p](const api::Pod& pod) {
    p.api_status->MarkDeleting(pod.metadata.uid, pod.metadata.ns, pod.metadata.name);
  });
  p.api_pods = source.get();
  p.api_status->SetMirrorResolver([&p](const std::string& ns, const std::string& name) -> std::optional<kubelet::MirrorPod> {
    for (const kubelet::MirrorPod& m : p.api_pods->MirrorPods()) {
      if (m.ns == ns && m.name == name) return m;
    }
    return std::nullopt;
  });
  p.kubelet.AddPodSource(std::move(source));
  p.kubelet.AddStatusListener([&p](const std::vector<kubelet::PodWithStatus>& pods) { p.api_status->OnStatuses(pods); });
  p.api_status->Start();

  kubelet::NodeFacts facts;
  facts.name = o.kubelet.node_name;
  auto info = host::ReadNodeInfo();
  if (!info.ok()) return info.status().WithContext("node facts");
  facts.host = *info;
  facts.node_ip = o.kubelet.node_ip;
  facts.kubelet_port = o.server.port;
  facts.kubelet_version = kubelet::NodeVersion(o.version);
  facts.extra_labels = o.node_labels;
  struct statvfs fs {};
  if (statvfs(o.kubelet.root_dir.c_str(), &fs) == 0 || statvfs("/", &fs) == 0) {
    facts.ephemeral_storage_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  }
  auto refresh = [&p](kubelet::NodeFacts& f) {
    auto version = p.runtime.Version();
    if (version.ok()) {
      f.runtime_version = version->runtime_name + "://" + version->runtime_version;
      f.not_ready_message.clear();
    } else {
      // Upstream's message when the runtime does not answer.
      f.not_ready_message = "container runtime is down: " + version.status().message();
    }
  };
  kubelet::NodeStatusReporter::Options reporting;
  reporting.update_frequency = o.node_status_update_frequency;
  reporting.report_frequency = o.node_status_report_frequency;
  facts.max_pods = o.max_pods;
  if (o.kubelet.node) {  // the same allocatable as admission checks pods against
    facts.allocatable_milli_cpu = o.kubelet.node->allocatable_milli_cpu;
    facts.allocatable_memory = o.kubelet.node->allocatable_memory;
  }
  p.node_reporter = std::make_unique<kubelet::NodeStatusReporter>(*p.api, p.clock, facts, refresh, reporting);
  p.node_reporter->SetReadyObserver([&p, node_ref](bool ready) {
    const std::string reason = ready ? "NodeReady" : "NodeNotReady";
    p.events.Event(node_ref, kubelet::EventType::kNormal, reason, "Node " + node_ref.name + " status is now: " + reason);
  });
  p.node_reporter->Start();

  if (p.tracker) {
    p.api_proxy = std::make_unique<ApiProxySource>(*p.api, *p.tracker, *p.tracker);
    p.api_proxy->Start();
  }

  // Mirror pods every 2 s, once the node is registered (they are owned by it) and the pods are listed.
  p.api_stop = false;
  p.mirror_thread = std::thread([&p] {
    while (!p.api_stop.load()) {
      try {
        if (p.node_reporter->Registered() && p.api_pods->HasSynced()) {
          std::vector<api::Pod> static_pods;
          for (const auto& pod : p.kubelet.Pods()) {
            if (!pod.terminating) static_pods.push_back(pod.pod);
          }
          const kubelet::MirrorPodActions actions = kubelet::PlanMirrorPods(static_pods, p.api_pods->MirrorPods());
          (void)kubelet::ApplyMirrorPodActions(*p.api, actions, p.options.kubelet.node_name,
                                               p.node_reporter->NodeUid());  // failures are logged, retried in 2 s
          // A mirror that appeared since the last status change gets the static pod's status now.
          p.api_status->OnStatuses(p.kubelet.Pods());
        }
      } catch (const std::exception& e) {
        Logger("kubelet")->error("mirror pods: {}", e.what());
      }
      SleepUnlessStopped(std::chrono::seconds(2), p.api_stop);
    }
  });
  return Status();
}

void StopApiMode(Daemon::Parts& p) {
  p.api_stop = true;
  if (p.mirror_thread.joinable()) p.mirror_thread.join();
  if (p.api_proxy) p.api_proxy->Stop();
  if (p.node_reporter) p.node_reporter->Stop();
  if (p.api_status) p.api_status->Stop();
  p.events.Stop();
}

}  // namespace kubenode::agent
